"""The known export formats and how a file's headers select one."""

from __future__ import annotations

from engine.importers import (
    amazon,
    generic_customers,
    generic_orders,
    generic_products,
    generic_reviews,
    magento,
    magento_reviews,
    shopify_orders,
    shopify_products,
    shopify_reviews,
    uci_retail,
    woocommerce,
)
from engine.importers.context import ImportContext
from engine.importers.spec import FormatSpec

GENERIC = "generic"
GENERIC_LABEL = "Spreadsheet (CSV) with columns matched by name"
GENERIC_SOURCE = "csv"

# Most specific first: a Shopify products export also has "sku"-like columns.
KNOWN_FORMATS: tuple[FormatSpec, ...] = (
    shopify_products.FORMAT,
    shopify_orders.FORMAT,
    shopify_reviews.FORMAT,
    magento_reviews.FORMAT,
    woocommerce.FORMAT,
    magento.FORMAT,
    amazon.ORDERS_FORMAT,
    amazon.LISTINGS_FORMAT,
    uci_retail.FORMAT,
)
BY_KEY = {spec.key: spec for spec in KNOWN_FORMATS}

FORMATS: dict[str, str] = {spec.key: spec.label for spec in KNOWN_FORMATS}
FORMATS[GENERIC] = GENERIC_LABEL

GENERIC_IMPORTERS = {
    "products": generic_products.run,
    "orders": generic_orders.run,
    "reviews": generic_reviews.run,
    "customers": generic_customers.run,
}


def detect_format(keys: set[str]) -> FormatSpec | None:
    """Return the known format whose signature the header keys contain, or None."""
    for spec in KNOWN_FORMATS:
        if spec.matches(keys):
            return spec
    return None


def run_generic(kind: str, ctx: ImportContext) -> None:
    """Import a generic file of `kind` through its mapping."""
    GENERIC_IMPORTERS[kind](ctx)
