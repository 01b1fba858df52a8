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


def spoken_queries_dir() -> Path:
    """Return the folder of the spoken product queries (queries.csv and audio/)."""
    return data_dir() / "spoken-queries"


def pocketsphinx_speech_dir() -> Path:
    """Return the folder of pocketsphinx's real test recordings and transcripts."""
    return data_dir() / "pocketsphinx-test-speech"


def spoken_digits_dir() -> Path:
    """Return the folder of the free spoken digit dataset (8 kHz recordings)."""
    return data_dir() / "free-spoken-digit-dataset"


def uci_sentiment_sentences(source: str) -> Path:
    """Return the UCI labelled sentences of `source` ("amazon" or "yelp")."""
    name = {"amazon": "amazon_cells_labelled.txt", "yelp": "yelp_labelled.txt"}[source]
    return data_dir() / "uci-sentiment-labelled-sentences" / name


def clothing_reviews() -> Path:
    """Return the Women's E-Commerce Clothing Reviews CSV."""
    return data_dir() / "womens-ecommerce-clothing-reviews" / "reviews.csv"


def movielens_small() -> Path:
    """Return the folder of MovieLens latest-small (ratings.csv, movies.csv)."""
    return data_dir() / "movielens" / "ml-latest-small"


def groceries_baskets() -> Path:
    """Return the Groceries market-basket file, one comma-separated basket a line."""
    return data_dir() / "groceries-market-basket" / "groceries.csv"
