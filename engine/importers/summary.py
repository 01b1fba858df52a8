"""Turn an import's counters into report counts and into plain sentences."""

from __future__ import annotations

from collections import Counter

from engine.importers.report import ImportReport
from engine.importers.textfile import DELIMITER_NAMES, ENCODING_NAMES

# Record kinds in the order a report lists them, with singular and plural names.
RECORD_KINDS = {
    "products": ("product", "products"),
    "non_product_items": ("non-product item", "non-product items"),
    "variants": ("variant", "variants"),
    "photos": ("photo", "photos"),
    "orders": ("order", "orders"),
    "order_lines": ("order line", "order lines"),
    "customers": ("customer", "customers"),
    "reviews": ("review", "reviews"),
}
PRIMARY = {
    "products": ("products", "non_product_items"),
    "orders": ("order_lines",),
    "reviews": ("reviews",),
    "customers": ("customers",),
}
_STATES = ("new", "updated", "unchanged")
SKIPPED_SHOWN = 5


def build_counts(raw: Counter, kind: str) -> dict[str, int]:
    """Return report counts: per record kind the total in the file and its new,
    updated and unchanged parts, plus the importer's other counters."""
    counts: dict[str, int] = {}
    state_keys = set()
    for record in RECORD_KINDS:
        parts = [raw.get(f"{record}_{state}", 0) for state in _STATES]
        state_keys.update(f"{record}_{state}" for state in _STATES)
        if sum(parts) or record in PRIMARY[kind]:
            counts[record] = sum(parts)
            for state, value in zip(_STATES, parts):
                counts[f"{record}_{state}"] = value
    for key, value in raw.items():
        if key not in state_keys and value:
            counts[key] = value
    return counts


def primary_counts(counts: dict[str, int], kind: str) -> tuple[int, int, int]:
    """Return (new, updated, unchanged) of the kind's main records."""
    return tuple(
        sum(counts.get(f"{record}_{state}", 0) for record in PRIMARY[kind]) for state in _STATES
    )


def plural(count: int, record: str) -> str:
    singular, many = RECORD_KINDS[record]
    return f"{count:,} {singular if count == 1 else many}"


def result_line(report: ImportReport) -> str:
    """Return e.g. "0 new, 4 already present, 1 skipped (5 rows read)"."""
    parts = [f"{report.imported:,} new"]
    if report.updated:
        parts.append(f"{report.updated:,} updated")
    parts.append(f"{report.unchanged:,} already present")
    parts.append(f"{report.skipped_total:,} skipped")
    return f"{', '.join(parts)} ({report.rows_read:,} rows read)"


def contents_line(report: ImportReport) -> str:
    """Return the records of the file, e.g. "2 products, 5 variants, 5 photos"."""
    return ", ".join(
        plural(report.counts[record], record)
        for record in RECORD_KINDS
        if report.counts.get(record)
    ) or "no records"


def reading_line(report: ImportReport) -> str:
    """Return how the file was read: encoding, delimiter and decimal mark."""
    encoding = ENCODING_NAMES.get(report.encoding, report.encoding)
    delimiter = DELIMITER_NAMES.get(report.delimiter, repr(report.delimiter))
    decimal = "decimal comma" if report.decimal_comma else "decimal point"
    return f"{encoding}, {delimiter}-separated, {decimal}"


def mapping_line(report: ImportReport) -> str:
    """Return the column mapping as "sku ← Artikelnummer, name ← Bezeichnung"."""
    return ", ".join(f"{field} ← {header}" for field, header in report.mapping.items()) or "none"


def describe_report(report: ImportReport) -> list[str]:
    """Return the report as lines of plain text for the command line and logs."""
    lines = [
        f"{report.file.name}",
        f"  Format:   {report.format_label}",
        f"  Read as:  {reading_line(report)}",
        f"  Columns:  {mapping_line(report)}",
        f"  Result:   {result_line(report)}",
        f"  Contents: {contents_line(report)}",
    ]
    if report.skipped:
        lines.append("  Skipped rows:")
        for skipped in report.skipped[:SKIPPED_SHOWN]:
            lines.append(f"    row {skipped.row_number}: {skipped.reason}")
        if report.skipped_total > SKIPPED_SHOWN:
            lines.append(
                f"    … and {report.skipped_total - SKIPPED_SHOWN:,} more, saved with "
                f"import run {report.run_id}"
            )
    if report.warnings:
        lines.append("  Notes:")
        lines += [f"    - {warning}" for warning in report.warnings]
    return lines
