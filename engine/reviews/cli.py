"""Command-line commands of the review analysis (added to `python -m engine`).

    python -m engine reviews --shop PATH [--product SKU] [--period P] [--train] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add the `reviews` subcommand to the `python -m engine` parser."""
    reviews = commands.add_parser("reviews", help="print the review summary: sentiment, aspects, needs reply")
    reviews.add_argument("--shop", required=True, type=Path, help="the shop file")
    reviews.add_argument("--product", metavar="SKU", help="only the reviews of this product")
    reviews.add_argument("--period", help="30d, 90d, 365d, YYYY or YYYY-MM (default: all reviews)")
    reviews.add_argument("--train", action="store_true", help="train the sentiment models on the star ratings first")
    reviews.add_argument("--json", action="store_true", help="print the summary as JSON")
    reviews.set_defaults(handler=run_reviews)


def run_reviews(args: argparse.Namespace) -> int:
    """Analyse reviews that are not scored yet, then print the summary."""
    from engine.reviews import service

    if args.train:
        summary = service.train_sentiment(args.shop)
        print(summary.message, file=sys.stderr)
    elif service.needs_analysis(args.shop):
        service.analyse(args.shop)
    try:
        result = service.summarize(args.shop, args.product, args.period)
    except ValueError as error:
        print(f"{error}.", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(describe(result)))
    return 0


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def describe(summary) -> list[str]:
    """Return the summary as lines of text for the terminal."""
    current = summary.current
    scope = f"product {summary.product_sku}" if summary.product_sku else "all products"
    stars = f"{current.average_stars:.2f}" if current.average_stars is not None else "–"
    lines = [
        f"Reviews of {scope}: {current.count}, average {stars} stars (model: {summary.model})",
        "Sentiment: " + ", ".join(f"{label} {_percent(current.shares.get(label))}" for label in ("positive", "neutral", "negative")),
    ]
    change = summary.change
    if change is not None:
        lines.append(
            f"Against the previous period: {change['count']:+.0f} reviews, "
            f"positive share {change['positive_share']:+.0%}, negative share {change['negative_share']:+.0%}"
        )
    lines.append("")
    lines.append("Aspects (mentions: positive / neutral / negative):")
    for aspect in summary.aspects[:15]:
        lines.append(f"  {aspect.name:<16} {aspect.mentions:>4}: {aspect.positive} / {aspect.neutral} / {aspect.negative}")
    lines.append("")
    lines.append(f"Text contradicts the stars: {len(summary.mismatches)}")
    lines.append(f"Needs a reply: {len(summary.needs_reply)}")
    for item in summary.needs_reply[:10]:
        stars_text = f"{item.rating:.0f}★" if item.rating is not None else "no stars"
        lines.append(f"  #{item.id} {item.product_sku or '(no product)'} {stars_text}: {item.text[:70]}")
    return lines
