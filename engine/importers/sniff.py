"""Look at the start of a file and decide how to read it and what it contains."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.importers import textfile
from engine.importers.amazon import reject_settlement_report
from engine.importers.context import ReadOptions, header_key
from engine.importers.dates import detect_day_first
from engine.importers.formats import GENERIC, GENERIC_LABEL, detect_format
from engine.importers.mapping import guess_kind
from engine.importers.numbers import count_decimal_marks
from engine.importers.report import FileSniff
from engine.importers.spec import FormatSpec

SAMPLE_ROWS = 20
# Rows read from the sample to detect decimal marks and date order.
DETECTION_ROWS = 500


@dataclass
class Inspection:
    """A sniffed file plus what the import needs beyond the public `FileSniff`."""

    sniff: FileSniff
    options: ReadOptions
    spec: FormatSpec | None  # None for the generic path
    has_rows: bool


def inspect_file(path: Path, encoding: str | None = None) -> Inspection:
    """Sniff `path`; `encoding` overrides the detected text encoding.

    Raises:
        ImportFileError: the file is missing, empty, not text, not decodable, or
            a report with nothing to import.
    """
    path = Path(path)
    sample, is_whole = textfile.read_sample(path)
    if encoding:
        chosen = textfile.check_encoding_name(path, encoding)
        sample_is_ascii = False
    else:
        chosen, sample_is_ascii = textfile.detect_encoding(path, sample, is_whole)
    text = textfile.decode_sample(path, sample, chosen, is_whole)

    delimiter = textfile.detect_delimiter(text, is_whole)
    records = textfile.parse_records(text, delimiter, is_whole, limit=DETECTION_ROWS + 1)
    headers, warnings = textfile.clean_headers(records[0])
    rows = records[1:]
    values = [value for row in rows for value in row]
    commas, points = count_decimal_marks(values)
    decimal_comma = commas > points

    keys = {header_key(header) for header in headers}
    reject_settlement_report(path, keys)
    spec = detect_format(keys)
    if spec is not None:
        kind, mapping = spec.kind, spec.mapping_for(headers)
    else:
        kind, mapping = guess_kind(headers)
    if not rows:
        warnings.append("The file has column headers but no data rows.")

    sniffed = FileSniff(
        path=path,
        encoding=chosen,
        delimiter=delimiter,
        decimal_comma=decimal_comma,
        headers=headers,
        format=spec.key if spec else GENERIC,
        format_label=spec.label if spec else GENERIC_LABEL,
        kind=kind,
        mapping=mapping,
        sample_rows=rows[:SAMPLE_ROWS],
        warnings=warnings,
    )
    options = ReadOptions(
        encoding=chosen,
        delimiter=delimiter,
        decimal_comma=decimal_comma,
        day_first=detect_day_first(values),
        sample_is_ascii=sample_is_ascii,
    )
    return Inspection(sniffed, options, spec, has_rows=bool(rows))


def sniff(path: Path, *, encoding: str | None = None) -> FileSniff:
    """Detect a file's encoding, delimiter, decimal mark, headers and format.

    Reads at most the first 256 KiB of content (after gzip), so it is quick even for
    very large files. For a file in no known format, `mapping` is the guessed column
    mapping and `kind` the guessed kind, or None when nothing fits.

    Args:
        path: a CSV or tab-separated file, optionally gzip-compressed.
        encoding: read the file in this encoding instead of detecting it.

    Raises:
        ImportFileError: the file cannot be read as text, or is a report with
            nothing to import. The message states what to do.
    """
    return inspect_file(path, encoding).sniff
