"""Command-line commands of this feature (added to `python -m engine`).

    python -m engine train --shop PATH [--json]
    python -m engine recommend --shop PATH --customer ID [--n N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add this feature's subcommands to the `python -m engine` parser."""
    train = commands.add_parser("train", help="train the recommendation models of a shop")
    train.add_argument("--shop", required=True, type=Path, help="the shop file")
    train.add_argument("--json", action="store_true", help="print the summary as JSON")
    train.set_defaults(handler=_train)

    recommend = commands.add_parser("recommend", help="recommend products for one customer")
    recommend.add_argument("--shop", required=True, type=Path, help="the shop file")
    recommend.add_argument("--customer", required=True, help="the customer id, as in the orders")
    recommend.add_argument("--n", type=int, default=10, help="how many products to list (default 10)")
    recommend.add_argument("--json", action="store_true", help="print the result as JSON")
    recommend.set_defaults(handler=_recommend)


def _train(args: argparse.Namespace) -> int:
    from engine.progress import CancelToken
    from engine.recommend.service import train_shop

    def show(fraction: float, text: str) -> None:
        if sys.stderr.isatty():
            print(f"\r{fraction:4.0%} {text:<50}", end="", file=sys.stderr, flush=True)

    summary = train_shop(args.shop, progress=show, cancel=CancelToken())
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2, default=str))
        return 0
    print(f"Model in use: {summary.selected_label} ({summary.seconds:.1f} s)")
    print(f"Customers with purchases: {summary.customers:,}; products: {summary.products:,}")
    if summary.note:
        print(summary.note)
    for model in summary.models:
        metrics = model.metrics
        print(
            f"  {model.label:<36} NDCG@10 {metrics.get('ndcg@10', float('nan')):.4f}  "
            f"HR@10 {metrics.get('hr@10', float('nan')):.4f}  "
            f"coverage@10 {metrics.get('coverage@10', float('nan')):.4f}"
        )
    return 0


def _recommend(args: argparse.Namespace) -> int:
    from engine.recommend.service import recommend_for_customer

    result = recommend_for_customer(args.shop, args.customer, args.n)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        return 0
    print(f"Customer {result.customer_id}: {result.label or result.model}")
    for rank, item in enumerate(result.items, start=1):
        print(f"{rank:>3}. {item.sku:<12} {item.title}  ({item.score:.3f}; {item.reason})")
    return 0
