"""CSV export shared by the app's features.

Spreadsheet programs run a cell that starts with =, +, - or @ as a formula (and
some also after a leading tab, carriage return or NUL character), so a product
title such as "=HYPERLINK(...)" could run when the owner opens the file. Such text
cells get a leading apostrophe, which spreadsheets show as plain text (OWASP "CSV
Injection"; OWASP ASVS 5.0 requirement 1.2.10 adds NUL to the list).

A cell can also start inside a value. Spreadsheets in many European locales
split a CSV file at `;` instead of `,`. Such a reading gets the file's quotes out
of step, so "Mug;=1+1", or a line break before "=1+1", would put `=1+1` at the
start of a cell. A formula character right after a `,` `;` tab or line break (and
any quotes after it) gets an apostrophe as well. Text cells are quoted and
numbers are written bare, so a negative quantity stays the number -3.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
# A formula character where a reading with another separator can start a cell.
_FORMULA_AFTER_SEPARATOR = re.compile(r'([,;\t\r\n]"*)(?=[=+\-@\0])')


def escape_cell(value) -> str | int | float:
    """Return `value` safe for a spreadsheet: formula-like text gets a leading '.

    Numbers are returned unchanged, None becomes "", and any other value becomes
    text in which each formula character that can start a cell has a ' before it.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return value
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", str(value))
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_csv(destination: Path, header: Sequence[str], rows: Iterable[Sequence]) -> Path:
    """Write a UTF-8 CSV (with a byte-order mark, so Excel reads it as UTF-8).

    Text cells are escaped with `escape_cell` and quoted, numbers are left bare.

    The file is written beside `destination` and renamed into place, so a failed
    write never leaves half a file under the final name.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    try:
        with open(partial, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
            writer.writerow([escape_cell(cell) for cell in header])
            for row in rows:
                writer.writerow([escape_cell(cell) for cell in row])
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination
