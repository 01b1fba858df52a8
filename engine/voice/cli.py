"""Command-line commands of this feature (added to `python -m engine`).

    python -m engine search --shop PATH (--text "…" | --audio FILE.wav) [--json] [-n N]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add this feature's subcommands to the `python -m engine` parser."""
    search = commands.add_parser(
        "search",
        help="search the catalog by typed text or a spoken query in a WAV file",
    )
    search.add_argument("--shop", required=True, type=Path, help="the shop file")
    query = search.add_mutually_exclusive_group(required=True)
    query.add_argument("--text", help="the typed query, e.g. \"red retrospot lunch bag\"")
    query.add_argument(
        "--audio", type=Path, metavar="FILE.wav", help="a WAV file with a spoken query"
    )
    search.add_argument(
        "-n", type=int, default=10, help="number of products to show (default 10)"
    )
    search.add_argument("--json", action="store_true", help="print the result as JSON")
    search.set_defaults(handler=_search)


def _search(args: argparse.Namespace) -> int:
    if args.audio is not None:
        from engine.voice.service import search_by_voice

        voice = search_by_voice(args.shop, args.audio, n=args.n)
        results = voice.search
        header = {
            "status": voice.status,
            "transcript": voice.transcript,
            "heard": voice.heard,
            "first_pass_transcript": voice.first_transcript,
            "alternatives": voice.alternatives,
            "recognizer": voice.recognizer,
            "message": voice.message,
            "warnings": voice.warnings,
            "timings_s": {key: round(value, 3) for key, value in voice.timings.items()},
        }
    else:
        from engine.search.service import search_catalog

        results = search_catalog(args.shop, args.text, n=args.n)
        header = {"status": "found", "query": args.text}

    products = [asdict(result) for result in results.results] if results else []
    if args.json:
        print(json.dumps({**header, "products": products}, ensure_ascii=False, indent=2))
        return 0

    if args.audio is not None:
        print(f"Heard: {header['heard']}")
        for warning in header["warnings"]:
            print(f"Warning: {warning}")
        if header["message"]:
            print(header["message"])
    if results is not None and not products:
        print("No products match. Try other words, or fewer of them.")
    for rank, product in enumerate(products, start=1):
        price = "" if product["price"] is None else f"  {product['price']:.2f} {product['currency'] or ''}"
        category = f"  [{product['category']}]" if product["category"] else ""
        print(f"{rank:2d}. {product['title']} ({product['sku']}){price.rstrip()}{category}")
        print(f"    why: {'; '.join(product['reasons'])}")
    return 0
