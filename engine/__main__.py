"""Command line: import files into a shop, show its counts, build the demo shop.

    python -m engine import FILE [FILE ...] --shop PATH [--format KEY]
        [--encoding ENC] [--kind KIND] [--map FIELD=HEADER ...] [--json]
    python -m engine info --shop PATH
    python -m engine demo --shop PATH

`import` exits with 1 when a file could not be imported at all. Rows skipped inside
a file are reported but do not change the exit code.
"""

from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import signal
import sys
from dataclasses import asdict
from pathlib import Path

from engine import paths
from engine.errors import CancelledError, MerchantError, UnknownFormatError
from engine.progress import CancelToken

log = logging.getLogger("engine.cli")

# Modules whose add_commands(subparsers) adds a feature's commands.
FEATURE_COMMANDS = (
    "engine.recommend.cli",
    "engine.vision.cli",
    "engine.reviews.cli",
    "engine.voice.cli",
)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    _set_up_logging()
    try:
        return args.handler(args)
    except CancelledError as error:
        print(str(error), file=sys.stderr)
        return 130
    except MerchantError as error:
        print(str(error), file=sys.stderr)
        return 1
    except Exception:
        log.exception("Command %s failed", args.command)
        print(
            "Sorry, something went wrong that Merchant Assistant did not expect. "
            f"The details are in the log file {paths.log_file()}.",
            file=sys.stderr,
        )
        return 2


def _parser() -> argparse.ArgumentParser:
    from engine.importers import FORMATS
    from engine.importers.mapping import KINDS

    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    importing = commands.add_parser("import", help="import CSV files into a shop")
    importing.add_argument("files", nargs="+", type=Path, metavar="FILE", help="CSV or .csv.gz files")
    importing.add_argument("--shop", required=True, type=Path, help="the shop file; created if missing")
    importing.add_argument("--format", choices=sorted(FORMATS), help="the file layout, instead of detecting it")
    importing.add_argument("--encoding", help="the text encoding, e.g. utf-8 or cp1252, instead of detecting it")
    importing.add_argument("--kind", choices=KINDS, help="what a generic file contains")
    importing.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=HEADER",
        help="take FIELD from the column HEADER (generic files); repeat for more fields",
    )
    importing.add_argument("--json", action="store_true", help="print the reports as JSON")
    importing.set_defaults(handler=_import)

    info = commands.add_parser("info", help="print the shop's record counts as JSON")
    info.add_argument("--shop", required=True, type=Path, help="the shop file")
    info.set_defaults(handler=_info)

    demo = commands.add_parser("demo", help="build the demo shop")
    demo.add_argument("--shop", required=True, type=Path, help="where to create the demo shop file")
    demo.set_defaults(handler=_demo)

    # Each feature adds its own commands. These modules import nothing heavy at
    # module level, so `--help` stays quick.
    import importlib

    for module_name in FEATURE_COMMANDS:
        importlib.import_module(module_name).add_commands(commands)
    return parser


def _set_up_logging() -> None:
    handler = logging.handlers.RotatingFileHandler(
        paths.log_file(), maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _parse_map(items: list[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        field, equals, header = item.partition("=")
        if not equals or not field.strip() or not header.strip():
            raise SystemExit(f"--map {item!r}: write it as FIELD=HEADER, e.g. sku=Artikelnummer")
        mapping[field.strip()] = header.strip()
    return mapping


def _import(args: argparse.Namespace) -> int:
    from engine.importers import describe_report, import_file, sniff
    from engine.importers.mapping import guess_mapping
    from engine.store import open_store

    overrides = _parse_map(args.map)
    cancel = CancelToken()
    _cancel_on_interrupt(cancel)
    results, failed = [], 0
    with open_store(args.shop, create=True) as store:
        for path in args.files:
            try:
                mapping = None
                if overrides:
                    # --map changes single fields; the others keep their guessed column.
                    sniffed = sniff(path, encoding=args.encoding)
                    kind = args.kind or sniffed.kind
                    mapping = {**(guess_mapping(sniffed.headers, kind) if kind else {}), **overrides}
                report = import_file(
                    store,
                    path,
                    format=args.format or ("generic" if overrides else None),
                    mapping=mapping,
                    encoding=args.encoding,
                    kind=args.kind,
                    progress=_progress_printer(path),
                    cancel=cancel,
                )
            except CancelledError:
                raise
            except MerchantError as error:
                failed += 1
                results.append({"file": str(path), "status": "failed", "error": str(error)})
                if not args.json:
                    print(f"{path.name}\n  Not imported: {error}")
                    if isinstance(error, UnknownFormatError):
                        print(
                            "  On the command line, name what it contains and its "
                            "columns, e.g. --kind products --map sku=HEADER --map name=HEADER"
                        )
                    print()
                continue
            results.append(_report_json(report))
            if not args.json:
                print("\n".join(describe_report(report)) + "\n")
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    return 1 if failed else 0


def _report_json(report) -> dict:
    data = asdict(report)
    data["file"] = str(report.file)
    return data


def _cancel_on_interrupt(cancel: CancelToken) -> None:
    # The first Ctrl+C cancels the import cleanly (nothing of the file is saved);
    # a second one stops the program at once.
    def on_interrupt(signum, frame):
        cancel.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, on_interrupt)


def _progress_printer(path: Path):
    if not sys.stderr.isatty():
        return None

    def show(fraction: float, text: str) -> None:
        print(f"\r{path.name}: {fraction:4.0%} {text:<40}", end="", file=sys.stderr, flush=True)
        if fraction >= 1.0:
            print(file=sys.stderr)

    return show


def _info(args: argparse.Namespace) -> int:
    from engine.store import open_store
    from engine.store.queries import counts

    with open_store(args.shop) as store:
        print(json.dumps(counts(store).as_dict(), indent=2))
    return 0


def _demo(args: argparse.Namespace) -> int:
    try:
        from engine.demo import build_demo_shop
    except ImportError:
        print("This version of Merchant Assistant has no demo shop builder.", file=sys.stderr)
        return 1
    cancel = CancelToken()
    _cancel_on_interrupt(cancel)
    printer = _progress_printer(args.shop)
    build_demo_shop(args.shop, progress=printer, cancel=cancel)
    with_counts = _info(args)
    return with_counts


if __name__ == "__main__":
    sys.exit(main())
