"""Backups of a shop: copies made with SQLite's backup API, and restoring one.

Automatic backups go to the `backups/` folder beside the shop file before each
import and before each schema upgrade. They are named
`<YYYY-MM-DD_HH-MM-SS>_<reason>.db` in local time, e.g.
`2025-03-01_14-22-33_before-import.db`, and the newest `AUTOMATIC_BACKUPS_KEPT`
of them are kept. Backups the owner saves with File > Back up shop go where the
owner chooses and are never deleted.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engine.errors import BackupError, RestoreError
from engine.paths import create_private_file, make_private_file, make_private_folder
from engine.progress import ProgressCallback, no_progress
from engine.store import schema

log = logging.getLogger(__name__)

BACKUPS_FOLDER = "backups"
# Automatic backups kept per shop, all reasons together. Ten imports in a row keep
# the backups made before the last five of them.
AUTOMATIC_BACKUPS_KEPT = 5
BEFORE_IMPORT = "before-import"
BEFORE_UPGRADE = "before-upgrade"
BEFORE_RESTORE = "before-restore"
DAMAGED = "damaged"
REASON_LABELS = {
    BEFORE_IMPORT: "Before an import",
    BEFORE_UPGRADE: "Before a Merchant Assistant update changed the shop file",
    BEFORE_RESTORE: "Before restoring another backup",
    DAMAGED: "Damaged shop file, set aside by a restore",
}
_AUTOMATIC_NAME = re.compile(
    r"^(?P<stamp>\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2})_(?P<reason>[a-z-]+?)(-(?P<number>\d+))?\.db$"
)
_STAMP_FORMAT = "%Y-%m-%d_%H-%M-%S"
# A restore waits this long for other connections to the shop to close.
RESTORE_LOCK_WAIT_S = 2.0


@dataclass(frozen=True)
class BackupInfo:
    """A backup file in a shop's backups folder."""

    path: Path
    created: datetime  # from the file name, else the file's modification time
    reason: str  # one of REASON_LABELS, or "" for a file named another way
    size_bytes: int
    # Orders backups made within the same second: "_before-import-2.db" is second.
    sequence: int = 1

    @property
    def label(self) -> str:
        return REASON_LABELS.get(self.reason, "Backup")


def backups_dir(shop_path: Path) -> Path:
    """Return (and create) the folder of the shop's automatic backups."""
    return make_private_folder(Path(shop_path).parent / BACKUPS_FOLDER)


def backup_database(source: sqlite3.Connection, destination: Path) -> Path:
    """Copy an open SQLite database to `destination` with SQLite's backup API.

    The copy includes commits still in the `-wal` file, which a plain copy of the
    main file would miss. It is written beside the destination first and renamed
    into place, so a failed backup never leaves a half-written file. The copy is
    readable by its owner only.

    Raises:
        BackupError: the destination cannot be written.
    """
    destination = Path(destination)
    partial = destination.with_name(destination.name + ".partial")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        create_private_file(partial)
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
        make_private_file(partial)
        partial.replace(destination)
    except (OSError, sqlite3.Error) as error:
        partial.unlink(missing_ok=True)
        raise BackupError(destination, str(error)) from error
    return destination


def has_shop_data(conn: sqlite3.Connection) -> bool:
    """Return whether the shop contains any product, order or review."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM products) OR EXISTS (SELECT 1 FROM orders) "
        "OR EXISTS (SELECT 1 FROM reviews)"
    ).fetchone()
    return bool(row[0])


def automatic_backup(conn: sqlite3.Connection, shop_path: Path, reason: str) -> Path:
    """Back up the open shop into its backups folder and delete the oldest ones.

    Args:
        conn: an open connection to the shop, outside any transaction.
        shop_path: the shop's SQLite file.
        reason: BEFORE_IMPORT, BEFORE_UPGRADE or BEFORE_RESTORE, used in the name.

    Returns:
        The backup file.

    Raises:
        BackupError: the backups folder cannot be written.
    """
    if reason not in REASON_LABELS:
        raise ValueError(f"unknown backup reason {reason!r}; use one of {list(REASON_LABELS)}")
    try:
        folder = backups_dir(shop_path)
    except OSError as error:
        raise BackupError(Path(shop_path).parent / BACKUPS_FOLDER, str(error)) from error
    destination = _free_name(folder, reason)
    backup_database(conn, destination)
    prune_backups(shop_path)
    log.info("Backed up the shop %s to %s", shop_path, destination.name)
    return destination


def _free_name(folder: Path, reason: str) -> Path:
    # Backups made within the same second get "-2", "-3"… after the newest of that
    # second, never a number freed by pruning, so names keep their order.
    stamp = datetime.now().strftime(_STAMP_FORMAT)
    sequences = [
        int(match["number"] or 1)
        for match in map(_AUTOMATIC_NAME.match, (p.name for p in folder.glob(f"{stamp}_*")))
        if match
    ]
    if not sequences:
        return folder / f"{stamp}_{reason}.db"
    return folder / f"{stamp}_{reason}-{max(sequences) + 1}.db"


def list_backups(shop_path: Path) -> list[BackupInfo]:
    """Return the backups in the shop's backups folder, newest first.

    Every `.db` file there is listed; files that are not named like automatic
    backups (copied there by the owner) show their modification time.
    """
    folder = Path(shop_path).parent / BACKUPS_FOLDER
    if not folder.is_dir():
        return []
    backups = []
    for path in folder.glob("*.db"):
        if not path.is_file():
            continue
        stat = path.stat()
        match = _AUTOMATIC_NAME.match(path.name)
        if match:
            created = datetime.strptime(match["stamp"], _STAMP_FORMAT)
            reason = match["reason"]
            sequence = int(match["number"] or 1)
        else:
            created = datetime.fromtimestamp(stat.st_mtime)
            reason = ""
            sequence = 1
        backups.append(BackupInfo(path, created, reason, stat.st_size, sequence))
    backups.sort(key=lambda backup: (backup.created, backup.sequence), reverse=True)
    return backups


def prune_backups(shop_path: Path, keep: int = AUTOMATIC_BACKUPS_KEPT) -> list[Path]:
    """Delete all but the newest `keep` automatic backups; return the deleted files.

    Files in the backups folder that are not named like automatic backups, and the
    damaged shop files a restore set aside, are never deleted.
    """
    automatic = [
        backup
        for backup in list_backups(shop_path)
        if backup.reason in REASON_LABELS and backup.reason != DAMAGED
    ]
    deleted = []
    for backup in automatic[keep:]:
        try:
            backup.path.unlink()
        except OSError as error:
            log.warning("Could not delete the old backup %s: %s", backup.path, error)
            continue
        deleted.append(backup.path)
    return deleted


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: which backup now is the shop, and where the old shop went."""

    restored_from: Path
    previous_shop: Path  # the backup (or set-aside damaged file) of the replaced shop


def restore_backup(
    shop_path: Path, backup_path: Path, progress: ProgressCallback | None = None
) -> RestoreResult:
    """Replace the shop at `shop_path` with the backup at `backup_path`.

    Steps: check the backup; copy it beside the shop; take an exclusive lock on the
    shop, which fails while any other connection (a job, another program) has it
    open; back the shop up into its backups folder, or move a damaged shop file
    there unchanged; then rename the copy into place. Until that rename the shop
    is unchanged. Open the shop again with `open_store` afterwards; it applies any
    schema upgrade the backup needs.

    Raises:
        RestoreError: the backup is not a readable shop, the shop is in use, or a
            file cannot be written. The shop is unchanged.
    """
    progress = progress or no_progress
    shop_path = Path(shop_path)
    backup_path = Path(backup_path)
    if backup_path.resolve() == shop_path.resolve():
        raise RestoreError(backup_path, "it is the shop file itself", "Choose a backup file")

    progress(0.05, "Checking the backup")
    prepared = shop_path.with_name(shop_path.name + ".restoring")
    _prepare_copy(backup_path, prepared)
    try:
        progress(0.5, "Backing up the current shop")
        previous = _set_current_shop_aside(shop_path, backup_path)
        progress(0.9, "Putting the backup in place")
        for suffix in ("-wal", "-shm"):
            shop_path.with_name(shop_path.name + suffix).unlink(missing_ok=True)
        os.replace(prepared, shop_path)
    finally:
        prepared.unlink(missing_ok=True)
    prune_backups(shop_path)
    log.info("Restored the shop %s from %s", shop_path, backup_path)
    progress(1.0, "Restored")
    return RestoreResult(restored_from=backup_path, previous_shop=previous)


def _prepare_copy(backup_path: Path, prepared: Path) -> None:
    if not backup_path.is_file():
        raise RestoreError(backup_path, "the file does not exist", "Choose another backup")
    try:
        source = sqlite3.connect(f"{backup_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            check = source.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise RestoreError(
                    backup_path, f"the backup is damaged ({check})", "Choose an older backup"
                )
            _check_is_shop(source, backup_path)
            backup_database(source, prepared)
        finally:
            source.close()
    except RestoreError:
        prepared.unlink(missing_ok=True)
        raise
    except BackupError as error:
        prepared.unlink(missing_ok=True)
        raise RestoreError(
            backup_path,
            f"the copy beside the shop could not be written ({error})",
            "Free some disk space and try again",
        ) from error
    except sqlite3.DatabaseError as error:
        prepared.unlink(missing_ok=True)
        raise RestoreError(
            backup_path,
            f"it is not a readable shop file ({error})",
            "Choose a .db file made by Back up shop or from the backups folder",
        ) from error


def _check_is_shop(conn: sqlite3.Connection, backup_path: Path) -> None:
    version = schema.schema_version(conn)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version < 1 or not {"products", "orders", "import_runs"} <= tables:
        raise RestoreError(
            backup_path,
            "it is not a Merchant Assistant shop",
            "Choose a .db file made by Back up shop or from the backups folder",
        )
    if version > schema.LATEST_VERSION:
        raise RestoreError(
            backup_path,
            f"it was saved by a newer Merchant Assistant (schema {version})",
            "Update Merchant Assistant, then restore it",
        )


def _set_current_shop_aside(shop_path: Path, backup_path: Path) -> Path:
    """Back up the current shop, or move it aside when it is damaged; return where."""
    if not shop_path.exists():
        raise RestoreError(
            backup_path,
            f"there is no shop file at {shop_path} to replace",
            "Open the backup with File > Open shop instead",
        )
    conn = _lock_exclusively(shop_path, backup_path)
    try:
        if _is_sound(conn):
            try:
                return automatic_backup(conn, shop_path, BEFORE_RESTORE)
            except BackupError as error:
                raise RestoreError(
                    backup_path,
                    f"the current shop could not be backed up first ({error})",
                    "Free some disk space and try again",
                ) from error
    finally:
        conn.close()
    return _move_damaged_aside(shop_path, backup_path)


def _lock_exclusively(shop_path: Path, backup_path: Path) -> sqlite3.Connection:
    # In exclusive locking mode the lock is held until the connection closes, and
    # it cannot be taken while another connection has the WAL shop open.
    conn = sqlite3.connect(shop_path, timeout=RESTORE_LOCK_WAIT_S, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except sqlite3.OperationalError as error:
        conn.close()
        if "locked" in str(error) or "busy" in str(error):
            raise RestoreError(
                backup_path,
                "the shop is in use by a running job or another program",
                "Wait until the running jobs have finished, close other programs "
                "that use this shop, and try again",
            ) from error
        raise RestoreError(
            backup_path, f"the shop file cannot be locked ({error})", "Try again"
        ) from error
    except sqlite3.DatabaseError:
        # Damaged beyond taking a lock: it is moved aside unread.
        return conn
    return conn


def _is_sound(conn: sqlite3.Connection) -> bool:
    try:
        return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        return False


def _move_damaged_aside(shop_path: Path, backup_path: Path) -> Path:
    # The damaged file is kept byte for byte, so nothing in it is lost for good.
    try:
        target = _free_name(backups_dir(shop_path), DAMAGED)
        for suffix in ("-wal", "-shm"):
            companion = shop_path.with_name(shop_path.name + suffix)
            if companion.exists():
                shutil.move(companion, target.with_name(target.name + suffix))
        shutil.move(shop_path, target)
    except OSError as error:
        raise RestoreError(
            backup_path,
            f"the damaged shop file could not be moved into the backups folder ({error})",
            "Free some disk space and try again",
        ) from error
    log.warning("Moved the damaged shop %s to %s", shop_path, target)
    return target
