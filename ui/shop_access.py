"""Read-only access to a shop for the tabs' queries."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ShopNotFoundError

if TYPE_CHECKING:
    from engine.store import Store


def open_for_reading(path: Path) -> Store:
    """Open the shop read-only, without the checks `open_store` runs on opening.

    The window calls `open_store` once when it opens a shop. Refreshes use this
    instead, because `open_store` marks every import run still 'running' as
    interrupted, which would be wrong while an import job is running.

    Raises:
        ShopNotFoundError: the file is gone.
    """
    # Imported here because sqlite_utils, under engine.store, loads pandas, which
    # stays off the start-up path (0.65 s in `python -X importtime`, 2-core dev VM).
    from engine.store import BUSY_TIMEOUT_MS, Store

    path = Path(path)
    if not path.exists():
        raise ShopNotFoundError(path)
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro",
        uri=True,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return Store(path, conn)
