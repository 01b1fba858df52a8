"""Description of one known export format: how to recognise it and how to import it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from engine.importers.context import ImportContext, header_key


@dataclass(frozen=True)
class FormatSpec:
    """A known export layout.

    Attributes:
        key: the name in `FORMATS` and in import runs, e.g. "shopify_orders".
        label: the name shown to the shop owner.
        kind: "products", "orders" or "reviews".
        source: stored in the `source` column of what it imports; orders are
            deduplicated per source, so a Shopify order #1001 and a WooCommerce
            order #1001 stay two orders.
        signature: header keys that identify the layout; every group needs one of
            its keys present.
        fields: field → header keys, for the mapping shown in the report.
        run: imports the rows of an `ImportContext`.
    """

    key: str
    label: str
    kind: str
    source: str
    signature: tuple[tuple[str, ...], ...]
    fields: tuple[tuple[str, tuple[str, ...]], ...]
    run: Callable[[ImportContext], None]

    def matches(self, keys: set[str]) -> bool:
        """Return True when the header keys contain the layout's signature."""
        return all(any(key in keys for key in group) for group in self.signature)

    def missing_headers(self, keys: set[str]) -> list[str]:
        """Return one expected header key per signature group that has none present."""
        return [group[0] for group in self.signature if not any(key in keys for key in group)]

    def mapping_for(self, headers: list[str]) -> dict[str, str]:
        """Return field → header for the fields this file has."""
        by_key: dict[str, str] = {}
        for header in headers:
            by_key.setdefault(header_key(header), header)
        mapping: dict[str, str] = {}
        for field, keys in self.fields:
            for key in keys:
                if key in by_key:
                    mapping[field] = by_key[key]
                    break
        return mapping
