"""Import WooCommerce's products export (simple, variable, variation, grouped, …).

A `variation` row names its parent in the Parent column, by SKU or as `id:NNN`
(the parent's ID). Hand-edited files can list a variation before its parent, so all
rows are read first and variations are resolved afterwards. The order of rows does
not change the result. A variation whose attribute value its parent does not offer
(parent: Size "S, M, L"; variation: Size "XL") is skipped and reported.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

from engine.importers.catalog import attribute_value
from engine.importers.context import ImportContext, RowError, header_key
from engine.importers.generic_products import split_images
from engine.importers.spec import FormatSpec

_ATTRIBUTE_NAME = re.compile(r"^attribute (\d+) name$")
_USED_KEYS = {
    "id", "type", "sku", "name", "description", "regular price", "categories",
    "images", "parent", "stock",
}


@dataclass
class _Row:
    number: int
    values: list[str]
    types: set[str]
    key: str | None = None  # the product's SKU in the shop, once added


class WooCommerceProducts:
    """One pass over a WooCommerce products export."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        column = ctx.column
        self.id = column("id")
        self.type = column("type")
        self.sku = column("sku")
        self.name = column("name")
        self.description = column("description")
        self.short_description = column("short description")
        self.price = column("regular price")
        self.categories = column("categories")
        self.images = column("images")
        self.parent = column("parent")
        self.stock = column("stock")
        keys = [header_key(header) for header in ctx.headers]
        self.attributes = []  # (name column, values column)
        for position, key in enumerate(keys):
            match = _ATTRIBUTE_NAME.match(key)
            if match:
                value_key = f"attribute {match.group(1)} value s"
                if value_key in keys:
                    self.attributes.append((position, keys.index(value_key)))
        attribute_columns = {p for pair in self.attributes for p in pair}
        self.extra_columns = [
            p
            for p, key in enumerate(keys)
            if key not in _USED_KEYS
            and p not in attribute_columns
            and not re.match(r"^attribute \d+ (visible|global|default)$", key)
        ]
        self.keys_without_sku = 0

    def run(self) -> None:
        products: list[_Row] = []
        variations: list[_Row] = []
        for row_number, values in self.ctx.rows():
            types = {part.strip().lower() for part in values[self.type].split(",") if part.strip()}
            row = _Row(row_number, values, types)
            (variations if "variation" in types else products).append(row)

        self.ctx.checkpoint("Saving products", fraction=1.0)
        by_sku: dict[str, _Row] = {}
        by_id: dict[str, _Row] = {}
        for row in products:
            try:
                sku = self._add_product(row)
            except RowError as error:
                self.ctx.skip(row.number, row.values, str(error))
                continue
            row.key = sku
            by_sku[sku] = row
            if self.id is not None and row.values[self.id].strip():
                by_id[row.values[self.id].strip()] = row

        for row in variations:
            try:
                self._add_variation(row, by_sku, by_id)
            except RowError as error:
                self.ctx.skip(row.number, row.values, str(error))
        if self.keys_without_sku:
            self.ctx.warn(
                f"{self.keys_without_sku} product(s) have no SKU; they are keyed by "
                "their WooCommerce ID (woocommerce-ID)."
            )

    def _product_key(self, values: list[str]) -> str:
        sku = values[self.sku].strip()
        if sku:
            return sku
        product_id = values[self.id].strip() if self.id is not None else ""
        if not product_id:
            raise RowError("the product has neither a SKU nor an ID")
        self.keys_without_sku += 1
        return f"woocommerce-{product_id}"

    def _add_product(self, row: _Row) -> str:
        values = row.values
        sku = self._product_key(values)
        name = html.unescape(values[self.name].strip())
        if not name:
            raise RowError("the product Name is missing")
        price = self.ctx.number(values[self.price], "the Regular price") if self.price is not None else None

        attributes: dict = {}
        for name_column, value_column in self.attributes:
            attribute = values[name_column].strip()
            if attribute:
                attributes[attribute] = _offered_values(values[value_column])
        for position in self.extra_columns:
            if values[position].strip():
                attributes[self.ctx.headers[position]] = attribute_value(values[position], self.ctx.numbers)
        if self.stock is not None and values[self.stock].strip():
            attributes["Stock"] = attribute_value(values[self.stock], self.ctx.numbers)
        attributes["WooCommerce type"] = ", ".join(sorted(row.types)) or "simple"

        categories = [part.strip() for part in values[self.categories].split(",")] if self.categories is not None else []
        categories = [part for part in categories if part]
        if len(categories) > 1:
            attributes["Categories"] = categories
        description = _text(values, self.description) or _text(values, self.short_description)

        added = self.ctx.writer.add_product(
            sku,
            name,
            description=description,
            category=categories[0] if categories else None,
            price=price,
            attributes=attributes,
            row_number=row.number,
        )
        if not added:
            raise RowError(f"the SKU {sku} already appears in row {self.ctx.writer.product_row(sku)}")
        if self.images is not None:
            for position, location in enumerate(split_images(values[self.images]), start=1):
                self.ctx.writer.add_photo(sku, location, position)
        return sku

    def _add_variation(self, row: _Row, by_sku: dict, by_id: dict) -> None:
        values = row.values
        reference = values[self.parent].strip() if self.parent is not None else ""
        if not reference:
            raise RowError("the variation has no Parent")
        parent_sku, offered = self._parent(reference, by_sku, by_id)

        options = {}
        for name_column, value_column in self.attributes:
            attribute = values[name_column].strip()
            chosen = values[value_column].strip()
            if not attribute or not chosen:
                continue  # a blank value means "any value"
            allowed = offered.get(attribute.casefold())
            if offered and allowed is None:
                raise RowError(
                    f"value not offered by parent: {parent_sku} has no attribute {attribute}"
                )
            if allowed is not None and chosen.casefold() not in {v.casefold() for v in allowed}:
                raise RowError(
                    f"value not offered by parent: {parent_sku} offers {attribute} "
                    f"{', '.join(allowed)}, not {chosen}"
                )
            options[attribute] = chosen

        sku = values[self.sku].strip()
        key = sku or "/".join([parent_sku, *options.values()])
        problem = None if sku else "no SKU in the file; identified by the parent and its attribute values"
        added = self.ctx.writer.add_variant(
            key,
            parent_sku,
            sku=sku or None,
            title=html.unescape(values[self.name].strip()) or " / ".join(options.values()) or key,
            options=options,
            price=self.ctx.number(values[self.price], "the Regular price") if self.price is not None else None,
            stock=self.ctx.number(values[self.stock], "the Stock") if self.stock is not None else None,
            problem=problem,
            row_number=row.number,
        )
        if not added:
            raise RowError(f"the variation {key} already appears in row {self.ctx.writer.variant_row(key)}")
        if self.images is not None:
            for location in split_images(values[self.images]):
                self.ctx.writer.add_photo(parent_sku, location, None)

    def _parent(self, reference: str, by_sku: dict, by_id: dict) -> tuple[str, dict[str, list[str]]]:
        if reference.lower().startswith("id:"):
            row = by_id.get(reference[3:].strip())
        else:
            row = by_sku.get(reference)
        if row is not None:
            sku = row.key
            offered = {}
            for name_column, value_column in self.attributes:
                attribute = row.values[name_column].strip()
                if attribute:
                    offered[attribute.casefold()] = _offered_values(row.values[value_column])
            return sku, offered

        stored = self.ctx.writer.conn.execute(
            "SELECT attributes FROM products WHERE sku = ?", (reference,)
        ).fetchone()
        if stored is None:
            raise RowError(
                f"the parent {reference} is neither in this file nor in your catalog"
            )
        offered = {}
        for attribute, value in json.loads(stored[0] or "{}").items():
            if isinstance(value, list):
                offered[attribute.casefold()] = value
        return reference, offered


def _offered_values(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _text(values: list[str], position: int | None) -> str | None:
    if position is None:
        return None
    return values[position].strip() or None


def run(ctx: ImportContext) -> None:
    """Import the rows of a WooCommerce products export."""
    WooCommerceProducts(ctx).run()


FORMAT = FormatSpec(
    key="woocommerce_products",
    label="WooCommerce products export",
    kind="products",
    source="woocommerce",
    signature=(("type",), ("sku",), ("name",), ("regular price",), ("parent",)),
    fields=(
        ("sku", ("sku",)),
        ("name", ("name",)),
        ("description", ("description",)),
        ("category", ("categories",)),
        ("price", ("regular price",)),
        ("parent", ("parent",)),
        ("image", ("images",)),
    ),
    run=run,
)
