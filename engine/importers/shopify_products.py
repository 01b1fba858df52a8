"""Import Shopify's products export, which spreads one product over several rows.

Rows sharing a Handle are one product. The first row carries the Title, body and
option names. Further rows add variants (option values, Variant SKU, price) or only
an image (Image Src and Image Position). A product without options has the
placeholder option `Title = Default Title`, which means "no option".

The product's SKU in the shop is its Handle; variants are keyed by Variant SKU, or
by handle and option values when the SKU is blank (kept, and flagged in `problem`).
A catalog fits in memory, so rows are collected first and written per product.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from engine.importers.catalog import attribute_value
from engine.importers.context import ImportContext, RowError, header_key
from engine.importers.spec import FormatSpec

_OPTIONS = (1, 2, 3)
_VARIANT_KEYS = ("variant sku", "variant price", "variant inventory qty", "variant grams")
_STORED_VARIANT_KEYS = ("variant sku", "variant price", "variant inventory qty", "variant image")
# Product-level columns kept in `attributes` when filled on the product's first row.
_PRODUCT_LEVEL_SKIP = {
    "handle", "title", "body html", "type", "image src", "image position",
    "image alt text", "variant image",
}


@dataclass
class _Row:
    number: int
    values: list[str]


@dataclass
class _Product:
    handle: str
    first_row: int
    title_row: _Row | None = None
    rows: list[_Row] = field(default_factory=list)


class ShopifyProducts:
    """One pass over a Shopify products export."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        column = ctx.column
        self.handle = column("handle")
        self.title = column("title")
        self.body = column("body html", "body")
        self.type = column("type")
        self.category = column("product category")
        self.option_names = [column(f"option{n} name") for n in _OPTIONS]
        self.option_values = [column(f"option{n} value") for n in _OPTIONS]
        self.variant_sku = column("variant sku")
        self.variant_price = column("variant price")
        self.variant_stock = column("variant inventory qty")
        self.image_src = column("image src")
        self.image_position = column("image position")
        self.image_alt = column("image alt text")
        self.variant_image = column("variant image")
        self.variant_columns = [column(key) for key in _VARIANT_KEYS]
        self.variant_columns += [p for p in self.option_values if p is not None]
        keys = [header_key(header) for header in ctx.headers]
        self.unstored_columns = [
            p
            for p, key in enumerate(keys)
            if key.startswith("variant ") and key not in _STORED_VARIANT_KEYS
        ]
        self.product_columns = [
            p
            for p, key in enumerate(keys)
            if key not in _PRODUCT_LEVEL_SKIP
            and not key.startswith(("option", "variant ", "image "))
        ]
        self.unstored_variant_columns: set[str] = set()

    def run(self) -> None:
        products: dict[str, _Product] = {}
        for row_number, values in self.ctx.rows():
            handle = values[self.handle].strip()
            if not handle:
                self.ctx.skip(row_number, values, "the Handle is missing")
                continue
            product = products.get(handle)
            if product is None:
                product = products[handle] = _Product(handle, row_number)
            row = _Row(row_number, values)
            if values[self.title].strip() and product.title_row is None:
                product.title_row = row
            product.rows.append(row)

        self.ctx.checkpoint("Saving products", fraction=1.0)
        for product in products.values():
            self._product(product)
        if self.unstored_variant_columns:
            self.ctx.warn(
                "Variants keep their SKU, options, price and stock; these variant "
                f"columns are not stored: {', '.join(sorted(self.unstored_variant_columns))}."
            )

    def _product(self, product: _Product) -> None:
        if product.title_row is None:
            for row in product.rows:
                self.ctx.skip(
                    row.number,
                    row.values,
                    f"no row of product '{product.handle}' has a Title; Shopify puts "
                    "the title on the product's first row",
                )
            return

        first = product.title_row.values
        option_names = [
            first[p].strip() if p is not None else "" for p in self.option_names
        ]
        variants, images = [], []
        for row in product.rows:
            is_title_row = row is product.title_row
            try:
                variant = self._variant(product.handle, option_names, row)
            except RowError as error:
                reason = str(error)
                if is_title_row:
                    reason = f"the product and its photo were imported, but not this row's variant: {reason}"
                    images += self._images(row)
                self.ctx.skip(row.number, row.values, reason)
                continue
            if variant is not None:
                variants.append(variant)
            images += self._images(row)
            if variant is None and not is_title_row and not self._has(row.values, self.image_src):
                self.ctx.skip(row.number, row.values, "the row has neither variant nor image data")

        self._write(product, first, variants, images)

    def _variant(self, handle: str, option_names: list[str], row: _Row) -> dict | None:
        values = row.values
        if not any(self._has(values, p) for p in self.variant_columns if p is not None):
            return None
        options = {}
        for name, position in zip(option_names, self.option_values):
            value = values[position].strip() if position is not None else ""
            if not value or (name.casefold() == "title" and value == "Default Title"):
                continue
            options[name or f"Option {len(options) + 1}"] = value
        sku = values[self.variant_sku].strip() if self.variant_sku is not None else ""
        price = self.ctx.number(values[self.variant_price], "the Variant Price") if self.variant_price is not None else None
        stock = self.ctx.number(values[self.variant_stock], "the Variant Inventory Qty") if self.variant_stock is not None else None
        for position in self.unstored_columns:
            if values[position].strip():
                self.unstored_variant_columns.add(self.ctx.headers[position])
        return {
            "row": row,
            "sku": sku or None,
            "options": options,
            "price": price,
            "stock": stock,
            "key": sku or "/".join([handle, *options.values()] if options else [handle, "default"]),
        }

    def _images(self, row: _Row) -> list[tuple[int | None, int, str, str | None]]:
        values = row.values
        images = []
        if self._has(values, self.image_src):
            position = None
            if self._has(values, self.image_position):
                try:
                    position = int(self.ctx.numbers.parse(values[self.image_position]))
                except (ValueError, TypeError):
                    position = None
            alt = values[self.image_alt].strip() if self.image_alt is not None else None
            images.append((position, row.number, values[self.image_src].strip(), alt or None))
        if self._has(values, self.variant_image):
            images.append((None, row.number, values[self.variant_image].strip(), None))
        return images

    def _write(self, product: _Product, first: list[str], variants: list[dict], images: list) -> None:
        writer = self.ctx.writer
        title = html.unescape(first[self.title].strip())
        attributes = {}
        for position in self.product_columns:
            if first[position].strip():
                attributes[self.ctx.headers[position]] = attribute_value(first[position], self.ctx.numbers)
        option_names = [name for name in (first[p].strip() for p in self.option_names if p is not None) if name and name.casefold() != "title"]
        if option_names:
            attributes["options"] = option_names
        category = _text(first, self.type) or _text(first, self.category)
        writer.add_product(
            product.handle,
            title,
            description=_text(first, self.body),
            category=category,
            price=variants[0]["price"] if variants else None,
            attributes=attributes,
            row_number=product.title_row.number,
        )

        for variant in variants:
            problem = None
            if variant["sku"] is None:
                problem = "no Variant SKU in the file; identified by the product handle and its option values"
            added = writer.add_variant(
                variant["key"],
                product.handle,
                sku=variant["sku"],
                title=" / ".join(variant["options"].values()) or title,
                options=variant["options"],
                price=variant["price"],
                stock=variant["stock"],
                problem=problem,
                row_number=variant["row"].number,
            )
            if not added:
                earlier = writer.variant_row(variant["key"])
                self.ctx.skip(
                    variant["row"].number,
                    variant["row"].values,
                    f"the variant {variant['key']} already appears in row {earlier}",
                )

        # Positioned images first, in position order; then the rest in row order.
        ordered = sorted(images, key=lambda image: (image[0] is None, image[0] or 0, image[1]))
        next_position = 1
        for position, _row, location, alt in ordered:
            if writer.add_photo(product.handle, location, position or next_position, alt):
                next_position = (position or next_position) + 1

    def _has(self, values: list[str], position: int | None) -> bool:
        return position is not None and bool(values[position].strip())


def _text(values: list[str], position: int | None) -> str | None:
    if position is None:
        return None
    return values[position].strip() or None


def run(ctx: ImportContext) -> None:
    """Import the rows of a Shopify products export."""
    ShopifyProducts(ctx).run()


FORMAT = FormatSpec(
    key="shopify_products",
    label="Shopify products export",
    kind="products",
    source="shopify",
    signature=(("handle",), ("title",), ("variant sku", "variant price")),
    fields=(
        ("sku", ("handle",)),
        ("name", ("title",)),
        ("description", ("body html",)),
        ("category", ("type",)),
        ("variant_sku", ("variant sku",)),
        ("price", ("variant price",)),
        ("stock", ("variant inventory qty",)),
        ("image", ("image src",)),
    ),
    run=run,
)
