"""SQLite schema of a shop file and its migrations.

This module alone creates and changes tables. `PRAGMA user_version` stores the schema
version. Each migration runs in its own transaction and increments it by one.

Conventions:
- Every identifier from the shop (SKU, order number, customer id) is TEXT, so
  `00042` and `42` stay two different products.
- Times are ISO 8601 text. A time that came with a UTC offset keeps it.
- JSON columns (attributes, options, metrics, mapping, values) hold text from
  `json.dumps`.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

SCHEMA_V1 = """
CREATE TABLE import_runs (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_path TEXT NOT NULL,
    file_sha256 TEXT,
    file_size INTEGER,
    format TEXT,
    encoding TEXT,
    delimiter TEXT,
    decimal_comma INTEGER NOT NULL DEFAULT 0,
    mapping TEXT,
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'completed', 'failed', 'cancelled', 'interrupted')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    rows_read INTEGER NOT NULL DEFAULT 0,
    imported INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    summary TEXT,
    message TEXT,
    -- The importing process. A 'running' run whose process is gone was interrupted.
    pid INTEGER
);

CREATE TABLE import_skipped_rows (
    id INTEGER PRIMARY KEY,
    import_run_id INTEGER NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE,
    row_number INTEGER NOT NULL,
    reason TEXT NOT NULL,
    raw_values TEXT NOT NULL
);
CREATE INDEX idx_import_skipped_rows_run ON import_skipped_rows(import_run_id);

CREATE TABLE products (
    sku TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT,
    category TEXT,
    price REAL,
    currency TEXT,
    attributes TEXT,
    -- Written with OR, not IN: SQLite 3.40 evaluates IN (...) about twice as slowly
    -- per inserted row, which showed in imports of 500k order lines.
    kind TEXT NOT NULL DEFAULT 'product'
        CHECK (kind = 'product' OR kind = 'non_product' OR kind = 'add_on'),
    source TEXT NOT NULL,
    import_run_id INTEGER REFERENCES import_runs(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE product_variants (
    variant_key TEXT PRIMARY KEY,
    product_sku TEXT NOT NULL REFERENCES products(sku) ON DELETE CASCADE,
    sku TEXT,
    title TEXT,
    options TEXT,
    price REAL,
    stock REAL,
    problem TEXT,
    source TEXT NOT NULL,
    import_run_id INTEGER REFERENCES import_runs(id) ON DELETE SET NULL
);
CREATE INDEX idx_product_variants_product ON product_variants(product_sku);
CREATE UNIQUE INDEX idx_product_variants_sku ON product_variants(sku) WHERE sku IS NOT NULL;

CREATE TABLE product_photos (
    id INTEGER PRIMARY KEY,
    product_sku TEXT REFERENCES products(sku) ON DELETE SET NULL,
    location TEXT NOT NULL,
    position INTEGER,
    alt_text TEXT,
    width INTEGER,
    height INTEGER,
    sha256 TEXT,
    source TEXT NOT NULL,
    import_run_id INTEGER REFERENCES import_runs(id) ON DELETE SET NULL,
    added_at TEXT NOT NULL,
    UNIQUE (product_sku, location)
);

CREATE TABLE customers (
    customer_id TEXT PRIMARY KEY,
    name TEXT,
    email TEXT,
    country TEXT,
    source TEXT NOT NULL,
    import_run_id INTEGER REFERENCES import_runs(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    order_id TEXT NOT NULL,
    customer_id TEXT REFERENCES customers(customer_id) ON DELETE SET NULL,
    ordered_at TEXT,
    status TEXT,
    is_cancellation INTEGER NOT NULL DEFAULT 0,
    currency TEXT,
    total REAL,
    country TEXT,
    import_run_id INTEGER REFERENCES import_runs(id) ON DELETE SET NULL,
    UNIQUE (source, order_id)
);
CREATE INDEX idx_orders_customer ON orders(customer_id);
CREATE INDEX idx_orders_ordered_at ON orders(ordered_at);

CREATE TABLE order_lines (
    order_ref INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    line_id TEXT NOT NULL,
    sku TEXT,
    product_sku TEXT,
    title TEXT,
    quantity REAL NOT NULL,
    unit_price REAL,
    line_total REAL,
    -- Written with OR, not IN: SQLite 3.40 evaluates IN (...) about twice as slowly
    -- per inserted row, which showed in imports of 500k order lines.
    kind TEXT NOT NULL DEFAULT 'product'
        CHECK (kind = 'product' OR kind = 'non_product' OR kind = 'add_on'),
    import_run_id INTEGER REFERENCES import_runs(id) ON DELETE SET NULL,
    PRIMARY KEY (order_ref, line_id)
) WITHOUT ROWID;
CREATE INDEX idx_order_lines_product ON order_lines(product_sku);

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    review_key TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    product_sku TEXT,
    product_title TEXT,
    rating REAL,
    title TEXT,
    body TEXT,
    author TEXT,
    reviewed_at TEXT,
    import_run_id INTEGER REFERENCES import_runs(id) ON DELETE SET NULL
);
CREATE INDEX idx_reviews_product ON reviews(product_sku);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    photo_id INTEGER REFERENCES product_photos(id) ON DELETE CASCADE,
    product_sku TEXT REFERENCES products(sku) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    confidence REAL,
    origin TEXT NOT NULL DEFAULT 'model' CHECK (origin IN ('model', 'user')),
    created_at TEXT NOT NULL
);
CREATE INDEX idx_tags_photo ON tags(photo_id);

CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    trained_at TEXT NOT NULL,
    metrics TEXT,
    file TEXT,
    is_active INTEGER NOT NULL DEFAULT 0,
    UNIQUE (name, version)
);
"""


def _execute_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would commit the migration's open transaction, so the
    # statements run one by one. Comments in the script must not contain ';'.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    _execute_script(conn, SCHEMA_V1)


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    # Order exports carry columns the orders table has no place for (shipping,
    # taxes, notes, discount codes). They are kept per order as JSON, so an import
    # never drops what the shop owner exported.
    conn.execute("ALTER TABLE orders ADD COLUMN attributes TEXT")


# Version 3: trained models and what each feature keeps between runs. Each
# feature's tables are in their own block.

MODELS_V3 = """
-- One row per training attempt. A 'running' row whose process is gone was
-- interrupted, and the model in use stays the one that was active before it.
CREATE TABLE training_runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'completed', 'failed', 'cancelled', 'interrupted')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    pid INTEGER,
    message TEXT,
    metrics TEXT
);
CREATE INDEX idx_training_runs_kind ON training_runs(kind, started_at);
ALTER TABLE models ADD COLUMN training_run_id INTEGER
    REFERENCES training_runs(id) ON DELETE SET NULL;
CREATE INDEX idx_models_kind ON models(kind, is_active)
"""

RECOMMEND_V3 = """
-- Products the owner marks as bought again and again (coffee, refills): they stay
-- in a customer's recommendations after the customer has bought them.
ALTER TABLE products ADD COLUMN rebuyable INTEGER NOT NULL DEFAULT 0
"""

VISION_V3 = """
-- Image embeddings keyed by the photo's content, so a renamed or re-imported
-- photo is not computed twice.
CREATE TABLE photo_embeddings (
    sha256 TEXT NOT NULL,
    model TEXT NOT NULL,
    dimensions INTEGER NOT NULL,
    vector BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (sha256, model)
) WITHOUT ROWID;
CREATE INDEX idx_product_photos_sha256 ON product_photos(sha256);
-- status: 'suggested' is proposed by a model, 'accepted' is confirmed or added by
-- the owner, 'removed' is rejected by the owner (kept so training learns from it).
ALTER TABLE tags ADD COLUMN status TEXT NOT NULL DEFAULT 'suggested'
    CHECK (status IN ('suggested', 'accepted', 'removed'));
ALTER TABLE tags ADD COLUMN updated_at TEXT;
CREATE INDEX idx_tags_value ON tags(kind, value)
"""

REVIEWS_V3 = """
ALTER TABLE reviews ADD COLUMN replied_at TEXT;
-- The latest prediction per review and model. label is 'positive', 'neutral',
-- 'negative', 'no_text' (empty or number-only text, counted by its stars only) or
-- 'language_not_covered' (scored from emoji alone when it has any).
CREATE TABLE review_predictions (
    review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    label TEXT NOT NULL,
    score REAL,
    language TEXT,
    predicted_at TEXT NOT NULL,
    PRIMARY KEY (review_id, model)
) WITHOUT ROWID;
-- The owner's corrections, used as labels by the next training.
CREATE TABLE review_corrections (
    review_id INTEGER PRIMARY KEY REFERENCES reviews(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    corrected_at TEXT NOT NULL
);
-- Sentences of each review with their sentiment, for aspects and drill-down.
-- label is 'positive', 'neutral' or 'negative'. score is P(positive).
CREATE TABLE review_sentences (
    review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    label TEXT NOT NULL,
    score REAL NOT NULL,
    model TEXT NOT NULL,
    PRIMARY KEY (review_id, position)
) WITHOUT ROWID;
-- Aspect topics: mined from reviews (origin 'model') or added by the owner.
CREATE TABLE review_topics (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    terms TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT 'model' CHECK (origin IN ('model', 'user')),
    created_at TEXT NOT NULL
);
CREATE INDEX idx_reviews_reviewed_at ON reviews(reviewed_at)
"""

VOICE_V3 = """
-- Full-text index of the catalog for typed and spoken search. The search module
-- rebuilds it when the catalog has changed.
CREATE VIRTUAL TABLE product_search USING fts5(
    sku UNINDEXED, title, description, category, tags,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE search_index_state (
    name TEXT PRIMARY KEY,
    signature TEXT NOT NULL,
    built_at TEXT NOT NULL
)
"""


def _migrate_to_3(conn: sqlite3.Connection) -> None:
    for script in (MODELS_V3, RECOMMEND_V3, VISION_V3, REVIEWS_V3, VOICE_V3):
        _execute_script(conn, script)


# Version 4: sales per product and revenue per month, kept up to date, so the
# Overview reads a few thousand rows instead of every order line. They count as
# engine.store.queries does: product lines with a SKU, and orders whose status is
# not refunded, voided or cancelled (lower-cased). An order's revenue is its total,
# else the sum of its line totals. The triggers keep both tables exact for every
# write. The orders importer drops them inside its transaction, updates the tables
# itself (engine.store.sales_summary) and creates them again before it commits,
# because the triggers cost about 7 µs per inserted line.

SALES_SUMMARY_V4 = """
CREATE TABLE product_sales (
    product_sku TEXT PRIMARY KEY,
    lines INTEGER NOT NULL,
    quantity REAL NOT NULL,
    -- NULL while none of the product's lines has a line total, as sum() gives.
    revenue REAL,
    priced_lines INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX idx_product_sales_revenue ON product_sales(revenue DESC, product_sku);
CREATE TABLE monthly_revenue (
    -- substr(ordered_at, 1, 7): the month written in the order's own time.
    month TEXT PRIMARY KEY,
    orders INTEGER NOT NULL,
    revenue REAL NOT NULL
) WITHOUT ROWID
"""

# Pieces of the triggers' SQL. {row} is NEW or OLD, {sign} is 1 or -1.
_COUNTED_STATUS = (
    "coalesce(lower({status}), '') NOT IN ('refunded', 'voided', 'cancelled', 'canceled')"
)
_COUNTED_ORDER = (
    "EXISTS (SELECT 1 FROM orders o WHERE o.id = {row}.order_ref AND "
    + _COUNTED_STATUS.format(status="o.status")
    + ")"
)
_PRODUCT_LINE = "{row}.kind = 'product' AND {row}.product_sku IS NOT NULL"
_ADD_PRODUCT_SALES = """
ON CONFLICT (product_sku) DO UPDATE SET
    lines = lines + excluded.lines,
    quantity = quantity + excluded.quantity,
    revenue = CASE WHEN priced_lines + excluded.priced_lines > 0
                   THEN coalesce(revenue, 0) + coalesce(excluded.revenue, 0) END,
    priced_lines = priced_lines + excluded.priced_lines"""
_ADD_MONTH = """
ON CONFLICT (month) DO UPDATE SET
    orders = orders + excluded.orders, revenue = revenue + excluded.revenue"""


def _line_sales(row: str, sign: int) -> str:
    """Add (sign 1) or remove (sign -1) one line's sales when its order counts."""
    return (
        "INSERT INTO product_sales (product_sku, lines, quantity, revenue, priced_lines) "
        f"SELECT {row}.product_sku, {sign}, {sign} * {row}.quantity, "
        f"{sign} * {row}.line_total, {sign} * ({row}.line_total IS NOT NULL) "
        f"WHERE {_PRODUCT_LINE.format(row=row)} AND {_COUNTED_ORDER.format(row=row)}"
        f"{_ADD_PRODUCT_SALES};\n"
        f"DELETE FROM product_sales WHERE product_sku = {row}.product_sku AND lines <= 0;\n"
    )


def _order_sales(row: str, sign: str) -> str:
    """Add or remove the sales of all lines of an order; `sign` is an SQL expression."""
    return (
        "INSERT INTO product_sales (product_sku, lines, quantity, revenue, priced_lines) "
        f"SELECT product_sku, {sign} * count(*), {sign} * total(quantity), "
        f"{sign} * sum(line_total), {sign} * count(line_total) FROM order_lines "
        f"WHERE {sign} != 0 AND order_ref = {row}.id AND kind = 'product' "
        f"AND product_sku IS NOT NULL GROUP BY product_sku{_ADD_PRODUCT_SALES};\n"
        "DELETE FROM product_sales WHERE lines <= 0 AND product_sku IN "
        f"(SELECT product_sku FROM order_lines WHERE order_ref = {row}.id);\n"
    )


def _line_month(row: str, sign: int) -> str:
    """Add or remove a line total in its order's month when the order has no total."""
    return (
        "INSERT INTO monthly_revenue (month, orders, revenue) "
        f"SELECT substr(o.ordered_at, 1, 7), 0, {sign} * {row}.line_total "
        f"FROM orders o WHERE o.id = {row}.order_ref AND {row}.line_total IS NOT NULL "
        "AND o.total IS NULL AND o.ordered_at IS NOT NULL AND "
        f"{_COUNTED_STATUS.format(status='o.status')}{_ADD_MONTH};\n"
    )


def _order_month(row: str, sign: int) -> str:
    """Add or remove an order in its month: its total, else the sum of its lines."""
    return (
        "INSERT INTO monthly_revenue (month, orders, revenue) "
        f"SELECT substr({row}.ordered_at, 1, 7), {sign}, {sign} * coalesce({row}.total, "
        f"(SELECT total(line_total) FROM order_lines WHERE order_ref = {row}.id), 0) "
        f"WHERE {row}.ordered_at IS NOT NULL AND "
        f"{_COUNTED_STATUS.format(status=row + '.status')}{_ADD_MONTH};\n"
        "DELETE FROM monthly_revenue "
        f"WHERE month = substr({row}.ordered_at, 1, 7) AND orders <= 0;\n"
    )


# Name prefix of the triggers that keep product_sales and monthly_revenue.
SALES_SUMMARY_TRIGGER_PREFIX = "sales_summary_"

# Lines deleted by the ON DELETE CASCADE of their order no longer see the order,
# so their triggers do nothing: the order's BEFORE DELETE trigger removed them.
SALES_SUMMARY_TRIGGERS_V4 = {
    "line_insert": "AFTER INSERT ON order_lines BEGIN\n"
    + _line_sales("NEW", 1)
    + _line_month("NEW", 1)
    + "END",
    "line_delete": "AFTER DELETE ON order_lines BEGIN\n"
    + _line_sales("OLD", -1)
    + _line_month("OLD", -1)
    + "END",
    "line_update": "AFTER UPDATE OF order_ref, product_sku, quantity, line_total, kind "
    "ON order_lines BEGIN\n"
    + _line_sales("OLD", -1)
    + _line_month("OLD", -1)
    + _line_sales("NEW", 1)
    + _line_month("NEW", 1)
    + "END",
    "order_insert": "AFTER INSERT ON orders BEGIN\n"
    + _order_sales(
        "NEW", f"(CASE WHEN {_COUNTED_STATUS.format(status='NEW.status')} THEN 1 ELSE 0 END)"
    )
    + _order_month("NEW", 1)
    + "END",
    "order_delete": "BEFORE DELETE ON orders BEGIN\n"
    + _order_sales(
        "OLD", f"(CASE WHEN {_COUNTED_STATUS.format(status='OLD.status')} THEN -1 ELSE 0 END)"
    )
    + _order_month("OLD", -1)
    + "END",
    "order_update": "AFTER UPDATE OF id, ordered_at, status, total ON orders BEGIN\n"
    + _order_sales(
        "OLD", f"(CASE WHEN {_COUNTED_STATUS.format(status='OLD.status')} THEN -1 ELSE 0 END)"
    )
    + _order_month("OLD", -1)
    + _order_sales(
        "NEW", f"(CASE WHEN {_COUNTED_STATUS.format(status='NEW.status')} THEN 1 ELSE 0 END)"
    )
    + _order_month("NEW", 1)
    + "END",
}


def sales_summary_trigger_sql() -> list[str]:
    """Return the CREATE TRIGGER statements that keep the sales summary tables."""
    return [
        f"CREATE TRIGGER {SALES_SUMMARY_TRIGGER_PREFIX}{name} {body}"
        for name, body in SALES_SUMMARY_TRIGGERS_V4.items()
    ]


def _migrate_to_4(conn: sqlite3.Connection) -> None:
    from engine.store.sales_summary import rebuild

    _execute_script(conn, SALES_SUMMARY_V4)
    # Trigger bodies contain ';', which _execute_script would split.
    for statement in sales_summary_trigger_sql():
        conn.execute(statement)
    rebuild(conn)


# MIGRATIONS[i] moves a shop file from schema version i to i + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migrate_to_1,
    _migrate_to_2,
    _migrate_to_3,
    _migrate_to_4,
]
LATEST_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations, each in its own transaction; return the new version.

    Raises:
        ValueError: the file's version is newer than this code supports.
    """
    version = schema_version(conn)
    if version > LATEST_VERSION:
        raise ValueError(f"schema version {version} is newer than {LATEST_VERSION}")

    for target in range(version + 1, LATEST_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[target - 1](conn)
            conn.execute(f"PRAGMA user_version = {target}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return LATEST_VERSION
