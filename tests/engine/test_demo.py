"""Building the demo shop from resources/demo."""

from __future__ import annotations

import csv
import gzip
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.demo import BUILD_FOLDER_PREFIX, build_demo_shop, demo_resources_dir
from engine.errors import CancelledError, DemoShopPathTakenError
from engine.progress import CancelToken
from engine.store import open_store
from engine.store.queries import counts


def read_photo_list() -> list[dict[str, str]]:
    with (demo_resources_dir() / "photos.csv").open(
        newline="", encoding="utf-8"
    ) as file:
        return list(csv.DictReader(file))


def read_invoice_slice() -> list[dict[str, str]]:
    (path,) = demo_resources_dir().glob("online_retail_*.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


# Process id above Linux's pid_max (2**22), so no live process has it.
ABANDONED_PID = 2**22 + 12345


@dataclass
class BuiltDemo:
    path: Path
    progress: list[tuple[float, str]]
    seconds: float
    abandoned_build: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> BuiltDemo:
    """One demo build shared by the read-only tests, because a build takes seconds.

    A leftover build folder of a crashed process is planted first, to check that
    the build removes it.
    """
    folder = tmp_path_factory.mktemp("demo")
    abandoned = folder / f"{BUILD_FOLDER_PREFIX}{ABANDONED_PID}-x"
    (abandoned / "photos").mkdir(parents=True)
    (abandoned / "shop.db").write_bytes(b"half-built")
    calls: list[tuple[float, str]] = []

    started = time.monotonic()
    path = build_demo_shop(
        folder / "shop.db",
        progress=lambda fraction, text: calls.append((fraction, text)),
    )

    return BuiltDemo(path, calls, time.monotonic() - started, abandoned)


@pytest.fixture
def demo_shop(built) -> Path:
    return built.path


def test_demo_product_count(demo_shop):
    stock_codes = {row["StockCode"] for row in read_invoice_slice()}
    distinct_codes = len(stock_codes)
    distinct_codes_ignoring_case = len({code.upper() for code in stock_codes})

    with open_store(demo_shop) as store:
        shop_counts = counts(store)

    # 199 Luma products plus one item per UCI stock code. Codes such as POST and
    # M are non-product items, and the importer may merge codes that differ
    # only in letter case.
    items = shop_counts.products + shop_counts.non_product_items
    assert shop_counts.products > 199
    assert shop_counts.non_product_items > 0
    assert items >= 199 + distinct_codes_ignoring_case
    assert items <= 199 + distinct_codes


def test_demo_luma_products_present(demo_shop):
    with open_store(demo_shop) as store:
        row = store.conn.execute(
            "SELECT title, price FROM products WHERE sku = '24-MB01'"
        ).fetchone()

    assert row is not None
    assert row[0] == "Joust Duffle Bag"
    assert row[1] == 34


def test_demo_order_count(demo_shop):
    invoices = read_invoice_slice()
    invoice_numbers = {row["InvoiceNo"] for row in invoices}
    customer_ids = {row["CustomerID"] for row in invoices if row["CustomerID"]}

    with open_store(demo_shop) as store:
        shop_counts = counts(store)
        skipped = store.conn.execute("SELECT sum(skipped) FROM import_runs").fetchone()[
            0
        ]

    assert shop_counts.orders == len(invoice_numbers)
    assert shop_counts.order_lines + skipped == len(invoices)
    assert shop_counts.customers == len(customer_ids)


def test_demo_review_count(demo_shop):
    with (demo_resources_dir() / "reviews.csv").open(
        newline="", encoding="utf-8"
    ) as file:
        review_count = sum(1 for _ in csv.DictReader(file))

    with open_store(demo_shop) as store:
        shop_counts = counts(store)

    assert review_count == 500
    assert shop_counts.reviews == review_count


def test_demo_photos_registered(demo_shop):
    photo_list = read_photo_list()

    with open_store(demo_shop) as store:
        shop_counts = counts(store)
        rows = store.conn.execute(
            "SELECT product_sku, location, width, height, sha256, source "
            "FROM product_photos"
        ).fetchall()

    assert shop_counts.photos == len(photo_list)
    assert {row[5] for row in rows} == {"demo"}
    assert all(row[0] is not None for row in rows)
    assert all(row[2] and row[3] and max(row[2], row[3]) == 320 for row in rows)


def test_demo_photo_files_match(demo_shop):
    with open_store(demo_shop) as store:
        rows = store.conn.execute(
            "SELECT location, sha256 FROM product_photos ORDER BY id LIMIT 25"
        ).fetchall()

    for location, sha256 in rows:
        assert location.startswith("photos/")
        photo = demo_shop.parent / location
        assert photo.is_file(), location
        assert hashlib.sha256(photo.read_bytes()).hexdigest() == sha256


def test_demo_leaves_no_build_folder(built):
    leftovers = list(built.path.parent.glob(f"{BUILD_FOLDER_PREFIX}*"))

    assert not built.abandoned_build.exists()
    assert leftovers == []


def test_demo_progress_reaches_one(built):
    fractions = [fraction for fraction, _ in built.progress]

    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0
    assert all(text for _, text in built.progress)


def test_demo_builds_in_seconds(built):
    # About 6 s on a 2-core machine. The bound leaves room for a slow CI machine.
    assert built.seconds < 60


def test_second_call_keeps_shop(demo_shop):
    with open_store(demo_shop) as store:
        before = counts(store).as_dict()
    modified = demo_shop.stat().st_mtime_ns

    assert build_demo_shop(demo_shop) == demo_shop

    with open_store(demo_shop) as store:
        after = counts(store).as_dict()
    assert after == before
    assert demo_shop.stat().st_mtime_ns == modified


@pytest.mark.slow
def test_rebuild_does_not_duplicate(tmp_path):
    path = tmp_path / "demo" / "shop.db"
    build_demo_shop(path)
    with open_store(path) as store:
        first = counts(store).as_dict()

    build_demo_shop(path, rebuild=True)

    with open_store(path) as store:
        second = counts(store).as_dict()
    assert second == first
    assert list(path.parent.glob(f"{BUILD_FOLDER_PREFIX}*")) == []


def cancel_before_start(fraction: float, text: str) -> bool:
    return True


def cancel_mid_orders(fraction: float, text: str) -> bool:
    # Orders take the progress share from 0.02 to 0.92.
    return fraction >= 0.3


def cancel_in_photos(fraction: float, text: str) -> bool:
    return text == "Copying demo photos"


@pytest.mark.slow
@pytest.mark.parametrize(
    "should_cancel", [cancel_before_start, cancel_mid_orders, cancel_in_photos]
)
def test_cancel_leaves_no_shop(tmp_path, should_cancel):
    path = tmp_path / "demo" / "shop.db"
    token = CancelToken()
    texts: list[str] = []

    def progress(fraction: float, text: str) -> None:
        texts.append(text)
        if should_cancel(fraction, text):
            token.cancel()

    with pytest.raises(CancelledError):
        build_demo_shop(path, progress=progress, cancel=token)

    assert "Copied demo photos" not in texts
    assert not path.exists()
    assert not (path.parent / "photos").exists()
    assert list(path.parent.glob(f"{BUILD_FOLDER_PREFIX}*")) == []


def test_existing_other_shop_untouched(tmp_path):
    path = tmp_path / "shop.db"
    open_store(path, create=True).close()
    size = path.stat().st_size

    with pytest.raises(DemoShopPathTakenError, match="not the demo shop"):
        build_demo_shop(path)

    assert path.stat().st_size == size
    assert not (tmp_path / "photos").exists()


def test_live_build_folder_kept(tmp_path):
    # A build folder of a live process (this one) belongs to a build in progress.
    live = tmp_path / f"{BUILD_FOLDER_PREFIX}{os.getpid()}-y"
    live.mkdir()
    token = CancelToken()
    token.cancel()

    with pytest.raises(CancelledError):
        build_demo_shop(tmp_path / "shop.db", cancel=token)

    assert live.exists()
