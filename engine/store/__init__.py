"""The shop file: schema, connection, backup and shared queries."""

from engine.store.connection import BUSY_TIMEOUT_MS, Store, open_store, utc_now

__all__ = ["BUSY_TIMEOUT_MS", "Store", "open_store", "utc_now"]
