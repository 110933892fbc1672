"""Sales-record import at scale: 100,000 device rows through the product's import vs a raw bulk_create.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/opsdata_bench .venv/bin/python -m tests.bench.bench_import
It creates a throwaway database ``<db>_import``, 40 product models and 20,000 buyers, writes a 100k-row
UTF-8-BOM CSV as a brand exports it (IMEI, model code, 2025/3/4 dates, invoice, channel label, buyer
phone), then measures:

- raw: ``Device.objects.bulk_create`` of the same 100k rows, already parsed, in batches of 2,000;
- product: the file through the admin's path (``import_job_create`` = stored upload + row count + the
  dry run that checks every row, then ``import_job_confirm`` = the all-or-nothing import through
  ``devices_register_many``), timed per phase;

in alternating rounds (``BENCH_IMPORT_ROUNDS``, default 2: raw, product, raw, product) with the load
average before each, and prints rows/s of both per round and their medians, the ratio (goal: the import
phase at least 50 % of raw) and the process's peak memory before and after the product runs (streamed: it
should not grow with the file).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import statistics
import tempfile
import time

from tests.bench._pg import BenchDatabase

N_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
ROUNDS = int(os.environ.get("BENCH_IMPORT_ROUNDS", "2"))
N_MODELS = 40
N_BUYERS = 20_000
CHANNELS = ["线上商城", "线下门店", "运营商", "经销商"]


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    db = BenchDatabase.create("import")
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: F401  (Django set up above)
    from django.core.management import call_command
    from django.db import connection

    from tests.factories import make_imei
    from tickets.importing import jobs
    from tickets.importing.jobs import import_job_create
    from tickets.models import Customer, DataJob, Device, ProductModel

    try:
        call_command("migrate", verbosity=0)
        from django.contrib.auth import get_user_model

        admin = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
        models = ProductModel.objects.bulk_create([
            ProductModel(brand="华星", name=f"P{i}", code=f"P{i:03d}", category="phone", uses_imei=True)
            for i in range(N_MODELS)])
        buyers = Customer.objects.bulk_create([
            Customer(name=f"客户{i}", phone=f"139{i:08d}") for i in range(N_BUYERS)])
        rng = random.Random(5)
        rows = []
        for i in range(N_ROWS):
            day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 600))
            rows.append((make_imei(i + 1), models[i % N_MODELS], day, f"INV{i:08d}", rng.choice(CHANNELS),
                         buyers[rng.randrange(N_BUYERS)]))
        path = tempfile.NamedTemporaryFile(suffix=".csv", delete=False).name
        with open(path, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["序列号/IMEI", "产品型号代码", "购买日期", "发票号", "销售渠道", "买家电话"])
            for serial, model, day, invoice, channel, buyer in rows:
                writer.writerow([serial, model.code, f"{day.year}/{day.month}/{day.day}", invoice, channel, buyer.phone])
        size_mb = os.path.getsize(path) / 1024 / 1024
        print(f"file: {N_ROWS:,} rows, {size_mb:.1f} MB (UTF-8 with BOM)")

        channel_codes = dict(zip(CHANNELS, ["online", "store", "operator", "distributor"], strict=True))

        def raw_round() -> float:
            # raw bulk_create of the same rows, parsed beforehand (the floor any import pays)
            t0 = time.perf_counter()
            batch = []
            for serial, model, day, invoice, channel, buyer in rows:
                batch.append(Device(product_model=model, owner=buyer, serial_number=serial, purchase_date=day,
                                    invoice_date=day, invoice_number=invoice, sales_channel=channel_codes[channel]))
                if len(batch) == 2000:
                    Device.objects.bulk_create(batch)
                    batch = []
            if batch:
                Device.objects.bulk_create(batch)
            elapsed = time.perf_counter() - t0
            assert Device.objects.count() == N_ROWS
            return elapsed

        def product_round() -> tuple[float, float]:
            with open(path, "rb") as handle:
                upload = SimpleUploadedFile("sales.csv", handle.read())
            t0 = time.perf_counter()
            job = import_job_create(target="tickets.device", upload=upload, by=admin, mode=DataJob.Mode.ALL)
            check_s = time.perf_counter() - t0
            assert job.status == DataJob.Status.VALIDATED, job.report.get("file_error")
            assert job.report["valid"] == N_ROWS, job.report["errors"][:3]
            t0 = time.perf_counter()
            job = jobs.import_job_confirm(job=job, by=admin, mode=DataJob.Mode.ALL)
            import_s = time.perf_counter() - t0
            assert job.status == DataJob.Status.DONE, job.report
            assert Device.objects.count() == N_ROWS
            return check_s, import_s

        def clear() -> None:
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE tickets_device CASCADE")
                cursor.execute("VACUUM ANALYZE tickets_device")

        def load() -> str:
            return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())

        # Alternating rounds (raw, product, raw, product, ...) so that a load that changes during the run
        # (the machine is shared) weighs on both sides alike; each round starts from an empty table.
        raws, imports, checks = [], [], []
        before_rss, before_peak = _rss_mb(), _peak_rss_mb()
        for n in range(1, ROUNDS + 1):
            print(f"round {n}: {load()}")
            raw_s = raw_round()
            clear()
            raws.append(N_ROWS / raw_s)
            print(f"  raw bulk_create: {raw_s:.1f} s, {N_ROWS / raw_s:,.0f} rows/s")
            print(f"round {n}: {load()}")
            check_s, import_s = product_round()
            clear()
            imports.append(N_ROWS / import_s)
            checks.append(N_ROWS / check_s)
            print(f"  product, check (upload stored, rows counted, every row checked): {check_s:.1f} s, "
                  f"{N_ROWS / check_s:,.0f} rows/s")
            print(f"  product, import (all-or-nothing, devices_register_many): {import_s:.1f} s, "
                  f"{N_ROWS / import_s:,.0f} rows/s; ratio import/raw {imports[-1] / raws[-1]:.0%}")
        raw_rate, import_rate, check_rate = (statistics.median(x) for x in (raws, imports, checks))
        total_rate = 1 / (1 / import_rate + 1 / check_rate)
        print(f"median of {ROUNDS} rounds: raw bulk_create {raw_rate:,.0f} rows/s; product import "
              f"{import_rate:,.0f} rows/s; product check {check_rate:,.0f} rows/s; check + import "
              f"{total_rate:,.0f} rows/s")
        print(f"ratio import/raw: {import_rate / raw_rate:.0%} (goal >= 50%); check+import/raw: "
              f"{total_rate / raw_rate:.0%}; {load()}")
        print(f"memory: RSS {before_rss:.0f} MB before, {_rss_mb():.0f} MB after; peak {before_peak:.0f} MB "
              f"before, {_peak_rss_mb():.0f} MB after (the file itself is {size_mb:.0f} MB)")
        os.unlink(path)
    finally:
        db.drop()


if __name__ == "__main__":
    main()
