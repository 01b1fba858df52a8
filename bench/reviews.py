"""Review sentiment accuracy and speed against VADER, TextBlob and bag-of-words."""

from __future__ import annotations

import argparse

from bench.runner import Row


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add this benchmark's options."""


def run(args: argparse.Namespace) -> list[Row]:
    raise SystemExit("This benchmark is not built yet.")
