"""Write orders and their lines in batches, keyed by (source, order id, line id).

Order exports list one line per row, and the rows of one order normally follow each
other. The writer keeps the full state of the current order only: its line ids and,
for an order already in the shop, its stored lines. For every other order of the
file it keeps the order's row id and, without a line id column, the number of rows
seen. Memory therefore grows with the number of orders, not of rows.

Order row ids are handed out here, from max(id) + 1, so orders can be inserted in
batches and still be referenced by their lines. That is safe because the whole
import keeps SQLite's write lock (`BEGIN IMMEDIATE`).

The sales summary tables (engine.store.sales_summary) are updated here rather than
by their triggers, which would cost about 7 µs per line: the sales of new orders
are added up while their lines are queued, and stored orders that change are
counted again from the shop at the end.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Callable

from engine.importers.context import RowError
from engine.store import sales_summary

if TYPE_CHECKING:
    from engine.importers.context import ImportContext

BATCH_SIZE = 5000
# Above this many estimated lines, secondary indexes of order_lines are dropped
# during the import and built again at the end, when the file adds at least half
# as many lines as the table contains. Sorting once is cheaper than half a million
# random index inserts: 1.7 s less for the 516,384-line UCI file on a 2-core VM.
BULK_LINES = 50_000


@dataclass
class OrderFields:
    """Order-level values, read from the first row of each order."""

    customer_id: str | None = None
    ordered_at: str | None = None
    status: str | None = None
    is_cancellation: bool = False
    currency: str | None = None
    total: float | None = None
    country: str | None = None
    attributes: dict | None = None

    def as_row(self) -> tuple:
        attributes = _encode_json(self.attributes) if self.attributes else None
        return (
            self.customer_id,
            self.ordered_at,
            self.status,
            int(self.is_cancellation),
            self.currency,
            self.total,
            self.country,
            attributes,
        )


_TOTAL = 5  # position of `total` in OrderFields.as_row()
# One encoder for all orders: json.dumps with options builds a new one per call.
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class OrderState(Enum):
    """State of an order id in this file when a row names it."""

    KNOWN = "known"  # seen earlier in this file; its first row set its fields
    FAILED = "failed"  # its first row could not be read; later rows are skipped too
    UNKNOWN = "unknown"  # first row of this order in the file


class OrderWriter:
    """Orders and order lines of one import run."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        run_id: int,
        source: str,
        counts: Counter,
        *,
        explicit_line_ids: bool,
        computed_totals: bool,
        fraction_read: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self.conn = conn
        self._fraction_read = fraction_read
        self._dropped_indexes: list[str] = []
        self._bulk_checked = False
        self.run_id = run_id
        self.source = source
        self.counts = counts
        self.explicit_line_ids = explicit_line_ids
        self.computed_totals = computed_totals

        self._refs: dict[str, int] = {}
        self._positions: dict[str, int] = {}
        self._failures: dict[str, str] = {}
        self._next_ref = (conn.execute("SELECT max(id) FROM orders").fetchone()[0] or 0) + 1
        self._first_new_ref = self._next_ref
        self._source_has_orders = (
            conn.execute("SELECT 1 FROM orders WHERE source = ? LIMIT 1", (source,)).fetchone()
            is not None
        )

        self.current_id: str | None = None
        self._current_ref = 0
        self._current_is_new = True
        self._position = 0
        self._seen_lines: dict[str, int | None] = {}
        self._stored_lines: dict[str, tuple] = {}

        self._order_inserts: list[tuple] = []
        self._order_updates: list[tuple] = []
        self._line_inserts: list[tuple] = []
        self._line_updates: list[tuple] = []

        # Inside the import's transaction, so other connections keep the triggers.
        self._summary_triggers = sales_summary.suspend_triggers(conn)
        self._added_sales = sales_summary.ProductSalesDelta()
        # Row ids of new orders whose status leaves them out of sales.
        self._uncounted_refs: set[int] = set()
        self._counts_sales = False
        self._changed_orders: set[int] = set()
        self._changed_skus: set[str | None] = set()

    # Orders

    def switch(self, order_id: str) -> OrderState:
        """Make `order_id` the current order if this file already created it."""
        self._leave_current()
        ref = self._refs.get(order_id)
        if ref is None:
            return OrderState.FAILED if order_id in self._failures else OrderState.UNKNOWN

        # The order comes back after other orders: read what this run already
        # wrote for it, so line ids and positions carry on where they stopped.
        self.flush()
        self._enter(order_id, ref, is_new=ref >= self._first_new_ref)
        self._position = self._positions.get(order_id, 0)
        if self.explicit_line_ids:
            # NOTE: lines of an order that was already in the shop and is unchanged
            # keep their old run id, so a duplicate line id that reappears only
            # after other orders counts as "unchanged" instead of being skipped.
            self._seen_lines = {
                line_id: None
                for (line_id,) in self.conn.execute(
                    "SELECT line_id FROM order_lines WHERE order_ref = ? "
                    "AND import_run_id = ?",
                    (ref, self.run_id),
                )
            }
        return OrderState.KNOWN

    def enter(
        self,
        ctx: ImportContext,
        row_number: int,
        values: list[str],
        order_id: str,
        read_fields: Callable[[list[str]], OrderFields],
    ) -> bool:
        """Make `order_id` current for this row; return False when the row is skipped.

        The first row of an order creates it with `read_fields(values)`. If that row
        is invalid, it and every later row of the order are skipped with the reason.
        """
        if order_id == self.current_id:
            return True
        state = self.switch(order_id)
        if state is OrderState.FAILED:
            ctx.skip(row_number, values, self.failure(order_id))
            return False
        if state is OrderState.UNKNOWN:
            try:
                self.create(order_id, read_fields(values))
            except RowError as error:
                self.fail(order_id, row_number, str(error))
                ctx.skip(row_number, values, str(error))
                return False
        return True

    def failure(self, order_id: str) -> str:
        """Return why the first row of `order_id` was skipped."""
        return self._failures[order_id]

    def fail(self, order_id: str, row_number: int, reason: str) -> None:
        """Remember that the first row of `order_id` was skipped."""
        self._failures[order_id] = (
            f"the first row of order {order_id} (row {row_number}) was skipped: {reason}"
        )

    def create(self, order_id: str, fields: OrderFields) -> int:
        """Create or match the order for its first row in this file; return its row id."""
        self._leave_current()
        values = fields.as_row()
        stored = None
        if self._source_has_orders:
            stored = self.conn.execute(
                "SELECT id, customer_id, ordered_at, status, is_cancellation, currency, "
                "total, country, attributes FROM orders WHERE source = ? AND order_id = ?",
                (self.source, order_id),
            ).fetchone()

        if stored is None:
            ref = self._next_ref
            self._next_ref += 1
            self._order_inserts.append((ref, self.source, order_id, *values, self.run_id))
            self.counts["orders_new"] += 1
            if not sales_summary.is_counted_status(fields.status):
                self._uncounted_refs.add(ref)
            self._enter(order_id, ref, is_new=True)
        else:
            ref = stored[0]
            self._match_stored_order(ref, stored[1:], values)
            self._enter(order_id, ref, is_new=False)
        self._refs[order_id] = ref
        return ref

    def _match_stored_order(self, ref: int, old: tuple, values: tuple) -> None:
        if self.computed_totals:
            # The total is computed from the lines after the import, not read.
            values = values[:_TOTAL] + (old[_TOTAL],) + values[_TOTAL + 1 :]
        if old == values:
            self.counts["orders_unchanged"] += 1
        else:
            self._order_updates.append((*values, self.run_id, ref))
            self.counts["orders_updated"] += 1
            self._changed_orders.add(ref)

    def _enter(self, order_id: str, ref: int, *, is_new: bool) -> None:
        self.current_id = order_id
        self._current_ref = ref
        self._current_is_new = is_new
        self._counts_sales = is_new and ref not in self._uncounted_refs
        self._position = 0
        self._seen_lines = {}
        self._stored_lines = {} if is_new else self._load_lines(ref)

    def _leave_current(self) -> None:
        if self.current_id is not None and not self.explicit_line_ids and self._position:
            self._positions[self.current_id] = self._position
        self.current_id = None

    def _load_lines(self, ref: int) -> dict[str, tuple]:
        return {
            row[0]: row[1:]
            for row in self.conn.execute(
                "SELECT line_id, sku, product_sku, title, quantity, unit_price, line_total, "
                "kind FROM order_lines WHERE order_ref = ?",
                (ref,),
            )
        }

    # Lines

    def next_position(self) -> str:
        """Return the line id for the next row of the current order: its position."""
        self._position += 1
        return str(self._position)

    def add_line(
        self,
        row_number: int,
        line_id: str,
        sku: str | None,
        product_sku: str | None,
        title: str | None,
        quantity: float,
        unit_price: float | None,
        line_total: float | None,
        kind: str,
    ) -> str | None:
        """Queue a line of the current order; return a skip reason for a duplicate."""
        if self.explicit_line_ids:
            if line_id in self._seen_lines:
                earlier = self._seen_lines[line_id]
                where = f"row {earlier}" if earlier else "an earlier row"
                return (
                    f"duplicate of {where}: order {self.current_id} line {line_id} "
                    "appears twice in the file"
                )
            self._seen_lines[line_id] = row_number

        if self._current_is_new:
            # Built in one step: this runs once per line of a new order.
            inserts = self._line_inserts
            inserts.append(
                (self._current_ref, line_id, sku, product_sku, title, quantity,
                 unit_price, line_total, kind, self.run_id)
            )
            if self._counts_sales and kind == "product" and product_sku is not None:
                self._added_sales.add(product_sku, quantity, line_total)
            if len(inserts) >= BATCH_SIZE:
                self.flush()
            return None

        self._match_stored_line(
            line_id, (sku, product_sku, title, quantity, unit_price, line_total, kind)
        )
        if len(self._line_inserts) >= BATCH_SIZE:
            self.flush()
        return None

    def _match_stored_line(self, line_id: str, values: tuple) -> None:
        old = self._stored_lines.get(line_id)
        if old is None:
            self._line_inserts.append((self._current_ref, line_id, *values, self.run_id))
            self._changed_skus.add(values[1])
        elif old == values:
            self.counts["order_lines_unchanged"] += 1
        else:
            self._line_updates.append((*values, self.run_id, self._current_ref, line_id))
            self.counts["order_lines_updated"] += 1
            self._changed_skus.update((old[1], values[1]))

    # Writing

    def flush(self) -> None:
        """Write the queued orders and lines."""
        if self._order_inserts:
            self.conn.executemany(
                "INSERT INTO orders (id, source, order_id, customer_id, ordered_at, status, "
                "is_cancellation, currency, total, country, attributes, import_run_id) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                self._order_inserts,
            )
            self._order_inserts = []
        if self._order_updates:
            self.conn.executemany(
                "UPDATE orders SET customer_id=?, ordered_at=?, status=?, is_cancellation=?, "
                "currency=?, total=?, country=?, attributes=?, import_run_id=? WHERE id=?",
                self._order_updates,
            )
            self._order_updates = []
        if self._line_inserts:
            if not self._bulk_checked and len(self._line_inserts) >= BATCH_SIZE:
                self._drop_indexes_for_bulk_load()
            self.conn.executemany(
                "INSERT INTO order_lines (order_ref, line_id, sku, product_sku, title, "
                "quantity, unit_price, line_total, kind, import_run_id) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                self._line_inserts,
            )
            self.counts["order_lines_new"] += len(self._line_inserts)
            self._line_inserts = []
        if self._line_updates:
            self.conn.executemany(
                "UPDATE order_lines SET sku=?, product_sku=?, title=?, quantity=?, "
                "unit_price=?, line_total=?, kind=?, import_run_id=? "
                "WHERE order_ref=? AND line_id=?",
                self._line_updates,
            )
            self._line_updates = []

    def _drop_indexes_for_bulk_load(self) -> None:
        self._bulk_checked = True
        fraction = self._fraction_read()
        if fraction <= 0:
            return
        estimated = len(self._line_inserts) / fraction
        stored = self.conn.execute("SELECT count(*) FROM order_lines").fetchone()[0] or 0
        if estimated < BULK_LINES or estimated < stored / 2:
            return
        indexes = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'order_lines' AND sql IS NOT NULL "
            "AND sql NOT LIKE 'CREATE UNIQUE%'"
        ).fetchall()
        for name, sql in indexes:
            self.conn.execute(f'DROP INDEX "{name}"')
            self._dropped_indexes.append(sql)

    def finish(self) -> None:
        """Write what is queued, rebuild dropped indexes, set computed order totals."""
        self.flush()
        for sql in self._dropped_indexes:
            self.conn.execute(sql)
        self._dropped_indexes = []
        if self.computed_totals:
            self.conn.execute(
                "UPDATE orders SET total = (SELECT round(sum(line_total), 2) FROM order_lines "
                "WHERE order_ref = orders.id) WHERE id IN (SELECT DISTINCT order_ref FROM "
                "order_lines WHERE import_run_id = ?)",
                (self.run_id,),
            )
        sales_summary.finish_import(
            self.conn,
            self._summary_triggers,
            self._added_sales,
            self._changed_orders,
            self._changed_skus,
        )

    @property
    def current_ref(self) -> int:
        """Return the row id of the current order."""
        return self._current_ref

    @property
    def order_count(self) -> int:
        """Return the number of distinct orders this file named."""
        return len(self._refs)
