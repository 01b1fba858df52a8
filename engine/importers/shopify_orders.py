"""Import Shopify's orders export: one row per line item.

Order-level columns (Financial Status, Total, Email, Billing Name, …) are filled on
the first row of each order only; the other rows inherit them. `Lineitem price` is a
unit price, so a line's value is quantity × price. Lines such as "Shipping
protection" or "Tip" are kept as add-ons, not products, with or without a SKU
(see `Catalog.classify_line`). A blank e-mail is a guest order without a customer.
"""

from __future__ import annotations

import html

from engine.importers.catalog import Catalog
from engine.importers.context import ImportContext, RowError, cell_text, header_key
from engine.importers.order_writer import OrderFields
from engine.importers.spec import FormatSpec

# Order columns left out of the stored order on purpose: addresses and phone
# numbers are not needed for sales or recommendations.
_PRIVATE_PREFIXES = ("billing ", "shipping street", "shipping address", "shipping company",
                     "shipping city", "shipping zip", "shipping province", "shipping phone",
                     "shipping name", "phone")
_USED = {
    "name", "email", "financial status", "currency", "total", "created at",
    "billing name", "shipping country", "billing country", "cancelled at", "id",
}


class ShopifyOrders:
    """One pass over a Shopify orders export."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        column = ctx.column
        self.name = column("name")
        self.email = column("email")
        self.financial_status = column("financial status")
        self.currency = column("currency")
        self.total = column("total")
        self.created_at = column("created at")
        self.billing_name = column("billing name")
        self.country = column("shipping country", "billing country")
        self.cancelled_at = column("cancelled at")
        self.quantity = column("lineitem quantity")
        self.item = column("lineitem name")
        self.price = column("lineitem price")
        self.sku = column("lineitem sku")

        keys = [header_key(header) for header in ctx.headers]
        self.line_columns = [p for p, key in enumerate(keys) if key.startswith("lineitem ") or key == "vendor"]
        self.order_columns = [
            p
            for p, key in enumerate(keys)
            if key not in _USED
            and p not in self.line_columns
            and not key.startswith(_PRIVATE_PREFIXES)
        ]
        self.private_columns = [
            ctx.headers[p] for p, key in enumerate(keys) if key.startswith(_PRIVATE_PREFIXES) and key != "billing name"
        ]
        used = (self.quantity, self.item, self.price, self.sku)
        # Line columns not stored, removed from this list once seen with a value.
        self.unchecked_line_columns = [p for p in self.line_columns if p not in used]
        self.unused_line_columns: set[str] = set()

        self.catalog = Catalog(ctx.writer.conn)
        self.orders = ctx.writer.open_orders(explicit_line_ids=False, computed_totals=False)
        self.untitled_keys = 0
        self.unknown_products = 0

    def run(self) -> None:
        ctx = self.ctx
        orders = self.orders
        for row_number, values in ctx.rows():
            order_id = values[self.name].strip()
            if not order_id:
                ctx.skip(row_number, values, "the order Name (such as #1001) is missing")
                continue
            if not orders.enter(ctx, row_number, values, order_id, self._order_fields):
                continue
            line_id = orders.next_position()
            try:
                self._line(row_number, values, line_id)
            except RowError as error:
                ctx.skip(row_number, values, str(error))
        self._warn()

    def _order_fields(self, values: list[str]) -> OrderFields:
        ctx = self.ctx
        email = values[self.email].strip().lower() if self.email is not None else ""
        country = cell_text(values, self.country)
        if email:
            ctx.writer.add_customer(
                email, name=cell_text(values, self.billing_name), email=email, country=country
            )
        status = (cell_text(values, self.financial_status) or "").lower() or None
        if cell_text(values, self.cancelled_at):
            status = "cancelled"
        attributes = ctx.texts(self.order_columns, values)
        return OrderFields(
            customer_id=email or None,
            ordered_at=ctx.date(values[self.created_at], "the Created at") if self.created_at is not None else None,
            status=status,
            currency=cell_text(values, self.currency),
            total=ctx.number(values[self.total], "the Total") if self.total is not None else None,
            country=country,
            attributes=attributes,
        )

    def _line(self, row_number: int, values: list[str], line_id: str) -> None:
        ctx = self.ctx
        quantity = ctx.number(values[self.quantity], "the Lineitem quantity")
        if quantity is None:
            raise RowError("the Lineitem quantity is missing")
        price = ctx.number(values[self.price], "the Lineitem price") if self.price is not None else None
        title = html.unescape(values[self.item].strip()) if self.item is not None else ""
        sku = values[self.sku].strip() if self.sku is not None else ""
        if not sku and not title:
            raise RowError("the line has neither a Lineitem sku nor a Lineitem name")

        product_sku, kind = self.catalog.classify_line(sku, title)
        if not sku and kind == "product":
            self.untitled_keys += 1
        if kind == "product" and not self.catalog.knows(product_sku):
            self.unknown_products += 1
        if kind != "product":
            ctx.writer.counts[f"{kind}_lines"] += 1

        line_total = round(quantity * price, 6) if price is not None else None
        self.orders.add_line(
            row_number, line_id, sku or None, product_sku, title or None, quantity, price, line_total, kind
        )
        if self.unchecked_line_columns:
            found = [p for p in self.unchecked_line_columns if values[p].strip()]
            for position in found:
                self.unused_line_columns.add(ctx.headers[position])
                self.unchecked_line_columns.remove(position)

    def _warn(self) -> None:
        ctx = self.ctx
        counts = ctx.writer.counts
        extras = counts["add_on_lines"] + counts["non_product_lines"]
        if extras:
            ctx.warn(
                f"{extras} line(s) are extras or charges (such as shipping protection "
                "or tips). They stay with their orders but are not products."
            )
        if self.untitled_keys:
            ctx.warn(
                f"{self.untitled_keys} line(s) have no SKU; their Lineitem name is used "
                "as the product key."
            )
        if self.unknown_products:
            ctx.warn(
                f"{self.unknown_products} line(s) name products that are not in your "
                "catalog yet. Import your Shopify products export to link them."
            )
        if self.unused_line_columns:
            ctx.warn(
                "These line item columns are not stored: "
                f"{', '.join(sorted(self.unused_line_columns))}."
            )
        if self.private_columns:
            ctx.warn(
                "Addresses and phone numbers are not stored; the shop keeps each "
                "customer's e-mail, billing name and country only."
            )


def run(ctx: ImportContext) -> None:
    """Import the rows of a Shopify orders export."""
    ShopifyOrders(ctx).run()


FORMAT = FormatSpec(
    key="shopify_orders",
    label="Shopify orders export",
    kind="orders",
    source="shopify",
    signature=(("name",), ("lineitem quantity",), ("lineitem name",)),
    fields=(
        ("order_id", ("name",)),
        ("email", ("email",)),
        ("customer_name", ("billing name",)),
        ("status", ("financial status",)),
        ("date", ("created at",)),
        ("currency", ("currency",)),
        ("total", ("total",)),
        ("country", ("shipping country", "billing country")),
        ("quantity", ("lineitem quantity",)),
        ("item", ("lineitem name",)),
        ("unit_price", ("lineitem price",)),
        ("sku", ("lineitem sku",)),
    ),
    run=run,
)
