"""Load Chinese public holidays and make-up working days (调休) from the chinesecalendar library into
the editable calendar table, and report years that still have no calendar."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tickets.calendar import library_years, years_without_calendar
from tickets.sla.services import calendar_load_library


class Command(BaseCommand):
    help = "从 chinesecalendar 库加载法定节假日与调休到节假日日历表（幂等；人工录入的日期不会被覆盖）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", dest="years",
                            help="only this year (repeatable); default: every year the library covers")
        parser.add_argument("--overwrite", action="store_true",
                            help="update library rows that differ from the library (manual rows are kept)")

    def handle(self, *args, years=None, overwrite=False, **options):
        result = calendar_load_library(years=years, overwrite=overwrite)
        covered = library_years()
        self.stdout.write(f"library covers {covered[0]}–{covered[-1]}; created {result['created']}, "
                          f"updated {result['updated']}")
        missing = years_without_calendar()
        if missing:
            self.stdout.write(self.style.WARNING(
                f"no calendar yet for {', '.join(map(str, missing))}: enter it in the admin "
                "(节假日日历 → 录入节假日日历)"))
