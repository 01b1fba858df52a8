"""Command-line commands of photo tagging (added to `python -m engine`).

    python -m engine tag PHOTO [PHOTO ...] --shop PATH [--json]
    python -m engine train-photos --shop PATH

`tag` exits with 1 when any photo could not be tagged; the other photos are still
tagged and stored.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add this feature's subcommands to the `python -m engine` parser."""
    tag = commands.add_parser(
        "tag", help="suggest category, object, colour and product tags for photos"
    )
    tag.add_argument(
        "photos",
        nargs="+",
        type=Path,
        metavar="PHOTO",
        help="photo files or folders (searched recursively)",
    )
    tag.add_argument("--shop", required=True, type=Path, help="the shop file")
    tag.add_argument("--json", action="store_true", help="print the tags as JSON")
    tag.set_defaults(handler=_tag)

    train = commands.add_parser(
        "train-photos", help="train the photo category tagger on the catalog photos"
    )
    train.add_argument("--shop", required=True, type=Path, help="the shop file")
    train.set_defaults(handler=_train)


def _tag(args: argparse.Namespace) -> int:
    from engine.vision.files import collect_photo_files
    from engine.vision.service import tag_photos

    collected = collect_photo_files(args.photos)
    report = tag_photos(args.shop, collected.photos)
    if args.json:
        print(
            json.dumps(
                report_json(report, collected.skipped), ensure_ascii=False, indent=2
            )
        )
    else:
        print("\n".join(describe_report(report, collected.skipped)))
    return 1 if report.problems else 0


def _train(args: argparse.Namespace) -> int:
    from engine.vision.service import train_tagger

    summary = train_tagger(args.shop)
    accuracy = summary.validation_accuracy
    accuracy_text = (
        f"{accuracy:.1%}" if accuracy is not None else "not measured (too few products)"
    )
    print(
        f"Trained the photo tagger (version {summary.version}) on "
        f"{summary.training_photos:,} photos in {len(summary.classes)} categories "
        f"in {summary.seconds:.0f} s. Accuracy on held-out products: {accuracy_text}."
    )
    return 0


def report_json(report, skipped: list[Path]) -> dict:
    """Return the tagging report as JSON-ready data."""
    return {
        "photos": [
            {
                "file": str(photo.path),
                "stored_as": photo.location,
                "photo_id": photo.photo_id,
                "product_sku": photo.product_sku,
                "tags": [
                    {
                        "kind": tag.kind,
                        "value": tag.value,
                        "confidence": None
                        if tag.confidence is None
                        else round(tag.confidence, 3),
                        "status": tag.status,
                    }
                    for tag in photo.tags
                ],
                "similar_products": [
                    {
                        "sku": item.sku,
                        "title": item.title,
                        "similarity": round(item.similarity, 3),
                    }
                    for item in photo.similar
                ],
                "near_duplicates": photo.duplicates,
            }
            for photo in report.photos
        ],
        "problems": [
            {"file": str(problem.path), "reason": problem.reason, "fix": problem.fix}
            for problem in report.problems
        ],
        "skipped_not_images": [str(path) for path in skipped],
        "has_category_model": report.has_category_head,
    }


def describe_report(report, skipped: list[Path]) -> list[str]:
    """Return the tagging report as lines of plain text."""
    lines = []
    for photo in report.photos:
        lines.append(f"{photo.path.name} (stored as {photo.location})")
        for kind in ("category", "object", "colour", "product"):
            shown = [
                f"{tag.value} {tag.confidence:.0%}"
                if tag.confidence is not None
                else tag.value
                for tag in photo.tags
                if tag.kind == kind and tag.status != "removed"
            ]
            if shown:
                lines.append(f"  {kind}: {', '.join(shown)}")
        if photo.similar:
            lines.append(
                "  looks like: "
                + ", ".join(f"{item.title} ({item.sku})" for item in photo.similar[:3])
            )
    if not report.has_category_head:
        lines.append(
            "No category tags yet: train the tagger first with "
            "python -m engine train-photos --shop SHOP."
        )
    for problem in report.problems:
        lines.append(f"Not tagged: {problem.message}")
    if skipped:
        lines.append(f"Skipped {len(skipped):,} files that are not photos.")
    if not sys.stdout.isatty() and not lines:
        lines.append("No photos found.")
    return lines
