"""The import context of a format importer: the rows of the file, parsers, the writer.

A format module gets one `ImportContext`, iterates `rows()`, raises `RowError` for a
row it cannot use, and hands good records to `ctx.writer`. The context checks the
column count, counts rows, reports progress and checks for cancellation between
batches.
"""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from engine.errors import ImportFileError
from engine.importers.dates import DateParser
from engine.importers.numbers import NumberParser
from engine.importers.report import SkippedRow
from engine.importers.textfile import DELIMITER_NAMES, TextFile
from engine.progress import CancelToken, ThrottledProgress

if TYPE_CHECKING:
    # Only for annotations: the writer modules import RowError from here.
    from engine.importers.writer import Writer

# Cancel and progress are checked this often. At 1,000 rows the check runs several
# times a second even on a busy machine, and ThrottledProgress limits the updates.
CHECK_EVERY_ROWS = 1000
# The report lists this many skipped rows, and the run saves all of them.
REPORT_SKIPPED_LIMIT = 1000

_HEADER_KEY = re.compile(r"[\s_\-./()]+")


def header_key(header: str) -> str:
    """Return the form of a header used to match it: lower case, words split by spaces.

    `Body (HTML)` → `body html`, `amazon-order-id` → `amazon order id`.
    """
    return " ".join(_HEADER_KEY.sub(" ", header.casefold()).split())


def cell_text(values: list[str], position: int | None) -> str | None:
    """Return the stripped cell at `position`, or None for a blank or absent column."""
    if position is None:
        return None
    return values[position].strip() or None


class RowError(Exception):
    """Error for a row that cannot be imported. The message is the reason shown."""


@dataclass
class ReadOptions:
    """Reading settings of a file. An import that starts again changes some of them."""

    encoding: str
    delimiter: str
    decimal_comma: bool
    day_first: bool | None
    sample_is_ascii: bool = False


@dataclass
class RowTally:
    rows_read: int = 0
    empty_rows: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)
    skipped_total: int = 0
    warnings: list[str] = field(default_factory=list)


class ImportContext:
    """One pass of a format importer over one file."""

    def __init__(
        self,
        path: Path,
        headers: list[str],
        options: ReadOptions,
        writer: Writer,
        mapping: dict[str, str],
        progress: ThrottledProgress,
        cancel: CancelToken | None,
    ) -> None:
        self.path = Path(path)
        self.headers = headers
        self.options = options
        self.writer = writer
        self.mapping = mapping
        self.numbers = NumberParser(options.decimal_comma)
        self.dates = DateParser(options.day_first)
        self.tally = RowTally()
        self._progress = progress
        self._cancel = cancel
        self._keys = {}
        for position, header in enumerate(headers):
            self._keys.setdefault(header_key(header), position)
        self.file: TextFile | None = None
        writer.fraction_read = self._fraction_read

    def _fraction_read(self) -> float:
        return self.file.fraction_read() if self.file is not None else 0.0

    # Columns

    def column(self, *keys: str) -> int | None:
        """Return the position of the first header matching one of `keys`, or None."""
        for key in keys:
            position = self._keys.get(header_key(key))
            if position is not None:
                return position
        return None

    def mapped_column(self, field_name: str) -> int | None:
        """Return the position of the header mapped to `field_name`, or None."""
        header = self.mapping.get(field_name)
        if header is None:
            return None
        return self.headers.index(header)

    # Rows

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Yield (row number, values) for each data row; the header is row 1.

        Rows whose number of values differs from the header's are skipped here, so
        no value lands in the wrong column. Empty rows are left out and counted.
        """
        width = len(self.headers)
        tally = self.tally
        with TextFile(self.path, self.options.encoding) as opened:
            self.file = opened
            reader = csv.reader(opened.text, delimiter=self.options.delimiter)
            row_number = 1
            try:
                next(reader, None)
                for values in reader:
                    row_number += 1
                    if len(values) != width:
                        values = self._fit_width(row_number, values, width)
                        if values is None:
                            continue
                    elif not values[0] and not any(values):
                        tally.empty_rows += 1
                        continue
                    if row_number % CHECK_EVERY_ROWS == 0:
                        self.checkpoint(f"Reading row {row_number:,}")
                    yield row_number, values
            except (EOFError, zlib.error, gzip.BadGzipFile) as error:
                raise ImportFileError(
                    self.path,
                    f"the compressed file is damaged or ends early after row {row_number} "
                    f"({error})",
                    "Download or export the file again",
                ) from None
            except csv.Error as error:
                raise ImportFileError(
                    self.path,
                    f"row {row_number + 1} cannot be read as CSV ({error}); often a "
                    'quote (") opens a value that never closes',
                    "Open the file in a spreadsheet program, fix that row and save "
                    "it again",
                ) from None
            finally:
                # Every row that was not empty was read, whether imported or skipped.
                tally.rows_read = row_number - 1 - tally.empty_rows
            self.checkpoint("Saving", fraction=1.0)

    def _fit_width(self, row_number: int, values: list[str], width: int) -> list[str] | None:
        if not any(value.strip() for value in values):
            self.tally.empty_rows += 1
            return None
        if len(values) > width and not any(value.strip() for value in values[width:]):
            return values[:width]
        delimiter = DELIMITER_NAMES.get(self.options.delimiter, self.options.delimiter)
        self.skip(
            row_number,
            values,
            f"the row has {len(values)} values but the header has {width} columns; "
            f"a {delimiter} is probably missing or extra in this row, or a value "
            "with a delimiter lacks quotes",
        )
        return None

    def checkpoint(self, text: str, fraction: float | None = None) -> None:
        """Report progress and stop here if the import was cancelled."""
        if self._cancel is not None:
            self._cancel.raise_if_cancelled(f"The import of {self.path.name}")
        if fraction is None:
            fraction = self.file.fraction_read() if self.file else 0.0
        self._progress(fraction, text)

    # Outcomes

    def skip(self, row_number: int, values: list[str], reason: str) -> None:
        """Record a row that is not imported, with its values and the reason."""
        by_header = dict(zip(self.headers, values))
        for extra, value in enumerate(values[len(self.headers) :], start=1):
            by_header[f"(extra value {extra})"] = value
        self.tally.skipped_total += 1
        if len(self.tally.skipped) < REPORT_SKIPPED_LIMIT:
            self.tally.skipped.append(SkippedRow(row_number, reason, by_header))
        self.writer.add_skipped(row_number, reason, by_header)

    def warn(self, message: str) -> None:
        """Add a warning to the report, once."""
        if message not in self.tally.warnings:
            self.tally.warnings.append(message)

    def texts(self, positions: list[int], values: list[str]) -> dict[str, str]:
        """Return header → trimmed text of the non-empty values at `positions`.

        Order files keep their extra columns as text, exactly as exported.
        """
        headers = self.headers
        return {headers[p]: values[p].strip() for p in positions if values[p].strip()}

    # Parsing

    def number(self, text: str, label: str) -> float | None:
        """Parse a number; None for a blank cell.

        Raises:
            RowError: not a number; the reason names `label`.
        """
        try:
            return self.numbers.parse(text)
        except ValueError as error:
            raise RowError(f"{label} {error}") from None

    def date(self, text: str, label: str) -> str | None:
        """Parse a date into ISO 8601 text; None for a blank cell.

        Raises:
            RowError: not a date; the reason names `label`.
            DateOrderConflict: the file turns out to be month-first.
        """
        try:
            return self.dates.parse(text)
        except ValueError as error:
            raise RowError(f"{label} {error}") from None
