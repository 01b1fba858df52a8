"""Catalog lookups of the order and review importers.

Order lines name variant SKUs (`MUG-BLU-350`), but sales belong to the product
(`glaze-mug`). Lines without a SKU are often charges or extras, not products.
"""

from __future__ import annotations

import re
import sqlite3

from engine.importers.numbers import NumberParser

# Extras a customer adds to an order, kept as order lines of kind 'add_on'.
_ADD_ON = re.compile(
    r"\b(?:shipping protection|package protection|order protection|route protection|"
    r"tips?|gratuity|gift ?wrap(?:ping)?|gift box|insurance|donation|"
    r"versandschutz|trinkgeld|geschenkverpackung|spende)\b",
    re.IGNORECASE,
)
# Charges and corrections, kept as order lines of kind 'non_product'.
_CHARGE = re.compile(
    r"\b(?:shipping|postage|delivery|handling|fee|surcharge|discount|coupon|voucher|"
    r"refund|adjustment|correction|versand|porto|gebühr|rabatt|gutschein|korrektur)\b",
    re.IGNORECASE,
)


def line_kind_from_title(title: str) -> str | None:
    """Return 'add_on' or 'non_product' for a line title that names one, else None.

    Used only for lines without a SKU: "Shipping protection" and "Tip" are add-ons,
    "Shipping" and "Discount" are charges.
    """
    if _ADD_ON.search(title):
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
