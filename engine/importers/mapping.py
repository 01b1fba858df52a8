"""Fields of the generic CSV import, and the guess of the column for each field.

A spreadsheet of products, orders, reviews or customers in no known layout is read
through a mapping field → header. `guess_mapping` matches header names against the
common names of each field in English and German; the shop owner can correct the
guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.errors import ImportFileError
from engine.importers.context import header_key

KINDS = ("products", "orders", "reviews", "customers")


@dataclass(frozen=True)
class MappingField:
    """A field the generic import can fill from a column."""

    name: str
    label: str
    required: bool
    synonyms: tuple[str, ...]  # header keys, best match first (see `header_key`)
    help: str = ""


def _field(name, label, required, synonyms, help=""):
    return MappingField(name, label, required, tuple(synonyms), help)


PRODUCT_FIELDS = [
    _field("sku", "SKU", True, [
        "sku", "product sku", "variant sku", "seller sku", "item sku", "artikelnummer",
        "artikel nr", "artikelnr", "art nr", "artnr", "item code", "item number",
        "item no", "product code", "product number", "product id", "stock code",
        "stockcode", "article number", "reference", "ref", "model",
    ], "The product's own code; products are matched by it on the next import."),
    _field("name", "Name", True, [
        "name", "title", "product name", "product title", "item name", "item title",
        "bezeichnung", "artikelbezeichnung", "produktname", "artikelname", "product",
        "item", "designation",
    ]),
    _field("price", "Price", False, [
        "price", "unit price", "regular price", "retail price", "preis",
        "verkaufspreis", "vk preis", "amount", "price eur", "price usd", "price gbp",
        "preis eur", "sale price",
    ]),
    _field("category", "Category", False, [
        "category", "categories", "kategorie", "category1", "category path",
        "warengruppe", "product category", "produktkategorie", "product type", "type",
        "collection", "department",
    ]),
    _field("description", "Description", False, [
        "description", "description html", "body html", "product description",
        "long description", "beschreibung", "produktbeschreibung", "details", "body",
        "short description",
    ]),
    _field("currency", "Currency", False, ["currency", "währung", "waehrung", "devise"]),
    _field("image", "Photo URL", False, [
        "image", "image url", "image src", "image1 src", "image 1 src", "images",
        "main image", "main image url", "image link", "photo", "photo url", "picture",
        "bild", "bild url", "thumbnail",
    ], "A web address or file path of the product photo; several may be separated by commas."),
    _field("parent", "Product group", False, [
        "parent", "parent sku", "slug", "handle", "product handle", "parent id",
        "product group", "master sku",
    ], "Rows sharing this value after the first are variants of the first row's product."),
]

ORDER_FIELDS = [
    _field("order_id", "Order number", True, [
        "order id", "order", "order number", "order no", "order nr", "ordernumber",
        "order name", "order ref", "order reference", "bestellnummer", "bestellung",
        "bestell nr", "invoice", "invoice no", "invoiceno", "invoice number",
        "invoice id", "rechnungsnummer", "receipt", "receipt number", "transaction id",
    ]),
    _field("line_id", "Line id", False, [
        "line id", "line", "line no", "line number", "line item id", "order line id",
        "order item id", "position", "pos", "positionsnummer",
    ], "Without it, a line's position within its order in the file is its id."),
    _field("date", "Order date", False, [
        "date", "order date", "created at", "ordered at", "purchase date", "created",
        "timestamp", "invoice date", "invoicedate", "datum", "bestelldatum",
        "date created", "order created",
    ]),
    _field("customer_id", "Customer id", False, [
        "customer id", "customerid", "customer", "customer number", "customer no",
        "kundennummer", "kunde", "kunden nr", "client id", "buyer id", "user id",
    ]),
    _field("email", "Customer e-mail", False, [
        "email", "e mail", "customer email", "email address", "buyer email",
        "e mail adresse",
    ]),
    _field("customer_name", "Customer name", False, [
        "customer name", "billing name", "buyer name", "full name", "kundenname",
    ]),
    _field("sku", "SKU", False, [
        "sku", "item sku", "product sku", "lineitem sku", "variant sku", "artikelnummer",
        "item code", "product code", "stock code", "stockcode", "product id",
        "article number", "art nr",
    ], "SKU or item name: at least one is needed."),
    _field("item", "Item name", False, [
        "item", "item name", "product", "product name", "title", "lineitem name",
        "product title", "artikel", "bezeichnung", "description", "item description",
    ], "SKU or item name: at least one is needed."),
    _field("quantity", "Quantity", False, [
        "quantity", "qty", "menge", "anzahl", "units", "pieces", "stück", "stueck",
        "lineitem quantity", "count",
    ], "Without it, every line counts as quantity 1."),
    _field("unit_price", "Unit price", False, [
        "unit price", "price", "unitprice", "amount", "preis", "einzelpreis",
        "item price", "price each", "lineitem price", "unit cost", "sale price",
    ]),
    _field("line_total", "Line total", False, [
        "line total", "line amount", "total price", "line price", "gesamtpreis",
    ]),
    _field("total", "Order total", False, [
        "total", "order total", "grand total", "total amount", "gesamtsumme", "summe",
    ]),
    _field("currency", "Currency", False, ["currency", "währung", "waehrung", "devise"]),
    _field("status", "Order status", False, [
        "status", "order status", "financial status", "payment status",
    ]),
    _field("country", "Country", False, [
        "country", "ship country", "shipping country", "billing country", "land",
    ]),
]

REVIEW_FIELDS = [
    _field("sku", "SKU", False, [
        "sku", "product sku", "product id", "item sku", "artikelnummer", "item code",
        "product code",
    ]),
    _field("product", "Product name", False, [
        "product", "product name", "product title", "item", "item name", "produkt",
        "artikel",
    ]),
    _field("rating", "Rating (stars)", False, [
        "rating", "stars", "star rating", "rating value", "review rating", "score",
        "sterne",
    ]),
    _field("title", "Review title", False, [
        "title", "review title", "headline", "summary", "subject", "titel",
    ]),
    _field("body", "Review text", True, [
        "review", "text", "body", "review text", "review body", "review content",
        "comment", "comments", "content", "message", "kommentar", "bewertung",
        "rezension",
    ]),
    _field("date", "Review date", False, [
        "date", "review date", "reviewed at", "created at", "submitted at", "created",
        "date created", "datum",
    ]),
    _field("author", "Reviewer", False, [
        "author", "reviewer", "reviewer name", "nickname", "name", "customer name",
        "user", "username", "user name", "autor", "verfasser",
    ]),
]

CUSTOMER_FIELDS = [
    _field("customer_id", "Customer id", False, [
        "customer id", "customerid", "customer", "customer number", "customer no",
        "kundennummer", "kunde", "kunden nr", "client id", "buyer id", "user id", "id",
    ], "Customer id or e-mail: at least one is needed. Orders name customers by it."),
    _field("email", "E-mail", False, [
        "email", "e mail", "customer email", "email address", "buyer email",
        "e mail adresse",
    ], "Customer id or e-mail: at least one is needed."),
    _field("name", "Name", False, [
        "name", "customer name", "full name", "billing name", "buyer name",
        "kundenname",
    ]),
    _field("first_name", "First name", False, [
        "first name", "firstname", "given name", "vorname",
    ], "Used with the last name when the file has no full name column."),
    _field("last_name", "Last name", False, [
        "last name", "lastname", "surname", "family name", "nachname",
    ]),
    _field("country", "Country", False, [
        "country", "country code", "default address country code", "billing country",
        "shipping country", "land",
    ]),
]

GENERIC_FIELDS: dict[str, list[MappingField]] = {
    "products": PRODUCT_FIELDS,
    "orders": ORDER_FIELDS,
    "reviews": REVIEW_FIELDS,
    "customers": CUSTOMER_FIELDS,
}

# Fields of which at least one must be mapped, per kind.
ONE_OF_REQUIRED: dict[str, list[tuple[str, ...]]] = {
    "orders": [("sku", "item")],
    "customers": [("customer_id", "email")],
}


def guess_mapping(headers: list[str], kind: str) -> dict[str, str]:
    """Guess the header of each field of `kind`; return field → header.

    Each header is used for one field at most, and fields claim headers in the
    order of `GENERIC_FIELDS[kind]`.
    """
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(header_key(header), header)

    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field in GENERIC_FIELDS[kind]:
        for synonym in field.synonyms:
            header = by_key.get(synonym)
            if header is not None and header not in used:
                mapping[field.name] = header
                used.add(header)
                break
    return mapping


def missing_fields(kind: str, mapping: dict[str, str]) -> list[str]:
    """Return the labels of required fields that `mapping` leaves out."""
    missing = [
        field.label
        for field in GENERIC_FIELDS[kind]
        if field.required and field.name not in mapping
    ]
    labels = {field.name: field.label for field in GENERIC_FIELDS[kind]}
    for group in ONE_OF_REQUIRED.get(kind, []):
        if not any(name in mapping for name in group):
            missing.append(" or ".join(labels[name] for name in group))
    return missing


def guess_kind(headers: list[str]) -> tuple[str | None, dict[str, str]]:
    """Guess whether the columns hold orders, reviews, products or customers.

    Customers come last: order and review files also have customer columns.
    Returns the kind and its guessed mapping, or (None, {}) when no kind has its
    required fields.
    """
    for kind in ("orders", "reviews", "products", "customers"):
        mapping = guess_mapping(headers, kind)
        if _looks_like(kind, mapping):
            return kind, mapping
    return None, {}


def _looks_like(kind: str, mapping: dict[str, str]) -> bool:
    if missing_fields(kind, mapping):
        return False
    if kind == "reviews":
        # A "text" column alone is not enough; reviews also name a rating or product.
        return any(name in mapping for name in ("rating", "sku", "product"))
    return True


def check_mapping(path: Path, headers: list[str], kind: str, mapping: dict[str, str]) -> None:
    """Check a mapping given by the shop owner against the file's headers.

    Raises:
        ImportFileError: a field is unknown, a header is not in the file, or a
            required field is not mapped.
    """
    names = {field.name for field in GENERIC_FIELDS[kind]}
    for field_name, header in mapping.items():
        if field_name not in names:
            raise ImportFileError(
                path,
                f"'{field_name}' is not a field of {kind}",
                f"Use one of: {', '.join(sorted(names))}",
            )
        if header not in headers:
            shown = ", ".join(headers[:12]) + (" …" if len(headers) > 12 else "")
            raise ImportFileError(
                path,
                f"the column '{header}' chosen for {field_name} is not in the file",
                f"Choose one of its columns: {shown}",
            )
    missing = missing_fields(kind, mapping)
    if missing:
        raise ImportFileError(
            path,
            f"no column is chosen for {', '.join(missing)}",
            "Choose the column that contains it in the column mapping",
        )
