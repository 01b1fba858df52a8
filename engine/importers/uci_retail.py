"""Import invoices in the UCI "Online Retail" layout (InvoiceNo, StockCode, …).

The layout is that of a UK gift shop's invoice lines, published by the UCI Machine
Learning Repository. "Online Retail II" uses Invoice, Price and Customer ID instead.
Its quirks, all handled here:

- An InvoiceNo starting with C is a cancellation; its quantities are negative.
- CustomerID is often blank (a guest) and is written as a float (`17850.0`).
- Some StockCodes are charges, not products: POST (postage), D (discount), M
  (manual), BANK CHARGES and others, plus codes without any digit.
- Lines with price 0 are adjustments (damaged, lost, found), not sales.
- Dates are ISO (`2010-12-01 08:26:00`) or day-first (`01/12/2010 08:26`).

Products are created from StockCode and Description; the description of the most
recent invoice wins. Prices are in pounds sterling (GBP), as the data set documents.
"""

from __future__ import annotations

from collections import Counter

from engine.importers.context import ImportContext, RowError
from engine.importers.generic_orders import normalise_customer_id
from engine.importers.order_writer import OrderFields, OrderState
from engine.importers.spec import FormatSpec

CURRENCY = "GBP"

# StockCodes that are charges or bookkeeping entries, with what they are.
NON_PRODUCT_CODES = {
    "POST": "postage",
    "DOT": "DOTCOM postage",
    "C2": "carriage",
    "D": "discount",
    "M": "manual entry",
    "BANK CHARGES": "bank charges",
    "CRUK": "CRUK commission",
    "AMAZONFEE": "Amazon fee",
    "PADS": "padding",
    "S": "samples",
    "B": "bad debt adjustment",
}
ZERO_PRICE = "with price 0 or no price (adjustments)"
NO_DIGIT = "code without a digit"


def code_kind(code: str) -> tuple[str, str | None]:
    """Return the kind of a StockCode and, for a non-product, why it is one."""
    label = NON_PRODUCT_CODES.get(code.upper())
    if label is not None:
        return "non_product", f"{label} ({code.upper()})"
    if not any(character.isdigit() for character in code):
        return "non_product", NO_DIGIT
    return "product", None


class OnlineRetail:
    """One pass over an Online Retail invoice file."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        column = ctx.column
        self.invoice = column("invoiceno", "invoice")
        self.code = column("stockcode")
        self.description = column("description")
        self.quantity = column("quantity")
        self.date = column("invoicedate")
        self.price = column("unitprice", "price")
        self.customer = column("customerid", "customer id")
        self.country = column("country")
        self.orders = ctx.writer.open_orders(explicit_line_ids=False, computed_totals=True)

        self.products: dict[str, list] = {}  # code → [description, date, price, kind]
        self.code_kinds: dict[str, tuple[str, str | None]] = {}
        self.reasons: Counter[str] = Counter()
        self.guest_lines = 0
        self.cancellation_lines = 0
        self.current_date: str | None = None
        self.current_is_guest = False
        self.current_is_cancellation = False

    def run(self) -> None:
        # The loop keeps its state in local variables and calls few helpers, because
        # it runs once per invoice line: half a million times for the UCI file.
        ctx = self.ctx
        orders = self.orders
        add_line = orders.add_line
        code_kinds = self.code_kinds
        products = self.products
        reasons = self.reasons
        invoice_column, code_column = self.invoice, self.code
        quantity_column, price_column = self.quantity, self.price
        description_column = self.description
        parse = ctx.numbers.parse
        guest_lines = cancellation_lines = 0

        for row_number, values in ctx.rows():
            invoice = values[invoice_column].strip()
            if not invoice:
                ctx.skip(row_number, values, "the InvoiceNo is missing")
                continue
            if invoice != orders.current_id and not self._enter_invoice(row_number, values, invoice):
                continue
            line_id = orders.next_position()

            code = values[code_column].strip()
            if not code:
                ctx.skip(row_number, values, "the StockCode is missing")
                continue
            try:
                quantity = parse(values[quantity_column])
            except ValueError as error:
                ctx.skip(row_number, values, f"the Quantity {error}")
                continue
            if quantity is None:
                ctx.skip(row_number, values, "the Quantity is missing")
                continue
            try:
                price = parse(values[price_column])
            except ValueError as error:
                ctx.skip(row_number, values, f"the UnitPrice {error}")
                continue

            known = code_kinds.get(code)
            if known is None:
                known = code_kinds[code] = code_kind(code)
            kind, reason = known
            if kind == "product" and not price:
                kind, reason = "non_product", ZERO_PRICE
            description = values[description_column].strip() if description_column is not None else ""
            line_total = quantity * price if price is not None else None
            add_line(row_number, line_id, code, code, description or None, quantity, price, line_total, kind)

            if reason is not None:
                reasons[reason] += 1
            if self.current_is_guest:
                guest_lines += 1
            if self.current_is_cancellation:
                cancellation_lines += 1
            if reason == ZERO_PRICE:
                continue
            # The description and price of the most recent invoice win.
            date = self.current_date or ""
            entry = products.get(code)
            if entry is None:
                products[code] = [description, date, price or None, known[0]]
            elif date >= entry[1]:
                entry[1] = date
                if description:
                    entry[0] = description
                if price and price > 0:
                    entry[2] = price

        self.guest_lines = guest_lines
        self.cancellation_lines = cancellation_lines
        self._add_products()
        self._summarise()

    def _enter_invoice(self, row_number: int, values: list[str], invoice: str) -> bool:
        orders = self.orders
        state = orders.switch(invoice)
        if state is OrderState.KNOWN:
            # The invoice continues after other invoices; its first row set these.
            ordered_at, customer_id = self.ctx.writer.conn.execute(
                "SELECT ordered_at, customer_id FROM orders WHERE id = ?", (orders.current_ref,)
            ).fetchone()
            self.current_date = ordered_at
            self.current_is_guest = customer_id is None
            self.current_is_cancellation = invoice[:1].upper() == "C"
            return True
        if state is OrderState.FAILED:
            self.ctx.skip(row_number, values, orders.failure(invoice))
            return False
        try:
            fields = self._order_fields(values, invoice)
        except RowError as error:
            orders.fail(invoice, row_number, str(error))
            self.ctx.skip(row_number, values, str(error))
            return False
        orders.create(invoice, fields)
        self.current_date = fields.ordered_at
        self.current_is_guest = fields.customer_id is None
        self.current_is_cancellation = fields.is_cancellation
        return True

    def _order_fields(self, values: list[str], invoice: str) -> OrderFields:
        ordered_at = self.ctx.date(values[self.date], "the InvoiceDate")
        if ordered_at is None:
            raise RowError("the InvoiceDate is missing")
        country = None
        if self.country is not None:
            country = values[self.country].strip() or None
        customer_id = None
        if self.customer is not None:
            customer_id = normalise_customer_id(values[self.customer])
        if customer_id is not None:
            self.ctx.writer.add_customer(customer_id, country=country)
        return OrderFields(
            customer_id=customer_id,
            ordered_at=ordered_at,
            is_cancellation=invoice[:1].upper() == "C",
            currency=CURRENCY,
            country=country,
        )

    def _add_products(self) -> None:
        self.ctx.checkpoint("Saving products", fraction=1.0)
        for code, (description, _date, price, kind) in self.products.items():
            self.ctx.writer.add_product(
                code,
                description or code,
                price=price,
                currency=CURRENCY,
                kind=kind,
                keep_other_sources=True,
            )

    def _summarise(self) -> None:
        counts = self.ctx.writer.counts
        non_product = sum(self.reasons.values())
        counts["non_product_lines"] = non_product
        counts["guest_lines"] = self.guest_lines
        counts["cancellation_lines"] = self.cancellation_lines
        if non_product:
            parts = ", ".join(f"{count:,} {reason}" for reason, count in self.reasons.most_common())
            self.ctx.warn(
                f"{non_product:,} line(s) are not product sales: {parts}. They stay with "
                "their invoices but are left out of the catalog's products, of product "
                "sales and of recommendations."
            )
        if self.guest_lines:
            self.ctx.warn(
                f"{self.guest_lines:,} line(s) have no CustomerID. They count in sales "
                "but belong to no customer; they are never merged into one shared "
                "customer."
            )
        if self.cancellation_lines:
            self.ctx.warn(
                f"{self.cancellation_lines:,} line(s) belong to cancellation invoices "
                "(InvoiceNo starting with C). Their negative quantities cancel the "
                "earlier sale."
            )


def run(ctx: ImportContext) -> None:
    """Import the rows of an Online Retail invoice file."""
    OnlineRetail(ctx).run()


FORMAT = FormatSpec(
    key="uci_online_retail",
    label="Online Retail invoices (UCI layout)",
    kind="orders",
    source="uci_online_retail",
    signature=(
        ("invoiceno", "invoice"),
        ("stockcode",),
        ("quantity",),
        ("invoicedate",),
        ("unitprice", "price"),
    ),
    fields=(
        ("order_id", ("invoiceno", "invoice")),
        ("sku", ("stockcode",)),
        ("item", ("description",)),
        ("quantity", ("quantity",)),
        ("date", ("invoicedate",)),
        ("unit_price", ("unitprice", "price")),
        ("customer_id", ("customerid", "customer id")),
        ("country", ("country",)),
    ),
    run=run,
)
