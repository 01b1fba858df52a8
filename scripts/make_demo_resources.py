"""Write resources/demo/ from the public data sets.

A developer runs this when the demo data should change, and the app never runs
it. It reads the data sets through bench/datasets.py and writes:

- products.csv: the Luma catalog, unchanged.
- reviews.csv: the Luma reviews joined to the catalog's SKUs, unchanged.
- images/: the Luma photos downscaled to PHOTO_LONG_SIDE px, same relative paths.
- photos.csv: one row per (photo, SKU) pair with view, colour and the new size.
- online_retail_<first>_<last>.csv.gz: the last months of UCI Online Retail, in the
  source's own columns and quoting.

Usage: .venv/bin/python scripts/make_demo_resources.py [--months 3]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import logging
import shutil
import sys
from pathlib import Path

from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench import datasets  # noqa: E402

log = logging.getLogger("make_demo_resources")

OUTPUT_DIR = REPO_ROOT / "resources" / "demo"
PHOTO_LONG_SIDE = 320
JPEG_QUALITY = 82
PHOTO_COLUMNS = ["image_file", "sku", "view", "colour", "width", "height"]


def copy_catalog(output: Path) -> None:
    catalog = datasets.luma_catalog_dir() / "products.csv"
    shutil.copyfile(catalog, output / "products.csv")
    shutil.copyfile(datasets.luma_reviews(), output / "reviews.csv")


def downscale_photo(source: Path, target: Path) -> tuple[int, int]:
    """Save `source` downscaled to PHOTO_LONG_SIDE px and return its new size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as image:
        image = image.convert("RGB")
        image.thumbnail((PHOTO_LONG_SIDE, PHOTO_LONG_SIDE), Image.Resampling.LANCZOS)
        image.save(target, "JPEG", quality=JPEG_QUALITY, optimize=True)
        return image.size


def read_catalog_categories() -> dict[str, str]:
    path = datasets.luma_catalog_dir() / "products.csv"
    with path.open(newline="", encoding="utf-8") as file:
        return {row["sku"]: row["category"] for row in csv.DictReader(file)}


def photo_skus(label: dict[str, str], categories: dict[str, str]) -> list[str]:
    """List the SKUs a photo belongs to: its own, plus catalog SKUs that share it.

    The source lets some products reuse another product's photo (a 65 cm ball shows
    the 55 cm ball). Sharing is kept only within one category, because the source
    also pointed two bra tops at photos of bags.
    """
    skus = [label["sku"]]
    for other in filter(None, label["also_used_by_skus"].split(";")):
        if categories.get(other) == label["category"] and other not in skus:
            skus.append(other)
    return skus


def make_photos(output: Path) -> int:
    """Downscale every labelled photo, write photos.csv and return its row count."""
    catalog_dir = datasets.luma_catalog_dir()
    categories = read_catalog_categories()
    rows: list[dict[str, object]] = []

    with (catalog_dir / "image_labels.csv").open(newline="", encoding="utf-8") as file:
        labels = list(csv.DictReader(file))

    for label in labels:
        width, height = downscale_photo(
            catalog_dir / label["image_file"], output / label["image_file"]
        )
        for sku in photo_skus(label, categories):
            rows.append(
                {
                    "image_file": label["image_file"],
                    "sku": sku,
                    "view": label["view"],
                    "colour": label["colour_from_filename"],
                    "width": width,
                    "height": height,
                }
            )

    with (output / "photos.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=PHOTO_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    log.info("Wrote %d photos, %d photo rows", len(labels), len(rows))
    return len(rows)


def first_month_of_range(last_month: str, months: int) -> str:
    """Return the first month (YYYY-MM) of `months` months ending at `last_month`."""
    year, month = (int(part) for part in last_month.split("-"))
    index = year * 12 + (month - 1) - (months - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def slice_online_retail(output: Path, months: int) -> Path:
    """Write the last `months` months of UCI Online Retail as gzip CSV.

    The source file is sorted by InvoiceDate. Rows are re-written with the csv
    module, which reproduces the source's quoting and CRLF line ends exactly.
    """
    source = datasets.uci_online_retail()
    with gzip.open(source, "rt", encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        header = next(reader)
        rows = list(reader)

    date_column = header.index("InvoiceDate")
    last_month = rows[-1][date_column][:7]
    first_month = first_month_of_range(last_month, months)
    kept = [row for row in rows if row[date_column][:7] >= first_month]

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(kept)

    target = output / f"online_retail_{first_month}_{last_month}.csv.gz"
    # mtime=0 keeps the archive byte-identical between runs.
    with gzip.GzipFile(target, "wb", mtime=0) as archive:
        archive.write(text.getvalue().encode("utf-8"))
    log.info(
        "Wrote %d invoice lines (%s to %s) to %s",
        len(kept),
        first_month,
        last_month,
        target.name,
    )
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--months",
        type=int,
        default=3,
        help="months of UCI Online Retail invoices to keep, counted back from the last",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    # Data files and photos are rewritten, while README.md and LICENSES.md are kept.
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(OUTPUT_DIR / "images", ignore_errors=True)
    for old_slice in OUTPUT_DIR.glob("online_retail_*.csv.gz"):
        old_slice.unlink()

    copy_catalog(OUTPUT_DIR)
    make_photos(OUTPUT_DIR)
    slice_online_retail(OUTPUT_DIR, args.months)
    return 0


if __name__ == "__main__":
    sys.exit(main())
