"""Catalog lookups of the order and review importers.

Order lines name variant SKUs (`MUG-BLU-350`), but sales belong to the product
(`glaze-mug`). Lines without a SKU are often charges or extras, not products.
"""

from __future__ import annotations

import re
import sqlite3

from engine.importers.numbers import NumberParser

# Extras a customer adds to an order, never products, whatever their SKU: these
# names mark an order line or a catalog item as kind 'add_on'. The list is narrow
# on purpose. "Gift wrap" and "gift box" name real products in UCI Online Retail
# ("SPACEBOY GIFT WRAP", "PEN IN GIFT BOX"), so a catalog item or a line with a SKU
# needs an explicit "(add-on)" for those.
_ADD_ON_SERVICE = re.compile(
    r"\b(?:shipping|package|parcel|order|route|delivery) protection\b|"
    r"\bshipping insurance\b|\bgratuity\b|\bdonation\b|"
    r"\bversandschutz\b|\bversandversicherung\b|\btrinkgeld\b|\bspende\b|"
    r"[(\[]\s*add-?on\s*[)\]]|"
    # "Tip", "Tips" or "Tip 10%" at the start, but not "Tip-top mug".
    r"^\s*tips?(?:$|[\s:(%\d])",
    re.IGNORECASE,
)
# Weaker names of extras, used only for lines without a SKU.
_ADD_ON_WITHOUT_SKU = re.compile(
    r"\b(?:tips?|gift ?wrap(?:ping)?|gift box|insurance|geschenkverpackung)\b",
    re.IGNORECASE,
)
# Charges and corrections, kept as order lines of kind 'non_product'.
_CHARGE = re.compile(
    r"\b(?:shipping|postage|delivery|handling|fee|surcharge|discount|coupon|voucher|"
    r"refund|adjustment|correction|versand|porto|gebühr|rabatt|gutschein|korrektur)\b",
    re.IGNORECASE,
)


def is_add_on_title(title: str | None) -> bool:
    """Return True when a title names an extra such as "Shipping protection".

    Used for catalog items and for order lines with a SKU.
    """
    return bool(title) and _ADD_ON_SERVICE.search(title) is not None


def line_kind_from_title(title: str) -> str | None:
    """Return 'add_on' or 'non_product' for a line title that names one, else None.

    Used only for lines without a SKU: "Shipping protection", "Tip" and "Gift wrap"
    are add-ons, "Shipping" and "Discount" are charges.
    """
    if is_add_on_title(title) or _ADD_ON_WITHOUT_SKU.search(title):
        return "add_on"
    if _CHARGE.search(title):
        return "non_product"
    return None


class Catalog:
    """The shop's products and variant SKUs as they were when the import started."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.product_of_variant: dict[str, str] = dict(
            conn.execute(
                "SELECT sku, product_sku FROM product_variants WHERE sku IS NOT NULL"
            ).fetchall()
        )
        self.kinds: dict[str, str] = dict(conn.execute("SELECT sku, kind FROM products"))

    def resolve(self, sku: str) -> tuple[str, str]:
        """Return (product SKU, kind) for a line's SKU.

        A variant SKU resolves to its product; an unknown SKU is its own product.
        """
        product_sku = self.product_of_variant.get(sku, sku)
        return product_sku, self.kinds.get(product_sku, "product")

    def classify_line(self, sku: str | None, title: str | None) -> tuple[str, str]:
        """Return (product key, kind) of an order line; kind is 'product', 'add_on'
        or 'non_product'.

        A line with a SKU takes its catalog item's kind, but a title such as
        "Shipping protection" makes it an add-on even when the catalog lists the
        SKU as a product or does not know it. A line without a SKU is keyed by its
        title, and the title decides whether it is an extra or a charge.
        """
        if sku:
            product_sku, kind = self.resolve(sku)
            if kind == "product" and is_add_on_title(title):
                kind = "add_on"
            return product_sku, kind
        title = title or ""
        return title, line_kind_from_title(title) or self.kinds.get(title, "product")

    def knows(self, product_sku: str) -> bool:
        """Return True when the catalog has the product or variant."""
        return product_sku in self.kinds or product_sku in self.product_of_variant


_IDENTIFIER_LIKE = re.compile(r"^[+-]?0\d|^\d{16,}$")
# Characters a number can be written with; anything else (letters, ':', '/') is text.
_NUMBER_LIKE = re.compile(r"^[-+(]?[$€£¥]?\s?[\d.,' \u00a0\u202f]+(?:[eE][-+]?\d+)?\s?[$€£¥]?[)-]?$")


def attribute_value(text: str, numbers: NumberParser) -> str | float | int:
    """Return a cell as a number when it is one, else as trimmed text.

    Codes with leading zeros (`00042`) and long digit strings (barcodes) stay text,
    so nothing about them changes.
    """
    value = text.strip()
    if not _NUMBER_LIKE.match(value) or _IDENTIFIER_LIKE.match(value):
        return value
    try:
        number = numbers.parse(value)
    except ValueError:
        return value
    if number is None:
        return value
    if number.is_integer() and abs(number) < 2**53 and "e" not in value.lower():
        return int(number)
    return number
