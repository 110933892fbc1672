"""The service taxonomy: product lines × fault families, plus the requests that are not faults.

A leaf code is ``<line>.<family>`` (``phone.display``, ``fridge.leak_ice``, ``request.billing``); it is
the contract with the training corpus (tickets/triage/corpus/), the evaluation set, the demo seed and
the data migration that moved the earlier flat categories onto this tree. Each leaf carries what
routing needs: the department, the technician skill, the default priority and service mode, and its
SLA targets in business hours (upserted as the leaf's SLA policy).

``taxonomy_sync()`` upserts the rows; the data migration ``0028_taxonomy_tree_data`` runs it once so that a
fresh install has the tree without the demo seed.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

# Product lines of the taxonomy and the product model categories (ProductCategory) each one covers.
LINES: dict[str, dict[str, Any]] = {
    "phone": {"name": "手机", "product_categories": ["phone", "wearable"]},
    "tablet": {"name": "平板", "product_categories": ["tablet"]},
    "laptop": {"name": "笔记本电脑", "product_categories": ["laptop", "desktop"]},
    "tv": {"name": "电视", "product_categories": ["tv"]},
    "fridge": {"name": "冰箱", "product_categories": ["fridge"]},
    "washer": {"name": "洗衣机", "product_categories": ["washer"]},
    "ac": {"name": "空调", "product_categories": ["air_conditioner"]},
    "other": {"name": "其他家电", "product_categories": ["small_appliance"]},
}
REQUEST = "request"

# family -> (name, skill, priority, response h, resolution h, keywords); shared by phone, tablet, laptop.
# Where a drop or a knock is routed: a broken display (its glass, its picture, its touch) is a screen
# repair (``display``) even after a drop; the body around it (frame, back glass, casing, a dent or a bend,
# a laptop's hinge and lid) is ``physical_damage``, also when the screen still works.
_MOBILE_FAMILIES: dict[str, tuple[str, str, str, int, int, list[str]]] = {
    "display": ("屏幕显示", "screen", "high", 4, 24, ["屏幕", "碎屏", "花屏", "触摸", "绿线", "闪屏", "漏液", "黑斑"]),
    "power_boot": ("无法开机/开关机", "mainboard", "high", 4, 48, ["开不了机", "无法开机", "开机", "重启", "卡logo", "变砖"]),
    "battery": ("电池/续航", "battery", "normal", 4, 24, ["电池", "掉电", "耗电", "续航", "鼓包", "电量"]),
    "charging": ("充电", "charging", "normal", 4, 24, ["充电", "充不进", "充不上", "快充", "无线充", "充电慢"]),
    "overheating": ("发热发烫", "mainboard", "normal", 4, 48, ["发热", "发烫", "烫手", "过热", "温度高"]),
    "audio": ("声音", "audio", "normal", 4, 24, ["声音", "听筒", "扬声器", "喇叭", "麦克风", "杂音", "没声音"]),
    "camera": ("摄像头", "camera", "normal", 4, 24, ["摄像头", "相机", "拍照", "镜头", "对焦", "模糊"]),
    "network": ("网络/信号/蓝牙", "rf", "normal", 4, 24, ["信号", "无服务", "wifi", "网络", "蓝牙", "断网", "sim卡"]),
    "buttons_ports": ("按键/接口", "housing", "low", 8, 48, ["按键", "电源键", "音量键", "接口", "耳机孔", "充电口"]),
    "software": ("系统/软件", "software", "normal", 2, 8, ["系统", "卡顿", "闪退", "死机", "升级", "更新", "软件"]),
    "physical_damage": ("外观/物理损坏", "housing", "normal", 8, 48, ["摔", "压弯", "后盖", "外壳", "变形", "磕"]),
    "water_damage": ("进水/受潮", "mainboard", "high", 4, 48, ["进水", "泡水", "掉水里", "受潮", "淋雨"]),
}
_LAPTOP_EXTRA = {
    "keyboard_touchpad": ("键盘/触控板", "keyboard", "normal", 4, 24, ["键盘", "触控板", "按键失灵", "鼠标板"]),
}

# (line, family) -> (name, skill, priority, response h, resolution h, keywords)
_APPLIANCE_FAMILIES: dict[str, dict[str, tuple[str, str, str, int, int, list[str]]]] = {
    "tv": {
        "no_picture": ("无图像/黑屏", "tv", "high", 4, 48, ["黑屏", "无图像", "没画面", "开不了机", "背光"]),
        "display_defect": ("画面异常", "tv", "normal", 8, 48, ["条纹", "坏点", "偏色", "漏光", "闪屏", "竖线"]),
        "sound": ("声音", "tv", "normal", 8, 48, ["没声音", "声音", "杂音", "音画不同步"]),
        "remote": ("遥控器", "tv", "low", 8, 72, ["遥控器", "遥控", "按了没反应"]),
        "smart_network": ("智能系统/联网/投屏", "software", "normal", 2, 24, ["联网", "投屏", "wifi", "app", "系统", "卡顿"]),
    },
    "fridge": {
        "cooling": ("制冷", "refrigeration", "high", 4, 24, ["不制冷", "不冷", "冷冻", "冷藏", "化了", "压缩机"]),
        "noise": ("噪音/异响", "refrigeration", "normal", 8, 48, ["噪音", "异响", "嗡嗡", "响声"]),
        "leak_ice": ("漏水/结冰/结霜", "refrigeration", "normal", 8, 48, ["漏水", "结冰", "结霜", "积水"]),
    },
    "washer": {
        "draining": ("排水", "washer", "normal", 8, 48, ["排水", "排不出", "积水", "不排水"]),
        "spinning": ("脱水/不转", "washer", "normal", 8, 48, ["脱水", "甩干", "不转", "转不动"]),
        "noise_vibration": ("噪音/震动", "washer", "normal", 8, 48, ["震动", "噪音", "跳", "响"]),
        "leaking": ("漏水", "washer", "high", 4, 24, ["漏水", "渗水", "地上有水"]),
    },
    "ac": {
        "cooling_heating": ("制冷制热效果", "hvac", "high", 4, 24, ["不制冷", "不制热", "吹热风", "加氟", "不凉"]),
        "leaking": ("漏水/滴水", "hvac", "normal", 8, 48, ["漏水", "滴水", "往下滴"]),
        "noise": ("噪音", "hvac", "normal", 8, 48, ["噪音", "异响", "响声", "嗡嗡"]),
        "error_code": ("故障代码", "hvac", "normal", 4, 24, ["故障代码", "代码", "e1", "f0", "h6", "报错"]),
    },
    "other": {
        "fault": ("其他家电故障", "appliance", "normal", 8, 48, ["微波炉", "热水器", "油烟机", "坏了"]),
    },
}

# family -> (name, department, skill, priority, service mode, response h, resolution h, keywords)
# A request is decided by what the customer asks of the service, not by the product or fault it names:
# a question before any repair (price, warranty, duration, where, how to use) is a consultation, but a
# price question about an installation, a relocation or a cleaning belongs to that service; a report of
# a present fault that only adds "能修吗 / 保修吗" stays the fault.
_REQUESTS: dict[str, tuple[str, str, str, str, str, int, int, list[str]]] = {
    "installation": ("安装", "logistics", "install", "normal", "on_site", 8, 48, ["安装", "上门安装", "装机", "挂墙"]),
    "relocation": ("移机", "logistics", "install", "normal", "on_site", 8, 72, ["移机", "搬家", "拆装", "挪位置"]),
    "maintenance": ("保养/清洗", "logistics", "cleaning", "low", "on_site", 8, 72, ["清洗", "保养", "深度清洁"]),
    "delivery": ("配送/物流", "logistics", "logistics", "normal", "mail_in", 4, 48, ["快递", "物流", "配送", "送货"]),
    "billing": ("账单/收费争议", "billing", "", "normal", "remote", 4, 48, ["收费", "扣款", "退款", "发票", "多收"]),
    "complaint": ("投诉服务", "customer_care", "", "high", "remote", 2, 24, ["投诉", "态度", "迟到", "爽约"]),
    "consultation": ("咨询", "customer_care", "", "low", "remote", 4, 24, ["咨询", "保修期", "请问", "怎么用"]),
}

_HOME_LINES = {"tv", "fridge", "washer", "ac", "other"}


def _build() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for line, meta in LINES.items():
        home = line in _HOME_LINES
        rows.append({"code": line, "name": meta["name"], "parent": None, "department": "hardware",
                     "default_priority": "normal", "default_service_mode": "on_site" if home else "walk_in",
                     "required_skill": "", "product_categories": meta["product_categories"], "keywords": [],
                     "sla": None})
    rows.append({"code": REQUEST, "name": "非故障服务请求", "parent": None, "department": "logistics",
                 "default_priority": "normal", "default_service_mode": "remote", "required_skill": "",
                 "product_categories": [], "keywords": [], "sla": None})
    for line, meta in LINES.items():
        if line in _APPLIANCE_FAMILIES:
            families = _APPLIANCE_FAMILIES[line]
        else:
            families = {**_MOBILE_FAMILIES, **(_LAPTOP_EXTRA if line == "laptop" else {})}
        for family, (name, skill, priority, resp, resol, keywords) in families.items():
            software = skill == "software"
            rows.append({
                "code": f"{line}.{family}", "name": f"{meta['name']}·{name}", "parent": line,
                "department": "software" if software else "hardware", "default_priority": priority,
                "default_service_mode": "remote" if software else ("on_site" if line in _HOME_LINES else "walk_in"),
                "required_skill": skill, "product_categories": meta["product_categories"],
                "keywords": keywords, "sla": (resp, resol),
            })
    for family, (name, dept, skill, priority, mode, resp, resol, keywords) in _REQUESTS.items():
        rows.append({"code": f"{REQUEST}.{family}", "name": name, "parent": REQUEST, "department": dept,
                     "default_priority": priority, "default_service_mode": mode, "required_skill": skill,
                     "product_categories": [], "keywords": keywords, "sla": (resp, resol)})
    return rows


#: Parents first, then leaves; tickets are classified into leaves.
TAXONOMY: list[dict[str, Any]] = _build()
LEAF_CODES: list[str] = [row["code"] for row in TAXONOMY if row["parent"] is not None]
COMPLAINT = "request.complaint"
BILLING = "request.billing"

# Where each product model category sits among the product lines.
PRODUCT_LINE_OF: dict[str, str] = {pc: line for line, meta in LINES.items() for pc in meta["product_categories"]}

_FIELDS = ("name", "department", "default_priority", "default_service_mode", "required_skill",
           "product_categories", "keywords")


def leaf_line(code: str) -> str:
    """The product line of a leaf code (``request`` for the requests that are not faults)."""
    return code.split(".", 1)[0]


def product_line_for(product_category: str | None) -> str | None:
    """The taxonomy's product line of a product model category (``air_conditioner`` → ``ac``)."""
    return PRODUCT_LINE_OF.get(product_category or "")


def taxonomy_entry(code: str) -> dict[str, Any] | None:
    return next((row for row in TAXONOMY if row["code"] == code), None)


def taxonomy_upsert(*, category_model, policy_model=None) -> dict[str, Any]:
    """Upsert every TAXONOMY row (parents first) with the given model classes and, with
    ``policy_model``, one SLA policy per leaf. Shared by ``taxonomy_sync`` and the data migration,
    which passes its historical models. Returns the categories by code."""
    by_code = {c.code: c for c in category_model.objects.filter(code__in=[r["code"] for r in TAXONOMY])}
    for row in TAXONOMY:
        values = {key: row[key] for key in _FIELDS}
        values["parent"] = by_code[row["parent"]] if row["parent"] else None
        values["is_active"] = True
        category = by_code.get(row["code"])
        if category is None:
            category = category_model.objects.create(code=row["code"], **values)
        else:
            changed = [k for k, v in values.items() if getattr(category, k) != v]
            if changed:
                for key in changed:
                    setattr(category, key, values[key])
                category.save(update_fields=[*changed, "updated_at"])
        by_code[row["code"]] = category
        if policy_model is not None and row["sla"]:
            response, resolution = row["sla"]
            policy_model.objects.get_or_create(
                fault_category=category, priority="", customer_tier="",
                defaults={"name": row["name"], "response_hours": response, "resolution_hours": resolution})
    return by_code


@transaction.atomic
def taxonomy_sync() -> list:
    """Upsert the shipped taxonomy and its leaves' SLA policies; returns the categories in order.

    Idempotent: running it again changes only rows whose fields differ; an SLA policy staff edited
    is kept. Rows that staff added themselves are left alone.
    """
    from tickets.models import FaultCategory, SlaPolicy

    by_code = taxonomy_upsert(category_model=FaultCategory, policy_model=SlaPolicy)
    return [by_code[row["code"]] for row in TAXONOMY]
