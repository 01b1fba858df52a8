"""Import Magento 2's native product export (System > Export > Products).

The export has one row per product and store view. The row with an empty
`store_view_code` is the product. Rows with a store view code (`de`, `fr`) only
override some values for that store, so they are kept in the product's attributes
under "store views", never as products of their own.

A configurable product lists its children in `configurable_variations`
(`sku=MH01-XS-Black,size=XS,color=Black|sku=…`); those simple products become its
variants, not separate products. Names may contain HTML entities (`&trade;`) and are
unescaped; descriptions are HTML and are kept as they are.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from engine.importers.catalog import attribute_value
from engine.importers.context import ImportContext, RowError, cell_text, header_key
from engine.importers.spec import FormatSpec

_USED_KEYS = {
    "sku", "store view code", "name", "description", "price", "categories",
    "base image", "additional images", "configurable variations",
    "configurable variation labels", "additional attributes",
}
_ROOT_CATEGORY = "Default Category/"


@dataclass
class _Row:
    number: int
    values: list[str]


def parse_pairs(text: str, separator: str = ",") -> dict[str, str]:
    """Parse `code=value,code=value` into a dict; values may not contain the separator."""
    pairs = {}
    for part in text.split(separator):
        code, equals, value = part.partition("=")
        if equals and code.strip():
            pairs[code.strip()] = value.strip()
    return pairs


class MagentoProducts:
    """One pass over a Magento 2 product export."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        column = ctx.column
        self.sku = column("sku")
        self.store_view = column("store view code")
        self.name = column("name")
        self.description = column("description")
        self.price = column("price")
        self.categories = column("categories")
        self.base_image = column("base image")
        self.additional_images = column("additional images")
        self.variations = column("configurable variations")
        self.variation_labels = column("configurable variation labels")
        self.additional_attributes = column("additional attributes")
        self.quantity = column("qty")
        self.extra_columns = [
            p for p, header in enumerate(ctx.headers) if header_key(header) not in _USED_KEYS
        ]

    def run(self) -> None:
        base: dict[str, _Row] = {}
        overrides: list[_Row] = []
        for row_number, values in self.ctx.rows():
            sku = values[self.sku].strip()
            if not sku:
                self.ctx.skip(row_number, values, "the sku is missing")
            elif values[self.store_view].strip():
                overrides.append(_Row(row_number, values))
            elif sku in base:
                self.ctx.skip(row_number, values, f"the sku {sku} already appears in row {base[sku].number}")
            else:
                base[sku] = _Row(row_number, values)

        self.ctx.checkpoint("Saving products", fraction=1.0)
        store_views = self._store_views(base, overrides)
        children = self._children(base)
        for sku, row in base.items():
            if sku in children:
                continue
            try:
                self._product(sku, row, store_views.get(sku, {}), base)
            except RowError as error:
                self.ctx.skip(row.number, row.values, str(error))

    def _store_views(self, base: dict[str, _Row], overrides: list[_Row]) -> dict[str, dict]:
        views: dict[str, dict] = {}
        for row in overrides:
            sku = row.values[self.sku].strip()
            if sku not in base:
                self.ctx.skip(
                    row.number,
                    row.values,
                    f"this store view row of {sku} has no default row (empty "
                    "store_view_code) in the file",
                )
                continue
            code = row.values[self.store_view].strip()
            changed = {
                self.ctx.headers[p]: value.strip()
                for p, value in enumerate(row.values)
                if value.strip() and p not in (self.sku, self.store_view)
            }
            views.setdefault(sku, {})[code] = changed
        return views

    def _children(self, base: dict[str, _Row]) -> dict[str, str]:
        # child SKU → configurable parent SKU
        children = {}
        if self.variations is None:
            return children
        for sku, row in base.items():
            for variation in row.values[self.variations].split("|"):
                child = parse_pairs(variation).get("sku")
                if child:
                    children[child] = sku
        return children

    def _product(self, sku: str, row: _Row, views: dict, base: dict[str, _Row]) -> None:
        ctx = self.ctx
        values = row.values
        name = html.unescape(values[self.name].strip()) if self.name is not None else ""
        if not name:
            raise RowError("the name is missing")
        attributes: dict = {}
        for position in self.extra_columns:
            if values[position].strip():
                attributes[ctx.headers[position]] = attribute_value(values[position], ctx.numbers)
        if self.additional_attributes is not None:
            attributes.update(parse_pairs(values[self.additional_attributes]))
        categories = self._categories(values)
        if len(categories) > 1:
            attributes["categories"] = categories
        if views:
            attributes["store views"] = views

        added = ctx.writer.add_product(
            sku,
            name,
            description=cell_text(values, self.description),
            category=categories[0] if categories else None,
            price=ctx.number(values[self.price], "the price") if self.price is not None else None,
            attributes=attributes,
            row_number=row.number,
        )
        if not added:
            raise RowError(f"the sku {sku} already appears in row {ctx.writer.product_row(sku)}")
        self._images(sku, values)
        self._variants(sku, values, base)

    def _categories(self, values: list[str]) -> list[str]:
        if self.categories is None:
            return []
        paths = []
        for path in values[self.categories].split(","):
            path = path.strip()
            if path.startswith(_ROOT_CATEGORY):
                path = path[len(_ROOT_CATEGORY) :]
            if path:
                paths.append(path)
        return paths

    def _images(self, sku: str, values: list[str], positioned: bool = True) -> None:
        locations = []
        if self.base_image is not None and values[self.base_image].strip():
            locations.append(values[self.base_image].strip())
        if self.additional_images is not None:
            locations += [part.strip() for part in values[self.additional_images].split(",") if part.strip()]
        position = 1
        for location in locations:
            if self.ctx.writer.add_photo(sku, location, position if positioned else None):
                position += 1

    def _variants(self, sku: str, values: list[str], base: dict[str, _Row]) -> None:
        if self.variations is None or not values[self.variations].strip():
            return
        labels = parse_pairs(values[self.variation_labels]) if self.variation_labels is not None else {}
        for variation in values[self.variations].split("|"):
            pairs = parse_pairs(variation)
            child_sku = pairs.pop("sku", None)
            if not child_sku:
                continue
            options = {labels.get(code, code): value for code, value in pairs.items()}
            child = base.get(child_sku)
            price = stock = None
            title = " / ".join(options.values()) or child_sku
            if child is not None:
                try:
                    price, stock = self._child_numbers(child)
                except RowError as error:
                    self.ctx.skip(child.number, child.values, f"variant of {sku}: {error}")
                    continue
                title = html.unescape(child.values[self.name].strip()) or title
            self.ctx.writer.add_variant(
                child_sku,
                sku,
                sku=child_sku,
                title=title,
                options=options,
                price=price,
                stock=stock,
                row_number=child.number if child is not None else None,
            )
            if child is not None:
                self._images(sku, child.values, positioned=False)

    def _child_numbers(self, child: _Row) -> tuple[float | None, float | None]:
        price = stock = None
        if self.price is not None:
            price = self.ctx.number(child.values[self.price], "the price")
        if self.quantity is not None:
            stock = self.ctx.number(child.values[self.quantity], "the qty")
        return price, stock


def run(ctx: ImportContext) -> None:
    """Import the rows of a Magento 2 product export."""
    MagentoProducts(ctx).run()


FORMAT = FormatSpec(
    key="magento_products",
    label="Magento 2 product export",
    kind="products",
    source="magento",
    signature=(("sku",), ("store view code",), ("attribute set code",), ("product type",)),
    fields=(
        ("sku", ("sku",)),
        ("name", ("name",)),
        ("description", ("description",)),
        ("category", ("categories",)),
        ("price", ("price",)),
        ("image", ("base image",)),
    ),
    run=run,
)
