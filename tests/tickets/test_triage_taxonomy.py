"""The service taxonomy: every leaf of the label set, each routed, and the old flat categories moved."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from tests import factories
from tickets.intake.taxonomy import LEAF_CODES, TAXONOMY, product_line_for, taxonomy_sync
from tickets.models import Department, FaultCategory, ServiceMode, SlaPolicy, Ticket, TriageCorrection
from tickets.sla.selectors import sla_policy_for


def test_leaves_are_product_lines_times_families_plus_requests(db):
    families = {"display", "power_boot", "battery", "charging", "overheating", "audio", "camera", "network",
                "buttons_ports", "software", "physical_damage", "water_damage"}
    expected = {f"{line}.{f}" for line in ("phone", "tablet", "laptop") for f in families}
    expected |= {"laptop.keyboard_touchpad", "tv.no_picture", "tv.display_defect", "tv.sound", "tv.remote",
                 "tv.smart_network", "fridge.cooling", "fridge.noise", "fridge.leak_ice", "washer.draining",
                 "washer.spinning", "washer.noise_vibration", "washer.leaking", "ac.cooling_heating", "ac.leaking",
                 "ac.noise", "ac.error_code", "other.fault"}
    expected |= {f"request.{r}" for r in ("installation", "relocation", "maintenance", "delivery", "billing",
                                          "complaint", "consultation")}
    assert set(LEAF_CODES) == expected


def test_migration_installs_the_tree_with_routing_and_sla_per_leaf(db):
    # The data migration ran on the test database: a fresh install has the tree without the seed. A
    # transactional test run earlier on the same database empties every table, so run the step again then.
    if not FaultCategory.objects.filter(code__in=LEAF_CODES).exists():
        import importlib

        from django.apps import apps

        importlib.import_module("tickets.migrations.0028_taxonomy_tree_data").remap(apps)
    leaves = {c.code: c for c in FaultCategory.objects.filter(code__in=LEAF_CODES)}
    assert set(leaves) == set(LEAF_CODES)
    for code, leaf in leaves.items():
        assert leaf.parent.code == code.split(".")[0]
        assert leaf.department in Department.values
        assert leaf.default_service_mode in ServiceMode.values
        policy = sla_policy_for(fault_category_id=leaf.pk, priority="normal", customer_tier="standard")
        assert policy is not None
        assert policy.fault_category_id == leaf.pk
    assert leaves["phone.display"].required_skill == "screen"
    assert leaves["laptop.keyboard_touchpad"].required_skill == "keyboard"
    assert leaves["fridge.cooling"].default_service_mode == "on_site"
    assert leaves["fridge.cooling"].product_categories == ["fridge"]
    assert leaves["request.billing"].department == "billing"
    assert leaves["request.complaint"].department == "customer_care"
    assert leaves["request.relocation"].required_skill == "install"
    assert leaves["phone.software"].default_service_mode == "remote"
    assert SlaPolicy.objects.get(fault_category=leaves["phone.software"]).resolution_hours == 8


def test_sync_is_idempotent(db):
    taxonomy_sync()
    before = FaultCategory.objects.count(), SlaPolicy.objects.count()
    taxonomy_sync()
    assert (FaultCategory.objects.count(), SlaPolicy.objects.count()) == before
    assert before[0] >= len(TAXONOMY)


@pytest.mark.parametrize(("product", "line"), [("phone", "phone"), ("wearable", "phone"), ("desktop", "laptop"),
                                               ("air_conditioner", "ac"), ("small_appliance", "other"), ("", None)])
def test_product_categories_map_to_lines(product, line):
    assert product_line_for(product) == line


def test_code_validation_allows_line_dot_family(db):
    from django.core.exceptions import ValidationError

    FaultCategory(code="tv.sound_bar", name="x").full_clean(exclude=["parent"])
    with pytest.raises(ValidationError):
        FaultCategory(code="TV Sound", name="x").full_clean(exclude=["parent"])


def test_old_flat_categories_and_their_tickets_move_onto_the_tree(db, agent):
    migration = importlib.import_module("tickets.migrations.0028_taxonomy_tree_data")
    mobile = FaultCategory.objects.create(code="mobile", name="手机电脑硬件")
    appliance = FaultCategory.objects.create(code="appliance", name="家电故障")
    screen = FaultCategory.objects.create(code="screen", name="屏幕", parent=mobile)
    buttons = FaultCategory.objects.create(code="buttons", name="按键", parent=mobile)
    # A database from before the tree: the old washer node holds the code the washer line takes.
    FaultCategory.objects.filter(code="washer").update(code="washer-line-parked", is_active=False)
    washer = FaultCategory.objects.create(code="washer", name="洗衣机故障", parent=appliance)
    tv = FaultCategory.objects.create(code="tv_display", name="电视", parent=appliance)
    old_policy = SlaPolicy.objects.create(name="屏幕", fault_category=screen, response_hours=4, resolution_hours=24)

    tablet = factories.ProductModelFactory(code="PAD1", category="tablet")
    laptop = factories.ProductModelFactory(code="BOOK1", category="laptop")
    on_tablet = factories.TicketFactory(description="屏幕碎了", product_model=tablet)
    no_product = factories.TicketFactory(description="屏幕碎了")
    keyboard = factories.TicketFactory(description="键盘有几个键不灵", product_model=laptop)
    drain = factories.TicketFactory(description="洗衣机排不出水")
    remote = factories.TicketFactory(description="遥控器按了没反应")
    Ticket.objects.filter(pk=on_tablet.pk).update(fault_category=screen, predicted_category=screen)
    Ticket.objects.filter(pk=no_product.pk).update(fault_category=screen)
    Ticket.objects.filter(pk=keyboard.pk).update(fault_category=buttons)
    Ticket.objects.filter(pk=drain.pk).update(fault_category=washer)
    Ticket.objects.filter(pk=remote.pk).update(fault_category=tv)
    TriageCorrection.objects.create(ticket=drain, from_category=None, to_category=washer, corrected_by=agent)

    migration.remap(apps)

    def leaf(ticket):
        return Ticket.objects.select_related("fault_category").get(pk=ticket.pk).fault_category.code

    assert leaf(on_tablet) == "tablet.display"
    assert Ticket.objects.get(pk=on_tablet.pk).predicted_category.code == "tablet.display"
    assert leaf(no_product) == "phone.display"
    assert leaf(keyboard) == "laptop.keyboard_touchpad"
    assert leaf(drain) == "washer.draining"
    assert leaf(remote) == "tv.remote"
    assert TriageCorrection.objects.get(ticket=drain).to_category.code == "washer.draining"
    washer.refresh_from_db()
    assert washer.code == "legacy-washer"
    assert not washer.is_active
    assert not FaultCategory.objects.get(pk=screen.pk).is_active
    assert not FaultCategory.objects.get(pk=mobile.pk).is_active
    assert not SlaPolicy.objects.get(pk=old_policy.pk).is_active
    assert FaultCategory.objects.get(code="washer").parent is None  # the product line


@pytest.mark.parametrize(("old", "product", "text", "new"), [
    ("signal", "phone", "没信号", "phone.network"), ("no_power", "laptop", "开不了机", "laptop.power_boot"),
    ("fridge_cooling", "fridge", "冷藏室后壁结冰", "fridge.leak_ice"), ("ac_cooling", None, "显示E1", "ac.error_code"),
    ("ac_leak", None, "滴水", "ac.leaking"), ("install", None, "搬家移机", "request.relocation"),
    ("shipping", None, "快递到哪了", "request.delivery"), ("system", "tv", "投屏失败", "tv.smart_network"),
    ("account", "phone", "忘记密码", "phone.software"), ("unknown", None, "", None),
])
def test_old_code_mapping(old, product, text, new):
    migration = importlib.import_module("tickets.migrations.0028_taxonomy_tree_data")
    assert migration.new_code(old, product, text) == new
