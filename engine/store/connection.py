"""Open, check and back up a shop file.

A `Store` wraps one SQLite connection. Open one `Store` per thread: SQLite
connections must not be shared across threads, and WAL mode lets one writer and
many readers work at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import psutil
import sqlite_utils

from engine import paths
from engine.errors import (
    BackupError,
    NotAShopError,
    ShopAccessError,
    ShopDamagedError,
    ShopDamagedWithBackupError,
    ShopNotFoundError,
    ShopTooNewError,
)
from engine.paths import create_private_file, make_private_file, make_private_folder
from engine.store import schema
from engine.store.backup import (
    BEFORE_UPGRADE,
    automatic_backup,
    backup_database,
    has_shop_data,
    list_backups,
)
from engine.store.errors import ShopUpgradeError

log = logging.getLogger(__name__)

# A writer waits this long for another writer before SQLite gives up with
# "database is locked". Imports hold the write lock for seconds, so 5 s is too short.
BUSY_TIMEOUT_MS = 30_000
# `Store.transaction` keeps asking for the write lock this long in total, so a job
# that writes waits for a long import to commit instead of failing. An import of
# 1,000,000 order lines held the lock for about 3.5 minutes in `python -m bench
# scale` on a 2-core machine with load average 8.
WRITE_WAIT_S = 900.0
SQLITE_HEADER = b"SQLite format 3\x00"

# Shop files whose quick check passed in this process, by resolved path, with the file's
# (device, inode, size, modification time) at that check. The tabs' services open the
# shop for every call, and the quick check reads the whole file (1-4 s at 180 MB), so it
# runs again only when the file was replaced or its main file changed.
_checked_files: dict[str, tuple[int, int, int, int]] = {}
_checked_files_lock = threading.Lock()


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    """One open shop file: a connection plus the helpers every module shares."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        # How long `transaction` waits for another writer, in seconds.
        self.write_wait_s = WRITE_WAIT_S

    @property
    def folder(self) -> Path:
        """The shop's folder; models and photos are stored next to the SQLite file."""
        return self.path.parent

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one write transaction: all of it is saved, or none.

        The write lock is taken first (BEGIN IMMEDIATE). While another connection
        writes, this waits up to `write_wait_s` seconds, so statements inside the block never
        meet a "database is locked" error from another writer.
        """
        self._begin_immediate()
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _begin_immediate(self) -> None:
        deadline = time.monotonic() + self.write_wait_s
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not is_busy_error(error) or time.monotonic() >= deadline:
                    raise
                log.info("Waiting for another job to finish writing to %s", self.path.name)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def backup(self, destination: Path) -> Path:
        """Copy the shop to `destination` with SQLite's backup API.

        The copy includes commits still in the `-wal` file, which a plain file copy
        of `shop.db` would miss.

        Raises:
            BackupError: the destination cannot be written.
        """
        destination = Path(destination)
        if destination.resolve() == self.path.resolve():
            raise BackupError(destination, "it is the shop file itself")
        backup_database(self.conn, destination)
        log.info("Backed up shop to %s", destination)
        return destination


def is_busy_error(error: sqlite3.OperationalError) -> bool:
    """Return whether `error` is SQLite's "database is locked" or "busy"."""
    text = str(error).lower()
    return "locked" in text or "busy" in text


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions, so `Store.transaction`
    # decides exactly what is committed together.
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def open_store(path: Path, *, create: bool = False) -> Store:
    """Open the shop file at `path`, checking it and applying migrations.

    The checks run on a read-only connection first, so a file that is damaged or
    is not a shop is left byte for byte as it was.

    Args:
        path: the shop's SQLite file.
        create: make a new empty shop when the file does not exist.

    Raises:
        ShopNotFoundError: no file and `create` is false.
        NotAShopError: the path is a folder, or a file that is not a shop.
        ShopDamagedError: SQLite's quick check fails.
        ShopAccessError: the file or its folder cannot be written.
        ShopTooNewError: the file comes from a newer version of the app.
        ShopUpgradeError: a schema migration failed; the message names the
            backup made before it.
    """
    path = Path(path)
    if path.is_dir():
        raise NotAShopError(path, "it is a folder. Choose the shop.db file inside it")
    if path.exists():
        _check_existing(path)
    elif not create:
        raise ShopNotFoundError(path)
    else:
        _create_shop_file(path)
    _make_shop_files_private(path)

    try:
        conn = _connect(path)
        version = schema.schema_version(conn)
        if version > schema.LATEST_VERSION:
            conn.close()
            raise ShopTooNewError(path, version, schema.LATEST_VERSION)
        backup = _back_up_before_upgrade(conn, path)
    except sqlite3.OperationalError as error:
        raise ShopAccessError(path, str(error)) from error
    _upgrade(conn, path, version, backup)
    _make_shop_files_private(path)

    store = Store(path, conn)
    _mark_interrupted_runs(store)
    return store


def _create_shop_file(path: Path) -> None:
    # The folder and the empty file are made private before SQLite writes to them,
    # and SQLite gives the -wal and -shm files the mode of the shop file.
    folder_existed = path.parent.exists()
    try:
        if folder_existed:
            path.parent.mkdir(parents=True, exist_ok=True)
        else:
            make_private_folder(path.parent)
        create_private_file(path)
    except OSError as error:
        raise ShopAccessError(path, error.strerror or str(error)) from None


def _make_shop_files_private(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        make_private_file(path.with_name(path.name + suffix))
    for folder_name in ("models", "backups"):
        folder = path.parent / folder_name
        if folder.is_dir():
            make_private_folder(folder)


def _back_up_before_upgrade(conn: sqlite3.Connection, path: Path) -> Path | None:
    # A migration changes the shop file in place. An older version of the app
    # cannot read the result, so the shop as it was is kept in backups/.
    version = schema.schema_version(conn)
    if version < 1 or version >= schema.LATEST_VERSION or not has_shop_data(conn):
        return None
    try:
        return automatic_backup(conn, path, BEFORE_UPGRADE)
    except BackupError as error:
        conn.close()
        raise ShopAccessError(
            path, f"the backup before updating the shop file failed: {error}"
        ) from error


def _upgrade(
    conn: sqlite3.Connection, path: Path, version: int, backup: Path | None
) -> None:
    # Any error of a migration (a full disk, another program holding the file, or
    # a fault in the migration itself) is reported as a failed update.
    try:
        schema.migrate(conn)
    except Exception as error:
        log.exception("Updating %s from schema %d failed", path.name, version)
        try:
            version_now = schema.schema_version(conn)
        except sqlite3.Error:
            version_now = version
        conn.close()
        raise ShopUpgradeError(
            path,
            version,
            version_now,
            schema.LATEST_VERSION,
            _error_detail(error),
            backup,
            _upgrade_next_step(error),
        ) from error


def _error_detail(error: Exception) -> str:
    return str(error) or type(error).__name__


def _upgrade_next_step(error: Exception) -> str:
    text = str(error).lower()
    if isinstance(error, sqlite3.OperationalError) and "disk is full" in text:
        return "Free some disk space, then open the shop again."
    if isinstance(error, sqlite3.OperationalError) and is_busy_error(error):
        return "Close other programs that use this shop, then open it again."
    return (
        "Open the shop again. If the update fails again, send the log file "
        f"{paths.log_file()} to the person who looks after your Merchant Assistant."
    )


def _check_existing(path: Path) -> None:
    with open(path, "rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:
        raise NotAShopError(path, "it is not an SQLite database")
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise ShopAccessError(path, "your user account may not change it or its folder")

    key = str(path.resolve())
    identity = _file_identity(path)
    with _checked_files_lock:
        if identity is not None and _checked_files.get(key) == identity:
            return
    companions = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    created = [companion for companion in companions if not companion.exists()]
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise _damaged_error(path, result)
            if schema.schema_version(conn) == 0 and _has_tables(conn):
                raise NotAShopError(path, "its tables are not those of a shop")
        finally:
            conn.close()
    except (ShopDamagedError, NotAShopError):
        _remove_files(created)
        raise
    except sqlite3.DatabaseError as error:
        _remove_files(created)
        raise _damaged_error(path, str(error)) from error
    if identity is not None:
        with _checked_files_lock:
            _checked_files[key] = identity


def _file_identity(path: Path) -> tuple[int, int, int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


def _remove_files(paths: list[Path]) -> None:
    # The read-only check of a file in WAL mode creates an empty -wal and a -shm.
    # Beside a file that is not opened, they are removed, so the folder is left as
    # the owner had it.
    for path in paths:
        path.unlink(missing_ok=True)


def _damaged_error(path: Path, detail: str) -> ShopDamagedError:
    backups = list_backups(path)
    if backups:
        return ShopDamagedWithBackupError(path, detail, backups[0].path)
    return ShopDamagedError(path, detail)


def _has_tables(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    return row[0] > 0


# Table -> what the owner reads on a run whose process died before it finished.
INTERRUPTED_MESSAGES = {
    "import_runs": "The app closed before this import finished. Nothing from it was saved. "
    "Import the file again.",
    "training_runs": "The app closed before this training finished. The model in use did "
    "not change. Train again to update it.",
}


def _mark_interrupted_runs(store: Store) -> None:
    # A run still 'running' whose process is gone died mid-run. An import's data
    # transaction was never committed, and a new model is only made active after its
    # file and row are saved, so the shop and the model in use are unchanged. Runs of
    # live processes (this one included) are still working and are left alone.
    for table, message in INTERRUPTED_MESSAGES.items():
        running = store.conn.execute(f"SELECT id, pid FROM {table} WHERE status = 'running'").fetchall()
        dead = [run_id for run_id, pid in running if not _is_process_alive(pid)]
        if not dead:
            continue

        with store.transaction() as conn:
            conn.executemany(
                f"UPDATE {table} SET status = 'interrupted', finished_at = ?, message = ? "
                "WHERE id = ? AND status = 'running'",
                [(utc_now(), message, run_id) for run_id in dead],
            )
        log.warning("Marked %d unfinished runs in %s as interrupted", len(dead), table)


def _is_process_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    if pid == os.getpid():
        return True
    return psutil.pid_exists(pid)
