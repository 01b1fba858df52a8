"""Location of the public data sets that tests and benchmarks read.

One setting points at them: the environment variable MERCHANT_ASSISTANT_DATA,
which defaults to ../shared/data beside the repository. The bad-input cases live in
the `cases` folder next to that data folder.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "MERCHANT_ASSISTANT_DATA"
REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return Path(os.environ.get(DATA_ENV) or REPO_ROOT.parent / "shared" / "data")


def cases_dir() -> Path:
    return data_dir().parent / "cases"


def uci_online_retail() -> Path:
    return data_dir() / "uci-online-retail" / "online_retail_2010-12_2011-11.csv.gz"


def luma_catalog_dir() -> Path:
    """Return the folder of the Magento 2 Luma catalog, photos and photo labels."""
    return data_dir() / "magento-luma-catalog"


def luma_reviews() -> Path:
    """Return the Luma sample reviews joined to the catalog's SKUs."""
    return data_dir() / "magento-luma-reviews" / "reviews_with_products.csv"
