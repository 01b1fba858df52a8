"""Turn a benchmark's JSON rows into a Markdown table for docs/benchmarks.md.

    python -m bench.summary docs/bench-recommend.json [--metrics ndcg@10 hr@10 ...]
        [--by-setting] [--digits 3]

One table row per data set and system (and per setting with `--by-setting`), one column
per metric. A value whose setting names a "95% CI a-b" interval is shown with it, so the
tables carry the intervals the benchmarks measured.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

CI_PATTERN = re.compile(r"95% CI (-?[0-9.]+)\s*[-–]\s*(-?[0-9.]+)")


def _format(value: float, digits: int) -> str:
    if value != value:  # NaN
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.{digits}f}"


def _cell(row: dict, digits: int) -> str:
    text = _format(row["value"], digits)
    match = CI_PATTERN.search(row.get("setting", ""))
    if match:
        low, high = (float(part) for part in match.groups())
        text += f" ({_format(low, digits)}–{_format(high, digits)})"
    return text


def _setting_label(setting: str) -> str:
    return setting.split(";")[0].strip()


def markdown_table(
    rows: list[dict], metrics: list[str] | None = None, by_setting: bool = False, digits: int = 3
) -> str:
    """Return a Markdown table of `rows` (the "rows" list of a benchmark JSON file)."""
    if metrics is None:
        metrics = []
        for row in rows:
            if row["metric"] not in metrics:
                metrics.append(row["metric"])
    keys: list[tuple] = []
    cells: dict[tuple, dict[str, str]] = {}
    for row in rows:
        if row["metric"] not in metrics:
            continue
        key = (row["dataset"], row["system"], row["role"])
        if by_setting:
            key += (_setting_label(row.get("setting", "")),)
        if key not in cells:
            keys.append(key)
            cells[key] = {}
        cells[key][row["metric"]] = _cell(row, digits)
    header = ["data set", "system", "role"] + (["setting"] if by_setting else []) + metrics
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for key in keys:
        values = [cells[key].get(metric, "–") for metric in metrics]
        lines.append("| " + " | ".join(list(key) + values) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.summary", description=__doc__.splitlines()[0])
    parser.add_argument("json_file", type=Path)
    parser.add_argument("--metrics", nargs="+", help="columns, in this order (default: all)")
    parser.add_argument("--by-setting", action="store_true", help="one row per setting too")
    parser.add_argument("--digits", type=int, default=3)
    args = parser.parse_args(argv)
    try:
        document = json.loads(args.json_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"Failed to read {args.json_file}: {error}. Run the benchmark with --json first.", file=sys.stderr)
        return 1
    print(f"Machine: {document.get('machine', 'not recorded')}\n")
    print(markdown_table(document["rows"], args.metrics, args.by_setting, args.digits))
    return 0


if __name__ == "__main__":
    sys.exit(main())
