"""Ticket export at scale: 1,000,000 tickets to CSV and XLSX with flat memory.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/opsdata_bench .venv/bin/python -m tests.bench.bench_export
(BENCH_EXPORT_ROWS=... for another size; BENCH_EXPORT_XLSX=0 to skip the XLSX run). It creates a
throwaway database ``<db>_export``, inserts the tickets (with customers and devices) in SQL, then
streams the manager's ticket export (every column, charge, parts, SLA, satisfaction, as the admin does)
and prints rows/s, the number of queries and the process's resident memory after 10 % of the rows and
at the end: with rows streamed from a server-side cursor in chunks and written as they come, the two
are the same whatever the row count.
"""

from __future__ import annotations

import os
import tempfile
import time

from tests.bench._pg import BenchDatabase

N_ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "1000000"))
WITH_XLSX = os.environ.get("BENCH_EXPORT_XLSX", "1") != "0"


def _status(key: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to the current RSS (Linux)
    except OSError:
        pass


class _Meter:
    """Counts rows and samples resident memory at 10 % and at the end."""

    def __init__(self, total: int):
        self.total = total
        self.at_tenth = 0.0

    def rows(self, rows):
        for n, row in enumerate(rows, 1):
            if n == max(1, self.total // 10):
                self.at_tenth = _status("VmRSS:")
            yield row


def main() -> None:
    db = BenchDatabase.create("export")
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.bench.datagen import generate_sql
    from tickets import exporting
    from tickets.resources import TicketExporter

    try:
        call_command("migrate", verbosity=0)
        t0 = time.perf_counter()
        generate_sql(N_ROWS, technician_ids=[], seed=4)
        print(f"data: {N_ROWS:,} tickets inserted in {time.perf_counter() - t0:.0f} s")
        exporter = TicketExporter()

        _reset_peak()
        base = _status("VmRSS:")
        meter = _Meter(N_ROWS)
        size = 0
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            for chunk in exporting.csv_chunks(exporter.header(), meter.rows(exporter.rows()), encoding="utf-8"):
                size += len(chunk)
        elapsed = time.perf_counter() - t0
        print(f"CSV (UTF-8 with BOM): {N_ROWS:,} rows, {size / 1024 / 1024:.0f} MB in {elapsed:.1f} s, "
              f"{N_ROWS / elapsed:,.0f} rows/s, {len(queries)} queries")
        print(f"  memory: RSS {base:.0f} MB before, {meter.at_tenth:.0f} MB at 10 %, {_status('VmRSS:'):.0f} MB "
              f"at the end, peak {_status('VmHWM:'):.0f} MB")

        if WITH_XLSX:
            _reset_peak()
            base = _status("VmRSS:")
            meter = _Meter(N_ROWS)
            t0 = time.perf_counter()
            with tempfile.TemporaryFile() as out:
                exporting.xlsx_write(out, exporter.header(), meter.rows(exporter.rows()), title="工单")
                size = out.tell()
            elapsed = time.perf_counter() - t0
            print(f"XLSX (write-only, user cells as text): {N_ROWS:,} rows, {size / 1024 / 1024:.0f} MB in "
                  f"{elapsed:.1f} s, {N_ROWS / elapsed:,.0f} rows/s")
            print(f"  memory: RSS {base:.0f} MB before, {meter.at_tenth:.0f} MB at 10 %, "
                  f"{_status('VmRSS:'):.0f} MB at the end, peak {_status('VmHWM:'):.0f} MB")
    finally:
        db.drop()


if __name__ == "__main__":
    main()
