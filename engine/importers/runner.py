"""Run one import: the import run record, the one data transaction, retries, report.

The run row is committed first with status 'running'. All data of the file is then
written in one transaction, together with the run's final counts, so a shop never
contains half a file. A cancel or an error rolls the data back and marks the run
'cancelled' or 'failed'. A crash leaves a 'running' run, which `open_store` marks
'interrupted'.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from engine.errors import BackupError, CancelledError, ImportFileError, UnknownFormatError
from engine.importers import textfile
from engine.importers.context import ImportContext, ReadOptions, header_key
from engine.importers.dates import DateOrderConflict, DateParser
from engine.importers.formats import (
    BY_KEY,
    FORMATS,
    GENERIC,
    GENERIC_LABEL,
    GENERIC_SOURCE,
    run_generic,
)
from engine.importers.mapping import (
    GENERIC_FIELDS,
    KINDS,
    ONE_OF_REQUIRED,
    check_mapping,
    guess_mapping,
)
from engine.importers.report import ImportReport
from engine.importers.sniff import Inspection, inspect_file
from engine.importers.summary import build_counts, primary_counts
from engine.importers.writer import Writer
from engine.progress import CancelToken, ProgressCallback, ThrottledProgress
from engine.store.backup import BEFORE_IMPORT, automatic_backup, has_shop_data
from engine.store.connection import BUSY_TIMEOUT_MS, Store, is_busy_error, utc_now

log = logging.getLogger(__name__)

# Share of the progress bar for reading rows; the rest is for saving. Past it the
# import is committing and can no longer be cancelled.
READ_SHARE = 0.95
# SQLite page cache during an import, in KiB (negative cache_size means KiB).
IMPORT_CACHE_KIB = -16384


UNEXPECTED_MESSAGE = (
    "The import stopped because of an unexpected error. Nothing from the file was "
    "saved. The log file has the details."
)


@dataclass
class Plan:
    """Import plan: the format, the kind of records and the mapping."""

    format: str
    label: str
    kind: str
    source: str
    mapping: dict[str, str]

    def run(self, ctx: ImportContext) -> None:
        if self.format == GENERIC:
            run_generic(self.kind, ctx)
        else:
            BY_KEY[self.format].run(ctx)


def import_file(
    store: Store,
    path: Path,
    *,
    format: str | None = None,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    kind: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    backup: bool = True,
) -> ImportReport:
    """Import a CSV file of products, orders or reviews into the shop.

    Args:
        store: the open shop.
        path: the file; gzip-compressed files are read as they are.
        format: a key of `FORMATS` to use instead of detecting it; "generic" reads
            the file through a column mapping even when its layout is known.
        mapping: field → header for the generic path; it replaces the guessed
            mapping as a whole. Ignored for known formats.
        encoding: the file's text encoding, instead of detecting it.
        kind: "products", "orders", "reviews" or "customers" for the generic
            path, instead of guessing it from the headers.
        progress: called with (fraction 0–1, text) a few times a second.
        cancel: checked between batches of rows.
        backup: back the shop up into its backups folder first, unless it holds
            no products, orders or reviews yet (see engine.store.backup).

    Returns:
        The report; its status is "completed".

    Raises:
        ImportFileError: the file cannot be imported at all (unreadable, unknown
            columns, a required column missing). Nothing from it was saved.
        CancelledError: `cancel` was set; nothing from the file was saved and the
            run is marked 'cancelled'.
    """
    started = time.monotonic()
    path = Path(path)
    inspection = inspect_file(path, encoding)
    plan = _plan(path, inspection, format, kind, mapping)
    backup_path, backup_note = _back_up_first(store, path) if backup else (None, None)
    try:
        run_id = _start_run(store, path, inspection, plan)
    except sqlite3.OperationalError as error:
        known = _resource_error(path, store, error)
        if known is None:
            raise
        log.warning("Import of %s not started: %s", path.name, error)
        raise known from error
    log.info("Import run %d started: %s as %s", run_id, path.name, plan.format)

    options = inspection.options
    notes: list[str] = [backup_note] if backup_note else []
    while True:
        try:
            report = _import_once(store, path, inspection, plan, options, run_id, progress, cancel, notes)
            break
        except DateOrderConflict as conflict:
            notes.append(
                f"Dates such as {conflict.text} show that this file writes month/day/year, "
                "so all its dates were read that way."
            )
            options = replace(options, day_first=False)
        except UnicodeDecodeError:
            options = _fall_back_to_cp1252(store, path, options, encoding, run_id, notes)
        except CancelledError as error:
            _end_run(store, run_id, "cancelled", str(error))
            log.info("Import run %d cancelled", run_id)
            raise
        except ImportFileError as error:
            _end_run(store, run_id, "failed", str(error))
            log.warning("Import run %d failed: %s", run_id, error.problem)
            raise
        except (sqlite3.OperationalError, MemoryError) as error:
            known = _resource_error(path, store, error)
            if known is None:
                # The caller (job runner or command line) logs the traceback once.
                log.error("Import run %d failed unexpectedly: %r", run_id, error)
                _end_run(store, run_id, "failed", UNEXPECTED_MESSAGE)
                raise
            log.warning("Import run %d failed: %s", run_id, error)
            _end_run(store, run_id, "failed", str(known))
            raise known from error
        except Exception as error:
            log.error("Import run %d failed unexpectedly: %r", run_id, error)
            _end_run(store, run_id, "failed", UNEXPECTED_MESSAGE)
            raise

    report.duration_s = time.monotonic() - started
    report.backup = backup_path
    log.info(
        "Import run %d completed in %.1f s: %d rows, %d new, %d updated, %d unchanged, %d skipped",
        run_id,
        report.duration_s,
        report.rows_read,
        report.imported,
        report.updated,
        report.unchanged,
        report.skipped_total,
    )
    return report


def _back_up_first(store: Store, path: Path) -> tuple[Path | None, str | None]:
    """Back the shop up before importing `path`; return (backup, note on failure).

    A failed backup does not stop the import, because the import itself saves all
    of the file or nothing. The report then carries a note saying so.
    """
    if not has_shop_data(store.conn):
        return None, None
    try:
        return automatic_backup(store.conn, store.path, BEFORE_IMPORT), None
    except BackupError as error:
        log.warning("Backup before importing %s failed: %s", path.name, error)
        return None, (
            f"The automatic backup before this import failed ({error.__cause__ or error}), "
            "so the shop was imported into without a fresh backup. Free some disk "
            "space, then choose File > Back up shop."
        )


def _plan(
    path: Path,
    inspection: Inspection,
    format: str | None,
    kind: str | None,
    mapping: dict[str, str] | None,
) -> Plan:
    sniffed = inspection.sniff
    if format is not None and format not in FORMATS:
        raise ValueError(f"unknown import format {format!r}; use one of {sorted(FORMATS)}")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {KINDS}")

    spec = inspection.spec if format is None else BY_KEY.get(format)
    if spec is not None:
        keys = {header_key(header) for header in sniffed.headers}
        missing = spec.missing_headers(keys)
        if missing:
            raise ImportFileError(
                path,
                f"it lacks the columns {', '.join(missing)} of a {spec.label}",
                "Choose another format, or import it as a spreadsheet with your own "
                "column mapping",
            )
        return Plan(spec.key, spec.label, spec.kind, spec.source, spec.mapping_for(sniffed.headers))

    kind = kind or (_kind_of_mapping(mapping) if mapping else None) or sniffed.kind
    if kind is None:
        raise UnknownFormatError(path, sniffed.headers)
    chosen = dict(mapping) if mapping else guess_mapping(sniffed.headers, kind)
    check_mapping(path, sniffed.headers, kind, chosen)
    return Plan(GENERIC, f"{GENERIC_LABEL}: {kind}", kind, _generic_source(sniffed.headers), chosen)


def _generic_source(headers: list[str]) -> str:
    # Order numbers and review keys are unique within a source, and a spreadsheet's
    # source is its set of columns. Another export with the same columns is taken to
    # come from the same system, so its order 1001 is the same order. A file with
    # other columns comes from another system and never merges into it.
    layout = "\x1f".join(sorted(header_key(header) for header in headers))
    return f"{GENERIC_SOURCE}:{hashlib.sha1(layout.encode('utf-8')).hexdigest()[:10]}"


def _kind_of_mapping(mapping: dict[str, str]) -> str | None:
    # The first kind that has all the mapping's fields and at least one of its
    # required ones: {"order_id", "item"} is orders, {"sku", "name"} is products.
    # Customers have no single required field but need an id or an e-mail.
    for kind in ("orders", "reviews", "products", "customers"):
        fields = GENERIC_FIELDS[kind]
        names = {field.name for field in fields}
        required = {field.name for field in fields if field.required} or {
            name for group in ONE_OF_REQUIRED.get(kind, []) for name in group
        }
        if set(mapping) <= names and required & set(mapping):
            return kind
    return None


def _resource_error(path: Path, store: Store, error: BaseException) -> ImportFileError | None:
    # Errors of the machine rather than of the file, with what the owner can do.
    if isinstance(error, MemoryError):
        return ImportFileError(
            path,
            "the computer ran out of memory",
            "Close other programs and import the file again, or split it into smaller files",
        )
    text = str(error).lower()
    if "disk is full" in text or "disk i/o error" in text:
        return ImportFileError(
            path,
            f"the disk with the shop file {store.path} is full or cannot be written",
            "Free some disk space and import the file again",
        )
    if isinstance(error, sqlite3.OperationalError) and is_busy_error(error):
        return ImportFileError(
            path,
            "another import or job kept the shop busy for longer than "
            f"{BUSY_TIMEOUT_MS // 1000} seconds",
            "Wait until the other import finishes (or close the other program using "
            "this shop), then import the file again",
        )
    return None


def _start_run(store: Store, path: Path, inspection: Inspection, plan: Plan) -> int:
    sniffed = inspection.sniff
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO import_runs (file_name, file_path, file_size, format, encoding, "
            "delimiter, decimal_comma, mapping, status, started_at, pid) "
            "VALUES (?,?,?,?,?,?,?,?, 'running', ?, ?)",
            (
                path.name,
                str(path.resolve()),
                path.stat().st_size,
                plan.format,
                sniffed.encoding,
                sniffed.delimiter,
                int(sniffed.decimal_comma),
                json.dumps(plan.mapping, ensure_ascii=False),
                utc_now(),
                os.getpid(),
            ),
        )
        return cursor.lastrowid


def _import_once(
    store: Store,
    path: Path,
    inspection: Inspection,
    plan: Plan,
    options: ReadOptions,
    run_id: int,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
    notes: list[str],
) -> ImportReport:
    throttled = ThrottledProgress(progress, end=READ_SHARE)
    with _large_page_cache(store), store.transaction() as conn:
        # Children may be written before their parent row within the transaction
        # (a variant before its product); SQLite checks the references at COMMIT.
        conn.execute("PRAGMA defer_foreign_keys = ON")
        writer = Writer(conn, run_id, plan.source, utc_now())
        ctx = ImportContext(path, inspection.sniff.headers, options, writer, plan.mapping, throttled, cancel)
        plan.run(ctx)
        ctx.checkpoint("Saving", fraction=1.0)
        writer.finish()
        report = _report(path, inspection, plan, options, ctx, run_id, notes)
        _complete_run(conn, run_id, report, ctx)
    if progress is not None:
        progress(1.0, "Done")
    return report


@contextlib.contextmanager
def _large_page_cache(store: Store) -> Iterator[None]:
    # Index inserts of a large import touch many pages. A 16 MiB page cache made the
    # UCI import about 4% faster than SQLite's default 2 MiB, for 15 MB more memory;
    # 64 MiB was no faster and cost 70 MB more on a 2-million-line file.
    previous = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    store.conn.execute(f"PRAGMA cache_size = {IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        store.conn.execute(f"PRAGMA cache_size = {int(previous)}")


def _report(path, inspection, plan, options, ctx, run_id, notes) -> ImportReport:
    counts = build_counts(ctx.writer.counts, plan.kind)
    new, updated, unchanged = primary_counts(counts, plan.kind)
    warnings = list(inspection.sniff.warnings) + notes + ctx.tally.warnings
    if ctx.tally.rows_read == 0:
        warnings.append("The file has no data rows, so nothing was imported.")
    if ctx.tally.empty_rows:
        warnings.append(f"{ctx.tally.empty_rows} empty row(s) were left out.")
    warnings += _date_order_notes(ctx.dates, options, notes)
    marked = counts.get("order_lines_marked_not_product", 0)
    if marked:
        warnings.append(
            f"{marked:,} order line(s) already in the shop are for add-ons or charges "
            "of this file (such as shipping protection), so they no longer count as "
            "product sales."
        )
    if ctx.tally.skipped_total > len(ctx.tally.skipped):
        warnings.append(
            f"Only the first {len(ctx.tally.skipped):,} of {ctx.tally.skipped_total:,} "
            "skipped rows are listed here; all of them are saved with the import."
        )
    return ImportReport(
        run_id=run_id,
        file=path,
        format=plan.format,
        format_label=plan.label,
        kind=plan.kind,
        encoding=options.encoding,
        delimiter=options.delimiter,
        decimal_comma=options.decimal_comma,
        mapping=plan.mapping,
        status="completed",
        rows_read=ctx.tally.rows_read,
        imported=new,
        updated=updated,
        unchanged=unchanged,
        skipped=ctx.tally.skipped,
        warnings=warnings,
        counts=counts,
        skipped_total=ctx.tally.skipped_total,
        headers=list(inspection.sniff.headers),
    )


def _date_order_notes(dates: DateParser, options: ReadOptions, notes: list[str]) -> list[str]:
    example = dates.first_ambiguous
    if example is None:
        return []
    if options.day_first is None:
        return [
            f"Dates such as {example} were read as day/month/year, because no date in "
            "the file settles the order. If the file uses month/day/year, save it with "
            "dates written as year-month-day (2010-12-01) and import it again."
        ]
    if options.day_first is False and not any("month/day/year" in note for note in notes):
        return [
            f"Dates such as {example} were read as month/day/year, because other dates "
            "in the file only fit that order."
        ]
    return []


def _complete_run(conn, run_id: int, report: ImportReport, ctx: ImportContext) -> None:
    summary = {"counts": report.counts, "warnings": report.warnings, "kind": report.kind}
    conn.execute(
        "UPDATE import_runs SET status = 'completed', finished_at = ?, file_sha256 = ?, "
        "encoding = ?, rows_read = ?, imported = ?, updated = ?, unchanged = ?, "
        "skipped = ?, summary = ?, message = NULL WHERE id = ?",
        (
            utc_now(),
            ctx.file.counter.sha256.hexdigest() if ctx.file else None,
            report.encoding,
            report.rows_read,
            report.imported,
            report.updated,
            report.unchanged,
            report.skipped_total,
            json.dumps(summary, ensure_ascii=False),
            run_id,
        ),
    )


def _end_run(store: Store, run_id: int, status: str, message: str) -> None:
    with store.transaction() as conn:
        conn.execute(
            "UPDATE import_runs SET status = ?, finished_at = ?, message = ? WHERE id = ?",
            (status, utc_now(), message, run_id),
        )


def _fall_back_to_cp1252(
    store: Store,
    path: Path,
    options: ReadOptions,
    encoding: str | None,
    run_id: int,
    notes: list[str],
) -> ReadOptions:
    located = textfile.locate_decode_error(path, options.encoding)
    line, byte = located if located else (0, 0)
    if encoding is None and options.sample_is_ascii and options.encoding == "utf-8":
        # The start of the file was plain ASCII, so it was read as UTF-8; a later
        # byte shows it is Windows text. Nothing was saved yet, so read it again.
        notes.append(
            f"Line {line} contains the byte 0x{byte:02X}, which is not UTF-8, so the "
            "file was read as Windows-1252 (cp1252)."
        )
        _set_run_encoding(store, run_id, "cp1252")
        return replace(options, encoding="cp1252", sample_is_ascii=False)

    error = ImportFileError(
        path,
        f"line {line} is not valid {options.encoding} text (byte 0x{byte:02X})",
        textfile.SAVE_AS_UTF8,
    )
    _end_run(store, run_id, "failed", str(error))
    raise error


def _set_run_encoding(store: Store, run_id: int, encoding: str) -> None:
    with store.transaction() as conn:
        conn.execute("UPDATE import_runs SET encoding = ? WHERE id = ?", (encoding, run_id))
