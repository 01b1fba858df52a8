"""Import Amazon Seller Central reports: order reports and the active listings report.

The reports are tab-separated. In the order reports (All Orders, Orders by order
date) one row is one order item, and `item-price` is the price of the whole
quantity, not of one unit. The reports name no buyer, so Amazon orders have no
customer. The settlement report lists payments and fees, not orders, and is
rejected with a message saying which report to import instead.
"""

from __future__ import annotations

import html
from pathlib import Path

from engine.errors import ImportFileError
from engine.importers.catalog import Catalog, attribute_value
from engine.importers.context import ImportContext, RowError, cell_text, header_key
from engine.importers.order_writer import OrderFields
from engine.importers.spec import FormatSpec

# Order-report columns stored with the order; addresses below the state are left out.
_ORDER_COLUMNS = (
    "merchant order id", "last updated date", "fulfillment channel", "sales channel",
    "order channel", "ship service level", "ship state", "is business order",
    "purchase order number", "price designation", "is sold by ab", "promotion ids",
)
_LISTING_USED = {"seller sku", "item name", "item description", "price", "image url"}


def reject_settlement_report(path: Path, keys: set[str]) -> None:
    """Raise for an Amazon settlement report, which cannot be imported.

    Raises:
        ImportFileError: the headers are those of a settlement report.
    """
    if {"settlement id", "deposit date", "total amount"} <= keys:
        raise ImportFileError(
            path,
            "it is an Amazon settlement report, which lists payments and fees, not "
            "products or orders",
            "Import Amazon's All Orders report for orders, or the Active Listings "
            "report for products",
        )


class AmazonOrders:
    """One pass over an Amazon order report."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        column = ctx.column
        self.order_id = column("amazon order id")
        self.item_id = column("order item id")
        self.date = column("purchase date")
        self.status = column("order status")
        self.sku = column("sku")
        self.title = column("product name")
        self.quantity = column("quantity", "quantity purchased")
        self.currency = column("currency")
        self.item_price = column("item price")
        self.country = column("ship country")
        self.order_columns = [p for p in (column(key) for key in _ORDER_COLUMNS) if p is not None]
        self.catalog = Catalog(ctx.writer.conn)
        self.orders = ctx.writer.open_orders(
            explicit_line_ids=self.item_id is not None, computed_totals=True
        )
        self.unknown_products = 0

    def run(self) -> None:
        ctx = self.ctx
        orders = self.orders
        for row_number, values in ctx.rows():
            order_id = values[self.order_id].strip()
            if not order_id:
                ctx.skip(row_number, values, "the amazon-order-id is missing")
                continue
            if not orders.enter(ctx, row_number, values, order_id, self._order_fields):
                continue
            try:
                self._line(row_number, values)
            except RowError as error:
                ctx.skip(row_number, values, str(error))
        if self.unknown_products:
            ctx.warn(
                f"{self.unknown_products} line(s) name SKUs that are not in your catalog "
                "yet. Import your Active Listings report to link them."
            )

    def _order_fields(self, values: list[str]) -> OrderFields:
        ctx = self.ctx
        attributes = ctx.texts(self.order_columns, values)
        return OrderFields(
            ordered_at=ctx.date(values[self.date], "the purchase-date") if self.date is not None else None,
            status=(cell_text(values, self.status) or "").lower() or None,
            currency=cell_text(values, self.currency),
            country=cell_text(values, self.country),
            attributes=attributes,
        )

    def _line(self, row_number: int, values: list[str]) -> None:
        ctx = self.ctx
        if self.item_id is not None:
            line_id = values[self.item_id].strip()
            if not line_id:
                raise RowError("the order-item-id is missing")
        else:
            line_id = self.orders.next_position()
        sku = cell_text(values, self.sku)
        title = html.unescape(values[self.title].strip()) if self.title is not None else None
        if not sku:
            raise RowError("the sku is missing")
        quantity = ctx.number(values[self.quantity], "the quantity") if self.quantity is not None else 1.0
        if quantity is None:
            raise RowError("the quantity is missing")
        line_total = ctx.number(values[self.item_price], "the item-price") if self.item_price is not None else None
        unit_price = round(line_total / quantity, 6) if line_total is not None and quantity else None

        product_sku, kind = self.catalog.classify_line(sku, title)
        if kind == "product" and not self.catalog.knows(product_sku):
            self.unknown_products += 1
        reason = self.orders.add_line(
            row_number, line_id, sku, product_sku, title or None, quantity, unit_price, line_total, kind
        )
        if reason:
            raise RowError(reason)
        if kind != "product":
            ctx.writer.counts[f"{kind}_lines"] += 1


class AmazonListings:
    """One pass over an Amazon active listings report."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        column = ctx.column
        self.sku = column("seller sku")
        self.name = column("item name")
        self.description = column("item description")
        self.price = column("price")
        self.image = column("image url")
        self.extra_columns = [
            p for p, header in enumerate(ctx.headers) if header_key(header) not in _LISTING_USED
        ]

    def run(self) -> None:
        for row_number, values in self.ctx.rows():
            try:
                self._row(row_number, values)
            except RowError as error:
                self.ctx.skip(row_number, values, str(error))

    def _row(self, row_number: int, values: list[str]) -> None:
        ctx = self.ctx
        sku = values[self.sku].strip()
        if not sku:
            raise RowError("the seller-sku is missing")
        name = html.unescape(values[self.name].strip())
        if not name:
            raise RowError("the item-name is missing")
        attributes = {}
        for position in self.extra_columns:
            if values[position].strip():
                attributes[ctx.headers[position]] = attribute_value(values[position], ctx.numbers)
        added = ctx.writer.add_product(
            sku,
            name,
            description=cell_text(values, self.description),
            price=ctx.number(values[self.price], "the price") if self.price is not None else None,
            attributes=attributes,
            row_number=row_number,
        )
        if not added:
            raise RowError(f"the seller-sku {sku} already appears in row {ctx.writer.product_row(sku)}")
        image = cell_text(values, self.image)
        if image:
            ctx.writer.add_photo(sku, image, 1)


def run_orders(ctx: ImportContext) -> None:
    """Import the rows of an Amazon order report."""
    AmazonOrders(ctx).run()


def run_listings(ctx: ImportContext) -> None:
    """Import the rows of an Amazon active listings report."""
    AmazonListings(ctx).run()


ORDERS_FORMAT = FormatSpec(
    key="amazon_orders",
    label="Amazon order report",
    kind="orders",
    source="amazon",
    signature=(("amazon order id",), ("sku",), ("quantity", "quantity purchased")),
    fields=(
        ("order_id", ("amazon order id",)),
        ("line_id", ("order item id",)),
        ("date", ("purchase date",)),
        ("status", ("order status",)),
        ("sku", ("sku",)),
        ("item", ("product name",)),
        ("quantity", ("quantity", "quantity purchased")),
        ("line_total", ("item price",)),
        ("currency", ("currency",)),
        ("country", ("ship country",)),
    ),
    run=run_orders,
)

LISTINGS_FORMAT = FormatSpec(
    key="amazon_listings",
    label="Amazon active listings report",
    kind="products",
    source="amazon",
    signature=(("seller sku",), ("item name",), ("price",)),
    fields=(
        ("sku", ("seller sku",)),
        ("name", ("item name",)),
        ("description", ("item description",)),
        ("price", ("price",)),
        ("image", ("image url",)),
    ),
    run=run_listings,
)
