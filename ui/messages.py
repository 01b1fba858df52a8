"""Messages shown to the shop owner, built in one place.

Engine errors already carry a plain message (what happened, to which file or row,
what to do next), so the UI shows `str(error)` unchanged. Any other exception is a
bug: the owner gets a short apology and the log file path, and the traceback goes
to the log.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from engine import paths
from engine.errors import MerchantError

# Names listed in one message before the rest are summed up as "and N more".
MAX_NAMES_LISTED = 8
# Import notes listed in the notice after an import. The Overview lists them all.
MAX_NOTES_LISTED = 3


def unexpected_error_message(action: str) -> str:
    """Return the apology shown when `action` stopped on an unexpected error."""
    return (
        f"Sorry, {action} stopped because of an unexpected problem. Try again. "
        f"If it happens again, send the log file {paths.log_file()} to the person "
        "who looks after your Merchant Assistant."
    )


def error_message(error: BaseException, action: str) -> str:
    """Return the message for an error raised while doing `action`."""
    if isinstance(error, MerchantError):
        return str(error)
    return unexpected_error_message(action)


def list_names(names: Iterable[str]) -> str:
    """Join names for a sentence, listing at most MAX_NAMES_LISTED of them."""
    names = list(names)
    shown = ", ".join(names[:MAX_NAMES_LISTED])
    if len(names) > MAX_NAMES_LISTED:
        shown += f" and {len(names) - MAX_NAMES_LISTED} more"
    return shown


def skipped_drops_message(not_importable: list[str], empty_folders: list[str]) -> str:
    """Return the single message for dropped files and folders that were not imported.

    Args:
        not_importable: names of files that are not CSV, TSV or text files.
        empty_folders: names of dropped folders with no such file inside.
    """
    sentences = []
    if len(not_importable) == 1:
        sentences.append(
            f"{not_importable[0]} was not imported because it is not a CSV, TSV or "
            "text file."
        )
    elif not_importable:
        sentences.append(
            f"{len(not_importable)} files were not imported because they are not "
            f"CSV, TSV or text files: {list_names(not_importable)}."
        )
    if len(empty_folders) == 1:
        sentences.append(
            f"The folder {empty_folders[0]} has no CSV, TSV or text files, so nothing "
            "was imported from it."
        )
    elif empty_folders:
        sentences.append(
            f"The folders {list_names(empty_folders)} have no CSV, TSV or text files, "
            "so nothing was imported from them."
        )
    sentences.append(
        "Export your products, orders or reviews from your shop system as CSV (.csv, "
        ".tsv, .txt or .csv.gz) and drop those files or their folder here."
    )
    return " ".join(sentences)


def no_shop_message() -> str:
    return (
        "No shop is open, so nothing was imported. Choose File > New shop… or "
        "File > Open shop… first, then import your files."
    )


def bulleted_list(lines: Iterable[str]) -> str:
    """Return `lines` as plain text, one "• line" per line."""
    return "\n".join(f"• {line}" for line in lines)


def import_notes_text(notes: list[str], limit: int = MAX_NOTES_LISTED) -> str:
    """Return the importer's notes as a bulleted list of at most `limit` lines."""
    lines = list(notes[:limit])
    if len(notes) > limit:
        lines.append(
            f"{len(notes) - limit} more note(s) are listed under Last import on "
            "the Overview tab."
        )
    return bulleted_list(lines)


def import_summary_message(
    file_name: str,
    imported: int,
    updated: int,
    unchanged: int,
    skipped: int,
    notes: list[str] | None = None,
) -> str:
    """Return the result of a finished import: counts, then the importer's notes."""
    text = (
        f"Imported {file_name}: {imported:,} new, {updated:,} updated, "
        f"{unchanged:,} already present"
    )
    if skipped:
        row_word = "row" if skipped == 1 else "rows"
        text = (
            f"{text}, {skipped:,} {row_word} skipped. The Overview tab lists each "
            "skipped row with the reason. Fix those rows in the file and import it "
            "again."
        )
    else:
        text = f"{text}."
    if notes:
        text = f"{text}\nNotes on how the file was read:\n{import_notes_text(notes)}"
    return text


def import_cancelled_message(file_name: str) -> str:
    return (
        f"The import of {file_name} was cancelled. Nothing from it was saved. "
        "Import the file again when you are ready."
    )


def import_failed_message(file_name: str, warnings: list[str]) -> str:
    detail = " ".join(warnings) or "the import stopped before the end."
    return (
        f"Could not import {file_name}: {detail} Nothing from it was saved. Fix the "
        "file and import it again."
    )


def mapping_rejected_message(file_name: str) -> str:
    return (
        f"{file_name} was not imported because the column choice was closed. "
        "Import it again and choose which column holds each field."
    )


def backup_done_message(destination: Path) -> str:
    return f"The shop was backed up to {destination}. Keep that file somewhere safe."


def restore_busy_message() -> str:
    return (
        "The shop was not restored because jobs are still running. Wait until the "
        "Jobs panel shows no running job, then choose File > Restore from a backup… "
        "again."
    )


def restore_confirm_message(shop_name: str, backup: Path) -> str:
    return (
        f"Replace the shop {shop_name} with the backup {backup.name}? Everything "
        "imported or changed after that backup was made is replaced. The shop as it "
        "is now is saved in its backups folder first."
    )


def restore_done_message(backup: Path, previous_shop: Path) -> str:
    return (
        f"The shop was restored from {backup.name}. The shop as it was before is "
        f"kept as {previous_shop}; restore that file to undo this."
    )
