"""The fault taxonomy, SLA policies and the holiday calendar by import; product models for sales files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories
from tests.dataio.helpers import csv_bytes, errors_by_line, run
from tickets.models import CalendarDay, FaultCategory, ProductModel, SlaPolicy
from tickets.resources import (
    CalendarDayImporter,
    FaultCategoryImporter,
    ProductModelImporter,
    SlaPolicyImporter,
)

pytestmark = pytest.mark.django_db


def test_fault_taxonomy_with_parents_in_the_same_file(ops_user):
    data = csv_bytes([["分类代码", "分类名称", "上级分类代码", "处理部门", "默认优先级", "适用品类", "关键词"],
                      ["hardware", "硬件故障", "", "硬件维修", "普通", "手机、平板", ""],
                      ["screen-broken", "屏幕损坏", "hardware", "", "高", "手机", "碎屏、花屏，触摸失灵"]])
    report = run(FaultCategoryImporter, data, by=ops_user)
    assert (report.created, report.failed) == (2, 0), report.errors
    screen = FaultCategory.objects.get(code="screen-broken")
    assert screen.parent.code == "hardware"
    assert screen.keywords == ["碎屏", "花屏", "触摸失灵"]
    assert screen.default_priority == "high"
    assert FaultCategory.objects.get(code="hardware").product_categories == ["phone", "tablet"]


def test_fault_taxonomy_errors(ops_user):
    data = csv_bytes([["分类代码", "分类名称", "上级分类代码", "处理部门"],
                      ["a", "甲", "nowhere", "火星部"], ["b", "乙", "b", ""]])
    errors = errors_by_line(run(FaultCategoryImporter, data, by=ops_user))
    assert {c for c, _r in errors[2]} == {"上级分类代码", "处理部门"}
    assert ("上级分类代码", "上级分类不能是它自己") in errors[3]


def test_sla_policies_upsert_by_name_and_check_targets(ops_user):
    factories.FaultCategoryFactory(code="screen-broken")
    data = csv_bytes([["策略名称", "故障分类代码", "优先级", "客户等级", "响应时限（小时）", "解决时限（小时）"],
                      ["屏幕-紧急", "screen-broken", "紧急", "VIP", "2", "24"],
                      ["默认", "", "", "", "4", "48"],
                      ["坏的", "nope", "", "", "10", "5"]])
    report = run(SlaPolicyImporter, data, by=ops_user, mode="valid")
    assert report.created == 2
    errors = errors_by_line(report)
    assert {c for c, _r in errors[4]} == {"故障分类代码", "解决时限（小时）"}
    policy = SlaPolicy.objects.get(name="屏幕-紧急")
    assert (policy.priority, policy.customer_tier, policy.resolution_hours) == ("urgent", "vip", Decimal("24.00"))
    again = csv_bytes([["策略名称", "响应时限", "解决时限"], ["默认", "3", "36"]])
    assert run(SlaPolicyImporter, again, by=ops_user).updated == 1
    assert SlaPolicy.objects.get(name="默认").response_hours == Decimal("3.00")


def test_holiday_calendar_with_chinese_dates_and_kinds(ops_user):
    data = csv_bytes([["日期", "类型", "名称"], ["2027年2月6日", "休", "春节"], ["2027/2/14", "班", "春节调休"],
                      [46792, "休", "春节"], ["2027-02-30", "放", ""]], encoding="gb18030")
    report = run(CalendarDayImporter, data, by=ops_user, mode="valid")
    assert report.created == 3
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 6)).is_rest_day is True
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 14)).is_rest_day is False
    assert CalendarDay.objects.filter(date=dt.date(2028, 2, 9)).exists()  # the Excel serial 46792
    assert {c for c, _r in errors_by_line(report)[5]} == {"日期", "类型"}


def test_product_models_for_sales_files(ops_user):
    data = csv_bytes([["型号代码", "品牌", "型号", "品类", "上市日期", "使用 IMEI"],
                      ["p70", "华星", "P70", "手机", "2025年9月1日", "是"]])
    report = run(ProductModelImporter, data, by=ops_user)
    assert report.created == 1, report.errors
    model = ProductModel.objects.get(code="p70")
    assert (model.category, model.uses_imei, model.released_on) == ("phone", True, dt.date(2025, 9, 1))
