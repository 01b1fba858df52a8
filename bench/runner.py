"""Shared benchmark runner: result rows, machine description, JSON and table output.

Each benchmark module exposes `add_arguments(parser)` and `run(args) -> list[Row]`.
The runner records the machine next to the rows, so every figure keeps its context.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path

# Benchmark name -> module that runs it.
BENCHMARKS = {
    "import": "bench.import_speed",
    "startup": "bench.startup",
    "recommend": "bench.recommend",
    "photos": "bench.photos",
    "reviews": "bench.reviews",
    "voice": "bench.voice",
    "scale": "bench.scale",
}

ROLES = ("ours", "peer")


@dataclass
class Row:
    """One measured figure."""

    dataset: str
    system: str
    role: str  # "ours" or "peer"
    metric: str
    value: float
    setting: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {self.role!r}")
        self.value = float(self.value)


@dataclass
class BenchmarkResult:
    benchmark: str
    machine: str
    rows: list[Row]

    def to_json(self) -> dict:
        return {
            "benchmark": self.benchmark,
            "machine": self.machine,
            "rows": [asdict(row) for row in self.rows],
        }


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu_model() -> str:
    for line in _read_text("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def total_memory_gb() -> float | None:
    for line in _read_text("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return None


def os_name() -> str:
    for line in _read_text("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return (
                f"{line.split('=', 1)[1].strip(chr(34))} (kernel {platform.release()})"
            )
    return platform.platform()


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine_description() -> str:
    """Describe this machine in one line: CPU, cores, RAM, OS and Python."""
    memory = total_memory_gb()
    memory_text = f"{memory:.0f} GB RAM" if memory is not None else "RAM unknown"
    return (
        f"{cpu_model()}, {usable_cores()} cores, {memory_text}, {os_name()}, "
        f"Python {platform.python_version()}"
    )


def format_table(result: BenchmarkResult) -> str:
    """Render the rows as a plain-text table with aligned columns."""
    header = ("dataset", "system", "role", "metric", "value", "setting")
    lines = [header] + [
        (
            row.dataset,
            row.system,
            row.role,
            row.metric,
            f"{row.value:,.3f}",
            row.setting,
        )
        for row in result.rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rendered = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
        for line in lines
    ]
    rendered.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join([f"{result.benchmark} on {result.machine}", *rendered])


def write_json(result: BenchmarkResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Run one Merchant Assistant benchmark."
    )
    subparsers = parser.add_subparsers(dest="benchmark", required=True, metavar="NAME")
    for name, module_name in BENCHMARKS.items():
        module = importlib.import_module(module_name)
        subparser = subparsers.add_parser(name, help=module.__doc__.splitlines()[0])
        subparser.add_argument(
            "--json",
            type=Path,
            metavar="OUT",
            help="also write the rows to this JSON file",
        )
        module.add_arguments(subparser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module = importlib.import_module(BENCHMARKS[args.benchmark])
    rows = module.run(args)
    result = BenchmarkResult(args.benchmark, machine_description(), rows)
    # The table is the command's output, so it goes to stdout.
    print(format_table(result))
    if args.json:
        write_json(result, args.json)
    return 0
