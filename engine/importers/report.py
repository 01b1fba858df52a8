"""Import reports returned to the UI and the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SkippedRow:
    """File row that was not imported. Every such row is stored with its import run."""

    # 1-based row number as a spreadsheet shows it, the header being row 1. It equals
    # the line number unless a quoted value spans several lines.
    row_number: int
    reason: str  # plain words, e.g. "price 'abc' is not a number"
    values: dict[str, str]  # the row as read, header -> text


@dataclass
class FileSniff:
    """Encoding, layout and format detected in a file before it is imported."""

    path: Path
    encoding: str  # "utf-8", "utf-8-sig", "cp1252", "utf-16" or the caller's choice
    delimiter: str
    decimal_comma: bool
    headers: list[str]
    format: str  # key of FORMATS, or "generic"
    format_label: str
    kind: str | None  # "products", "orders", "reviews", or None when unknown
    mapping: dict[str, str]  # field -> header, guessed for "generic"
    sample_rows: list[list[str]] = field(default_factory=list)
    # Notes for the preview, e.g. renamed blank or repeated headers, no data rows.
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """Counts and per-row outcome of one import."""

    run_id: int | None
    file: Path
    format: str
    format_label: str
    kind: str
    encoding: str
    delimiter: str
    decimal_comma: bool
    mapping: dict[str, str]
    # "completed". A failed or cancelled import raises instead, and its import run
    # records the status "failed" or "cancelled".
    status: str
    rows_read: int = 0
    imported: int = 0  # new records
    updated: int = 0  # existing records whose values changed
    unchanged: int = 0  # records already present with the same values
    skipped: list[SkippedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Records of the file per kind, e.g. {"products": 2, "variants": 5, "photos": 5,
    # "orders": 3, "order_lines": 6, "non_product_lines": 1, "customers": 2}, with
    # "<kind>_new", "<kind>_updated" and "<kind>_unchanged" splitting each total.
    counts: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    # All skipped rows; `skipped` lists the first 1,000, and the import run keeps all.
    skipped_total: int = 0
    # The headers of the file, so a report can show the unmapped columns.
    headers: list[str] = field(default_factory=list)
    # The automatic backup made before the import; None when the shop was empty,
    # the caller asked for none, or the backup failed (then a warning says so).
    backup: Path | None = None
