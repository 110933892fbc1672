"""Service centres with coverage, technicians with skills, level, capacity, centre and duty: imported
through the same services as the admin's forms (coverage parsing, the duty service's re-dispatch)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from repairs.models import ServiceCenter, Technician
from repairs.resources import ServiceCenterImporter, TechnicianExporter, TechnicianImporter
from tests import factories
from tests.dataio.helpers import csv_bytes, errors_by_line, run, xlsx_bytes

pytestmark = pytest.mark.django_db

CENTRE_HEADER = ["网点编码", "网点名称", "大区", "城市", "区县", "地址", "服务方式", "服务区域", "服务半径（公里）"]


def test_centres_with_coverage_by_names_and_codes(ops_user):
    data = csv_bytes([CENTRE_HEADER,
                      ["SH-XH", "徐汇中心", "华东", "上海", "徐汇区", "漕溪北路 88 号", "到店,上门", "徐汇区、闵行区", "20"],
                      ["SZ-KS", "昆山中心", "east", "苏州市", "昆山市", "前进路 1 号", "寄修", "苏州市 昆山", ""]],
                     encoding="gb18030")
    report = run(ServiceCenterImporter, data, by=ops_user)
    assert (report.created, report.failed) == (2, 0), report.errors
    xuhui = ServiceCenter.objects.get(code="SH-XH")
    assert xuhui.service_modes == ["walk_in", "on_site"]
    assert xuhui.district_code
    assert xuhui.province_code
    assert len(xuhui.coverage_codes) == 2
    assert all(code.isdigit() for code in xuhui.coverage_codes)
    assert xuhui.latitude is not None  # the district's centre when no coordinate is given
    assert xuhui.service_radius_km == 20


def test_unknown_coverage_and_bad_cells_are_listed_together(ops_user):
    data = csv_bytes([CENTRE_HEADER,
                      ["X1", "甲", "火星区", "上海", "", "某路", "飞行", "火星、徐汇区", "0"]])
    report = run(ServiceCenterImporter, data, by=ops_user, write=False)
    columns = {c for c, _r in errors_by_line(report)[2]}
    assert columns == {"大区", "服务方式", "服务区域", "服务半径（公里）"}
    assert any("火星" in e.reason for e in report.errors if e.column == "服务区域")
    assert not ServiceCenter.objects.exists()


TECH_HEADER = ["工号", "姓名", "网点编码", "技能", "等级", "同时处理上限", "在岗"]


def test_technicians_with_skills_level_capacity_and_centre(ops_user):
    factories.ServiceCenterFactory(code="C1")
    data = xlsx_bytes([TECH_HEADER, ["T1001", "李师傅", "C1", "screen，battery", "高级", 8, "是"],
                       ["T1002", "王师傅", "C1", "mainboard", 4, 3.0, "否"]])
    report = run(TechnicianImporter, data, by=ops_user, name="t.xlsx")
    assert (report.created, report.failed) == (2, 0), report.errors
    li = Technician.objects.get(employee_no="T1001")
    assert (li.skills, li.level, li.capacity, li.on_duty, li.center.code) == (["screen", "battery"], 3, 8, True, "C1")
    assert Technician.objects.get(employee_no="T1002").on_duty is False


def test_going_off_duty_by_import_goes_through_the_duty_service(ops_user, monkeypatch):
    tech = factories.TechnicianFactory(employee_no="T2001", on_duty=True)
    calls = []
    import repairs.dispatch.services as dispatch

    original = dispatch.technician_set_duty

    def spy(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(dispatch, "technician_set_duty", spy)
    data = csv_bytes([TECH_HEADER, ["T2001", tech.name, tech.center.code, "screen", "中级", "6", "否"]])
    report = run(TechnicianImporter, data, by=ops_user)
    assert report.updated == 1, report.errors
    assert calls == [{"technician": calls[0]["technician"], "on_duty": False, "by": ops_user}]
    tech.refresh_from_db()
    assert tech.on_duty is False


def test_unknown_centre_and_capacity_errors(ops_user):
    report = run(TechnicianImporter, csv_bytes([TECH_HEADER, ["T1", "甲", "NOPE", "", "神级", "0", ""]]), by=ops_user)
    assert {c for c, _r in errors_by_line(report)[2]} == {"网点编码", "等级", "同时处理上限"}


def test_a_centre_manager_cannot_import_technicians_into_another_centre(manager):
    factories.ServiceCenterFactory(code="C1").managers.add(manager)
    factories.ServiceCenterFactory(code="C2")
    report = run(TechnicianImporter, csv_bytes([TECH_HEADER, ["T1", "甲", "C2", "", "", "", ""]]), by=manager)
    assert [(e.line, e.column, e.value) for e in report.errors] == [(2, "网点编码", "C2")]
    assert "范围" in report.errors[0].reason
    assert not Technician.objects.exists()


def test_technician_export_masks_phones_for_roles_without_contact(ops_user):
    factories.TechnicianFactory(phone="13911112222")
    row = next(TechnicianExporter(user=ops_user).rows())
    assert row[3] == "139****2222"
    assert Decimal(row[-1]) > 0
