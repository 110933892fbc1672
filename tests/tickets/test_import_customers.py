"""Customer import: a GB18030 file from Excel on Chinese Windows with bad rows shows every error at once,
in Chinese, with row, column, value and reason, and writes nothing; a UTF-8-BOM file imports."""

from __future__ import annotations

import pytest

from tests import factories
from tests.dataio.helpers import csv_bytes, errors_by_line, run
from tickets.models import Customer
from tickets.resources import CustomerImporter

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "电话", "邮箱", "客户等级", "城市", "详细地址"]


def test_gb18030_file_with_bad_rows_shows_every_error_at_once_and_writes_nothing(ops_user):
    factories.CustomerFactory(phone="13900000009", name="老客户")
    data = csv_bytes([
        HEADER,
        ["张三", "13800138000", "zhang@example.com", "金卡", "上海", "徐汇区漕溪北路 88 号"],   # line 2: good
        ["", "13800138001", "not-an-email", "钻石", "", ""],                               # line 3: 3 errors
        ["李四", "1.38001E+10", "", "", "", ""],                                          # line 4: phone lost
        ["王五", "13800138000", "", "", "", ""],                                          # line 5: dup of 2
        ["赵六", "12345", "", "普通", "", ""],                                             # line 6: bad phone
    ], encoding="gb18030")
    report = run(CustomerImporter, data, by=ops_user)
    assert report.encoding == "gb18030"
    assert not report.file_error
    errors = errors_by_line(report)
    assert set(errors) == {3, 4, 5, 6}
    assert ("姓名", "必填") in errors[3]
    assert ("邮箱", "邮箱格式无效") in errors[3]
    assert any(col == "客户等级" and "可选" in reason for col, reason in errors[3])
    assert any(col == "电话" and "科学计数法" in reason for col, reason in errors[4])
    assert errors[5] == [("电话", "与第 2 行重复")]
    assert any(col == "电话" and "电话号码无效" in reason for col, reason in errors[6])
    shown = {(e.line, e.column): e.value for e in report.errors}
    assert shown[(3, "邮箱")] == "not-an-email"
    assert shown[(4, "电话")] == "1.38001E+10"
    assert report.failed == 4
    assert report.valid == 1
    assert report.rolled_back
    assert not Customer.objects.filter(phone="13800138000").exists()
    assert Customer.objects.count() == 1


def test_valid_rows_mode_imports_the_good_rows_and_lists_the_rest(ops_user):
    data = csv_bytes([HEADER, ["张三", "13800138000", "", "", "", ""], ["", "13800138001", "", "", "", ""]],
                     encoding="gb18030")
    report, error_file = run(CustomerImporter, data, by=ops_user, mode="valid", with_errors=True)
    assert report.created == 1
    assert Customer.objects.filter(phone="13800138000", name="张三").exists()
    assert not Customer.objects.filter(phone="13800138001").exists()
    text = error_file.decode("gb18030")
    assert text.splitlines()[0] == ",".join(HEADER) + ",错误原因"
    assert text.splitlines()[1].startswith(",13800138001,")
    assert "姓名：必填" in text


def test_utf8_bom_file_upserts_by_phone_and_places_the_address(ops_user):
    factories.CustomerFactory(phone="13800138000", name="旧名字", email="")
    data = csv_bytes([["name", "phone", "email", "tier", "city", "address"],
                      ["张三", "13800138000", "zhang@example.com", "gold", "上海", "徐汇区漕溪北路 88 号"],
                      ["李四", "138 0013 8001", "", "VIP", "", ""]], encoding="utf-8-sig")
    report = run(CustomerImporter, data, by=ops_user)
    assert report.encoding == "utf-8-sig"
    assert (report.created, report.updated, report.failed) == (1, 1, 0)
    zhang = Customer.objects.get(phone="13800138000")
    assert (zhang.name, zhang.email, zhang.tier) == ("张三", "zhang@example.com", "gold")
    assert zhang.district == "徐汇区"
    assert zhang.district_code
    assert Customer.objects.get(phone="13800138001").tier == "vip"


def test_dry_run_writes_nothing_and_reports_existing_rows(ops_user):
    factories.CustomerFactory(phone="13800138000", name="张三")
    data = csv_bytes([HEADER, ["张三丰", "13800138000", "", "", "", ""], ["新人", "13800138002", "", "", "", ""]])
    report = run(CustomerImporter, data, by=ops_user, write=False)
    assert (report.new, report.updates) == (1, 1)
    assert report.existing == [{"line": 2, "key": "13800138000"}]
    assert Customer.objects.get(phone="13800138000").name == "张三"
    assert Customer.objects.count() == 1


def test_wrong_headers_are_a_clear_message_not_a_traceback(ops_user):
    report = run(CustomerImporter, csv_bytes([["foo", "bar"], ["1", "2"]]), by=ops_user)
    assert "缺少必填列：电话、姓名" in report.file_error
    assert "Traceback" not in report.file_error
    assert "未识别的列“foo”已忽略" in report.file_error
