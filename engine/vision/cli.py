"""Command-line commands of this feature (added to `python -m engine`)."""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add this feature's subcommands to the `python -m engine` parser."""
