"""Large files: bounded memory, speed, cancel mid-file, and the full UCI data set.

The 2-million-line file is generated at test time in the layout of Shopify's orders
export (order fields on each order's first row only), with fresh order numbers.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from bench.datasets import REPO_ROOT, uci_online_retail
from engine.errors import CancelledError
from engine.importers import import_file
from engine.progress import CancelToken
from engine.store import open_store
from engine.store.queries import counts

SHOPIFY_HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Currency,Subtotal,Shipping,"
    "Taxes,Total,Discount Code,Discount Amount,Created at,Lineitem quantity,"
    "Lineitem name,Lineitem price,Lineitem sku,Billing Name,Refunded Amount,Id\n"
)
PRODUCTS = [
    ("MUG-BLU-250", "Glaze mug - Blue / 250 ml", "13.00"),
    ("MUG-BLU-350", "Glaze mug - Blue / 350 ml", "14.50"),
    ("MUG-GRN-250", "Glaze mug - Green / 250 ml", "13.00"),
    ("APR-LIN-1", "Linen apron", "32.00"),
    ("TOT-CNV-01", "Canvas tote", "22.00"),
    ("BWL-CAF-02", "Cafe au lait bowl", "18.00"),
    ("PLT-DIN-01", "Dinner plate", "16.00"),
]
# Resident memory the import of the 2-million-line file must stay below.
PEAK_RSS_LIMIT_MB = 500
# The child runs with its address space capped, like a small laptop would cap it.
ADDRESS_SPACE_LIMIT = 1024**3


def write_shopify_orders(path: Path, line_count: int) -> tuple[int, int]:
    """Write a Shopify-like orders export; return (orders, lines) written.

    Orders have 1 to 4 lines; the first row of each order carries the order fields.
    Customers come from a pool of 20,000 e-mail addresses; every 7th order is a
    guest order with a blank e-mail.
    """
    orders = lines = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(SHOPIFY_HEADER)
        chunk = []
        while lines < line_count:
            orders += 1
            size = min(1 + orders % 4, line_count - lines)
            email = "" if orders % 7 == 0 else f"buyer{orders % 20000}@example.test"
            status = "refunded" if orders % 23 == 0 else "paid"
            created = f"2024-{1 + orders % 12:02d}-{1 + orders % 28:02d} 10:{orders % 60:02d}:00 -0500"
            for position in range(size):
                sku, title, price = PRODUCTS[(orders + position) % len(PRODUCTS)]
                quantity = 1 + (orders + position) % 3
                if position == 0:
                    chunk.append(
                        f"#{orders},{email},{status},{created},fulfilled,USD,50.00,6.00,"
                        f"4.00,60.00,,,{created},{quantity},{title},{price},{sku},"
                        f"Buyer {orders % 20000},0.00,{5_550_000_000 + orders}\n"
                    )
                else:
                    chunk.append(
                        f"#{orders},{email},,,,,,,,,,,{created},{quantity},{title},{price},{sku},,,\n"
                    )
            lines += size
            if len(chunk) >= 10_000:
                out.write("".join(chunk))
                chunk = []
        out.write("".join(chunk))
    return orders, lines


CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from engine.importers import import_file
    from engine.store import open_store

    def peak_rss_mb():
        # The kernel's high-water mark of this process's own memory. ru_maxrss is not
        # used: after fork and exec it also counts the parent's size (pytest, 1.5 GB).
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    store = open_store(Path(sys.argv[2]), create=True)
    started = time.perf_counter()
    report = import_file(store, Path(sys.argv[1]))
    seconds = time.perf_counter() - started
    store.close()
    print(json.dumps({{
        "rows": report.rows_read,
        "imported": report.imported,
        "orders": report.counts["orders"],
        "skipped": report.skipped_total,
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
    }}))
    """
)


@pytest.mark.slow
def test_two_million_lines_bounded_memory(tmp_path):
    source = tmp_path / "orders_2m.csv"
    orders, lines = write_shopify_orders(source, 2_000_000)
    assert source.stat().st_size > 200 * 1024**2

    completed = subprocess.run(
        [sys.executable, "-c", CHILD.format(limit=ADDRESS_SPACE_LIMIT), str(source), str(tmp_path / "shop.db")],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=600,
    )

    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)
    print(
        f"\n{result['rows']:,} lines in {result['seconds']:.1f} s "
        f"({result['rows'] / result['seconds']:,.0f} lines/s), "
        f"peak RSS {result['peak_rss_mb']:.0f} MB"
    )
    assert result["rows"] == lines
    assert result["imported"] == lines
    assert result["orders"] == orders
    assert result["skipped"] == 0
    assert result["peak_rss_mb"] < PEAK_RSS_LIMIT_MB


def test_cancel_mid_file_rolls_back(store, tmp_path, cases):
    import_file(store, cases / "C01_products_utf8_bom.csv")
    source = tmp_path / "orders.csv"
    write_shopify_orders(source, 60_000)
    before = counts(store)
    token = CancelToken()
    fractions = []

    def on_progress(fraction: float, text: str) -> None:
        fractions.append(fraction)
        if fraction > 0.3:
            token.cancel()

    with pytest.raises(CancelledError):
        import_file(store, source, progress=on_progress, cancel=token)

    assert 0.3 < max(fractions) < 0.95
    assert counts(store).order_lines == 0
    assert counts(store).orders == 0
    assert counts(store).customers == 0
    assert counts(store).products == before.products
    runs = store.conn.execute("SELECT status FROM import_runs ORDER BY id").fetchall()
    assert runs == [("completed",), ("cancelled",)]
    assert store.conn.execute("SELECT count(*) FROM import_skipped_rows").fetchone()[0] == 0


def test_cancel_from_other_thread(store, tmp_path):
    source = tmp_path / "orders.csv"
    write_shopify_orders(source, 60_000)
    token = CancelToken()
    started = threading.Event()
    outcome = {}

    def work() -> None:
        with open_store(store.path) as own:
            try:
                import_file(own, source, progress=lambda f, t: started.set(), cancel=token)
            except CancelledError as error:
                outcome["error"] = error

    worker = threading.Thread(target=work)
    worker.start()
    assert started.wait(30)
    token.cancel()
    worker.join(60)

    assert isinstance(outcome.get("error"), CancelledError)
    assert counts(store).order_lines == 0
    status = store.conn.execute("SELECT status FROM import_runs").fetchone()[0]
    assert status == "cancelled"


@pytest.mark.slow
def test_full_uci_online_retail(store):
    source = uci_online_retail()
    if not source.is_file():
        pytest.fail(f"UCI Online Retail file not found at {source}")

    report = import_file(store, source)

    assert report.format == "uci_online_retail"
    assert report.rows_read == 516_384
    assert report.imported == 516_384
    assert report.skipped_total == 0
    assert report.counts["orders"] == 24_885
    assert report.counts["customers"] == 4_331
    assert report.counts["non_product_lines"] == 5_294
    assert report.counts["guest_lines"] == 127_216
    assert report.counts["cancellation_lines"] == 8_928
    cancellations = store.conn.execute("SELECT count(*) FROM orders WHERE is_cancellation = 1").fetchone()[0]
    assert cancellations == 3_690
    guests = store.conn.execute("SELECT count(*) FROM orders WHERE customer_id IS NULL").fetchone()[0]
    assert guests == 3_616
    assert store.conn.execute("SELECT count(*) FROM customers WHERE customer_id LIKE '%.0'").fetchone()[0] == 0
    shop = counts(store)
    assert shop.order_lines == 516_384
    assert shop.non_product_items == 14
    assert shop.products == 3_921
