"""Import an orders spreadsheet in no known layout, through a column mapping.

One row is one order line. Order-level values (date, customer, status, total) come
from the first row of each order. Columns that no field uses are kept with the order
as `attributes`, from the order's first row.
"""

from __future__ import annotations

import html

from engine.importers.catalog import Catalog
from engine.importers.context import ImportContext, RowError, cell_text
from engine.importers.order_writer import OrderFields


def normalise_customer_id(text: str) -> str | None:
    """Return a customer id as text; `17850.0` (an id read as a float) becomes `17850`."""
    value = text.strip()
    if not value:
        return None
    if value.endswith(".0") and value[:-2].isdigit():
        return value[:-2]
    return value


class GenericOrders:
    """One pass over a generic orders file."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        column = ctx.mapped_column
        self.order_id = column("order_id")
        self.line_id = column("line_id")
        self.date = column("date")
        self.customer_id = column("customer_id")
        self.email = column("email")
        self.customer_name = column("customer_name")
        self.sku = column("sku")
        self.item = column("item")
        self.quantity = column("quantity")
        self.unit_price = column("unit_price")
        self.line_total = column("line_total")
        self.total = column("total")
        self.currency = column("currency")
        self.status = column("status")
        self.country = column("country")
        mapped = {ctx.headers.index(header) for header in ctx.mapping.values()}
        self.extra_columns = [p for p in range(len(ctx.headers)) if p not in mapped]

        self.catalog = Catalog(ctx.writer.conn)
        self.orders = ctx.writer.open_orders(
            explicit_line_ids=self.line_id is not None, computed_totals=self.total is None
        )
        self.unknown_products = 0

    def run(self) -> None:
        self._warn_about_columns()
        orders = self.orders
        for row_number, values in self.ctx.rows():
            order_id = values[self.order_id].strip()
            if not order_id:
                self.ctx.skip(row_number, values, "the order number is missing")
                continue
            if not orders.enter(self.ctx, row_number, values, order_id, self._order_fields):
                continue
            try:
                self._line(row_number, values)
            except RowError as error:
                self.ctx.skip(row_number, values, str(error))
        self._warn_about_products()

    def _order_fields(self, values: list[str]) -> OrderFields:
        ctx = self.ctx
        customer_id = self._customer(values)
        attributes = ctx.texts(self.extra_columns, values)
        return OrderFields(
            customer_id=customer_id,
            ordered_at=ctx.date(values[self.date], "the order date") if self.date is not None else None,
            status=cell_text(values, self.status),
            currency=cell_text(values, self.currency),
            total=ctx.number(values[self.total], "the order total") if self.total is not None else None,
            country=cell_text(values, self.country),
            attributes=attributes,
        )

    def _customer(self, values: list[str]) -> str | None:
        email = (cell_text(values, self.email) or "").lower() or None
        name = cell_text(values, self.customer_name)
        if self.customer_id is not None:
            customer_id = normalise_customer_id(values[self.customer_id])
        else:
            customer_id = email or name
        if customer_id is None:
            # A guest order: no customer, never one shared "unknown" customer.
            return None
        country = cell_text(values, self.country)
        self.ctx.writer.add_customer(customer_id, name=name, email=email, country=country)
        return customer_id

    def _line(self, row_number: int, values: list[str]) -> None:
        ctx = self.ctx
        if self.line_id is not None:
            line_id = values[self.line_id].strip()
            if not line_id:
                raise RowError("the line id is missing")
        else:
            line_id = self.orders.next_position()

        sku = cell_text(values, self.sku)
        title = html.unescape(values[self.item].strip()) if self.item is not None else None
        if not sku and not title:
            raise RowError("the line has neither a SKU nor an item name")
        quantity = ctx.number(values[self.quantity], "the quantity") if self.quantity is not None else 1.0
        if quantity is None:
            raise RowError("the quantity is missing")
        unit_price = ctx.number(values[self.unit_price], "the unit price") if self.unit_price is not None else None
        if self.line_total is not None:
            line_total = ctx.number(values[self.line_total], "the line total")
        else:
            line_total = round(quantity * unit_price, 6) if unit_price is not None else None

        product_sku, kind = self.catalog.classify_line(sku, title)
        reason = self.orders.add_line(
            row_number, line_id, sku, product_sku, title, quantity, unit_price, line_total, kind
        )
        if reason:
            raise RowError(reason)

        # Counted only once the line is accepted, so a duplicate row counts nothing.
        if kind == "product" and not self.catalog.knows(product_sku):
            self.unknown_products += 1
        if kind != "product":
            self.ctx.writer.counts[f"{kind}_lines"] += 1

    def _warn_about_columns(self) -> None:
        headers = self.ctx.headers
        if self.sku is None:
            self.ctx.warn(
                f"The file has no SKU column, so each line's item name (column "
                f"'{headers[self.item]}') is used as its product key. Lines match "
                "catalog products only when the names are identical."
            )
        if self.quantity is None:
            self.ctx.warn("The file has no quantity column, so every line counts as quantity 1.")
        if self.customer_id is None and self.email is None and self.customer_name is not None:
            self.ctx.warn(
                f"The file has no customer id or e-mail column, so customers are told "
                f"apart by name (column '{headers[self.customer_name]}'). Two customers "
                "with the same name count as one."
            )
        if self.extra_columns:
            shown = ", ".join(headers[p] for p in self.extra_columns[:10])
            self.ctx.warn(
                f"The columns {shown} are kept with each order, taken from the order's "
                "first row."
            )

    def _warn_about_products(self) -> None:
        if self.unknown_products:
            self.ctx.warn(
                f"{self.unknown_products} line(s) name products that are not in your "
                "catalog yet. They count in sales; import your product list to see "
                "their names and photos."
            )


def run(ctx: ImportContext) -> None:
    """Import the rows of a generic orders file."""
    GenericOrders(ctx).run()
