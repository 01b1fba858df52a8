"""CSV export shared by the app's features.

Spreadsheet programs run a cell that starts with =, +, - or @ as a formula (and
some also after a leading tab or carriage return), so a product title such as
"=HYPERLINK(...)" could run when the owner opens the file. Such text cells get a
leading apostrophe, which spreadsheets show as plain text. Numbers are written
as numbers, so a negative quantity stays -3.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value) -> str | int | float:
    """Return `value` safe for a spreadsheet: formula-like text gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_csv(destination: Path, header: Sequence[str], rows: Iterable[Sequence]) -> Path:
    """Write a UTF-8 CSV (with a byte-order mark, so Excel reads it as UTF-8).

    The file is written beside `destination` and renamed into place, so a failed
    write never leaves half a file under the final name.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    try:
        with open(partial, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([escape_cell(cell) for cell in header])
            for row in rows:
                writer.writerow([escape_cell(cell) for cell in row])
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination
