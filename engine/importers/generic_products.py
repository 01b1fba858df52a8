"""Import a products spreadsheet in no known layout, through a column mapping.

Columns that no field uses are kept in the product's `attributes`, numbers as
numbers. With a product group column (`slug`, `handle`, `parent`), later rows of a
group become variants of the group's first product, as in Spree's export. Option
columns (`option1_name`, `option1_value`) give the variant's options.
"""

from __future__ import annotations

import html
import re

from engine.importers.catalog import attribute_value
from engine.importers.context import ImportContext, RowError, cell_text, header_key

_OPTION_NAME = re.compile(r"^option ?(\d+) name$")
_STOCK_KEYS = (
    "stock", "inventory", "inventory count", "inventory qty", "inventory quantity",
    "stock quantity", "qty", "quantity", "bestand", "lagerbestand",
)
_IMAGE_SPLIT = re.compile(r"\s*[,|;]\s*|\s+(?=https?://)")


def split_images(value: str) -> list[str]:
    """Split a cell that lists photo addresses into the addresses."""
    return [part for part in _IMAGE_SPLIT.split(value.strip()) if part]


class _Columns:
    def __init__(self, ctx: ImportContext) -> None:
        self.sku = ctx.mapped_column("sku")
        self.name = ctx.mapped_column("name")
        self.price = ctx.mapped_column("price")
        self.category = ctx.mapped_column("category")
        self.description = ctx.mapped_column("description")
        self.currency = ctx.mapped_column("currency")
        self.image = ctx.mapped_column("image")
        self.parent = ctx.mapped_column("parent")
        self.options = _option_columns(ctx.headers)
        used = {ctx.headers.index(header) for header in ctx.mapping.values()}
        used.update(p for pair in self.options for p in pair)
        stock_columns = (ctx.column(key) for key in _STOCK_KEYS)
        # Variants store stock in a column of their own; products keep it in
        # `attributes` like every other unmapped column.
        self.stock = next((p for p in stock_columns if p is not None and p not in used), None)
        self.attributes = [p for p in range(len(ctx.headers)) if p not in used]


def _option_columns(headers: list[str]) -> list[tuple[int, int]]:
    keys = [header_key(header) for header in headers]
    pairs = []
    for position, key in enumerate(keys):
        match = _OPTION_NAME.match(key)
        if match is None:
            continue
        number = match.group(1)
        for value_key in (f"option{number} value", f"option {number} value"):
            if value_key in keys:
                pairs.append((position, keys.index(value_key)))
                break
    return pairs


class GenericProducts:
    """One pass over a generic products file."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.columns = _Columns(ctx)
        self.groups: dict[str, str] = {}  # product group value → the group's product SKU
        self.failed_groups: dict[str, int] = {}  # group → row of its skipped product
        self.currencies: dict[str, tuple[str | None, int]] = {}  # SKU → (currency, row)
        self.other_currency_rows = 0
        self.negative_examples: list[str] = []
        self.variant_extras: set[str] = set()

    def run(self) -> None:
        for row_number, values in self.ctx.rows():
            try:
                self._row(row_number, values)
            except RowError as error:
                self.ctx.skip(row_number, values, str(error))
        self._warn()

    def _row(self, row_number: int, values: list[str]) -> None:
        columns = self.columns
        sku = values[columns.sku].strip()
        if not sku:
            raise RowError("the SKU is missing")
        name = html.unescape(values[columns.name].strip())
        price = self._number(values, columns.price, "price")
        group = values[columns.parent].strip() if columns.parent is not None else ""

        self._check_other_currency(values, sku)
        parent_sku = self._parent_of(group, sku)
        if parent_sku is not None:
            self._variant(row_number, values, sku, name, price, parent_sku)
            self._remember_currency(values, sku, row_number)
            return
        if group in self.failed_groups and not name:
            raise RowError(
                f"the product of group {group} (row {self.failed_groups[group]}) was "
                "skipped, so this variant row is skipped too"
            )
        if not name:
            raise RowError("the product name is missing")
        try:
            self._product(row_number, values, sku, name, price)
        except RowError:
            if group and group not in self.groups:
                self.failed_groups.setdefault(group, row_number)
            raise
        self._remember_currency(values, sku, row_number)
        if group:
            self.groups.setdefault(group, sku)

    def _check_other_currency(self, values: list[str], sku: str) -> None:
        # Some exports (Spree) repeat a SKU once per currency with another price.
        earlier = self.currencies.get(sku)
        currency = cell_text(values, self.columns.currency)
        if earlier is None or currency is None or earlier[0] in (None, currency):
            return
        self.other_currency_rows += 1
        raise RowError(
            f"a price in {currency} for {sku}, which row {earlier[1]} already gives in "
            f"{earlier[0]}; the shop keeps one price per product or variant"
        )

    def _remember_currency(self, values: list[str], sku: str, row_number: int) -> None:
        self.currencies.setdefault(sku, (cell_text(values, self.columns.currency), row_number))

    def _parent_of(self, group: str, sku: str) -> str | None:
        if not group:
            return None
        parent = self.groups.get(group)
        if parent is None and group != sku and self.ctx.writer.has_product(group):
            parent = group  # the column contains the parent's SKU
        return parent if parent != sku else None

    def _product(self, row_number, values, sku, name, price) -> None:
        columns = self.columns
        attributes = {}
        for position in columns.attributes:
            if values[position].strip():
                attributes[self.ctx.headers[position]] = attribute_value(
                    values[position], self.ctx.numbers
                )
        for name_position, value_position in columns.options:
            option, chosen = values[name_position].strip(), values[value_position].strip()
            if option and chosen:
                attributes[option] = chosen

        kind = "product"
        if price is not None and price < 0:
            kind = "non_product"
            self.ctx.writer.counts["negative_price_items"] += 1
            if len(self.negative_examples) < 3:
                self.negative_examples.append(f"{sku} ({name})")

        added = self.ctx.writer.add_product(
            sku,
            name,
            description=cell_text(values, columns.description),
            category=cell_text(values, columns.category),
            price=price,
            currency=cell_text(values, columns.currency),
            attributes=attributes,
            kind=kind,
            row_number=row_number,
        )
        if not added:
            raise RowError(_duplicate(sku, self.ctx.writer.product_row(sku)))
        if columns.image is not None:
            for position, location in enumerate(split_images(values[columns.image]), start=1):
                self.ctx.writer.add_photo(sku, location, position)

    def _variant(self, row_number, values, sku, name, price, parent_sku) -> None:
        columns = self.columns
        options = {}
        for name_position, value_position in columns.options:
            option, chosen = values[name_position].strip(), values[value_position].strip()
            if option and chosen:
                options[option] = chosen
        title = name or " / ".join(options.values()) or sku
        added = self.ctx.writer.add_variant(
            sku,
            parent_sku,
            sku=sku,
            title=title,
            options=options,
            price=price,
            stock=self._number(values, columns.stock, "stock"),
            row_number=row_number,
        )
        if not added:
            raise RowError(_duplicate(sku, self.ctx.writer.variant_row(sku)))
        for position in columns.attributes:
            if position != columns.stock and values[position].strip():
                self.variant_extras.add(self.ctx.headers[position])
        if columns.image is not None:
            for location in split_images(values[columns.image]):
                self.ctx.writer.add_photo(parent_sku, location, None)

    def _number(self, values: list[str], position: int | None, label: str) -> float | None:
        if position is None:
            return None
        return self.ctx.number(values[position], f"the {label}")

    def _warn(self) -> None:
        if self.other_currency_rows:
            self.ctx.warn(
                f"{self.other_currency_rows} row(s) repeat a SKU with a price in another "
                "currency. The shop keeps the first price of each SKU; these rows are "
                "listed as skipped."
            )
        count = self.ctx.writer.counts["negative_price_items"]
        if count:
            self.ctx.warn(
                f"{count} row(s) have a negative price, for example "
                f"{', '.join(self.negative_examples)}. They are kept as non-product "
                "items (corrections or fees), not as products for sale."
            )
        if self.variant_extras:
            shown = ", ".join(sorted(self.variant_extras)[:10])
            self.ctx.warn(
                "Variant rows keep their SKU, options, price and stock; their other "
                f"columns ({shown}) are not stored for variants."
            )


def _duplicate(sku: str, earlier_row: int | None) -> str:
    where = f"row {earlier_row}" if earlier_row else "an earlier row"
    return f"the SKU {sku} already appears in {where}; the first one is kept"


def run(ctx: ImportContext) -> None:
    """Import the rows of a generic products file."""
    GenericProducts(ctx).run()
