"""Import products, orders and reviews from CSV exports of shop systems.

`sniff(path)` looks at a file, and `import_file(store, path)` imports it and returns
an `ImportReport`. Known layouts (Shopify, WooCommerce, Magento, Amazon, UCI Online
Retail) are detected from the headers. Any other spreadsheet goes through a column
mapping guessed from its header names, which the caller may replace.
"""

from engine.importers.formats import FORMATS
from engine.importers.mapping import GENERIC_FIELDS, MappingField, guess_mapping, missing_fields
from engine.importers.report import FileSniff, ImportReport, SkippedRow
from engine.importers.runner import READ_SHARE, import_file
from engine.importers.sniff import sniff
from engine.importers.summary import describe_report

__all__ = [
    "FORMATS",
    "GENERIC_FIELDS",
    "READ_SHARE",
    "FileSniff",
    "ImportReport",
    "MappingField",
    "SkippedRow",
    "describe_report",
    "guess_mapping",
    "import_file",
    "missing_fields",
    "sniff",
]
