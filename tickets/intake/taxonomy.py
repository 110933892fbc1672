"""The demo fault taxonomy that triage, routing and the default training corpus rely on.

``TAXONOMY`` lists parents first, then leaves; tickets are classified into leaves. The codes are
the contract with the training corpus (tickets/intake/data/train.jsonl), the benchmark set and
the demo seed, which calls ``taxonomy_sync()`` to upsert the rows.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tickets.models import FaultCategory

MOBILE = ["phone", "tablet", "laptop", "desktop", "wearable"]
SCREENS = ["phone", "tablet", "laptop", "wearable"]

TAXONOMY: list[dict[str, Any]] = [
    # -- parents ----------------------------------------------------------------------------
    {"code": "mobile", "name": "手机电脑硬件", "parent": None, "department": "hardware",
     "default_priority": "normal", "default_service_mode": "walk_in", "required_skill": "",
     "product_categories": MOBILE, "keywords": []},
    {"code": "software", "name": "软件与账号", "parent": None, "department": "software",
     "default_priority": "normal", "default_service_mode": "remote", "required_skill": "",
     "product_categories": [], "keywords": []},
    {"code": "appliance", "name": "家电故障", "parent": None, "department": "hardware",
     "default_priority": "normal", "default_service_mode": "on_site", "required_skill": "",
     "product_categories": ["fridge", "washer", "air_conditioner", "tv", "small_appliance"], "keywords": []},
    {"code": "service", "name": "物流与安装", "parent": None, "department": "logistics",
     "default_priority": "normal", "default_service_mode": "mail_in", "required_skill": "",
     "product_categories": [], "keywords": []},
    # -- leaves: phones, tablets, computers, wearables --------------------------------------
    {"code": "screen", "name": "屏幕损坏/显示异常", "parent": "mobile", "department": "hardware",
     "default_priority": "high", "default_service_mode": "walk_in", "required_skill": "screen",
     "product_categories": SCREENS,
     "keywords": ["屏幕", "碎屏", "屏碎", "花屏", "裂", "裂纹", "触摸", "触屏", "失灵", "摔", "绿线", "竖线",
                  "闪屏", "漏液", "黑斑", "亮点", "显示", "外屏", "内屏", "碎"]},
    {"code": "battery", "name": "电池/续航", "parent": "mobile", "department": "hardware",
     "default_priority": "normal", "default_service_mode": "walk_in", "required_skill": "battery",
     "product_categories": MOBILE,
     "keywords": ["电池", "掉电", "耗电", "续航", "鼓包", "电量", "待机", "自动关机", "电池健康", "不耐用"]},
    {"code": "charging", "name": "充电故障", "parent": "mobile", "department": "hardware",
     "default_priority": "normal", "default_service_mode": "walk_in", "required_skill": "charging",
     "product_categories": MOBILE,
     "keywords": ["充电", "充不进", "充不上", "充电口", "接口", "快充", "无线充", "充电器", "数据线", "尾插",
                  "接触不良", "充电慢"]},
    {"code": "no_power", "name": "无法开机/死机重启", "parent": "mobile", "department": "hardware",
     "default_priority": "high", "default_service_mode": "walk_in", "required_skill": "mainboard",
     "product_categories": MOBILE,
     "keywords": ["开不了机", "开不开机", "无法开机", "开机", "黑屏", "没反应", "重启", "卡logo", "主板",
                  "不开机", "变砖", "开机键"]},
    {"code": "water_damage", "name": "进水/受潮", "parent": "mobile", "department": "hardware",
     "default_priority": "high", "default_service_mode": "walk_in", "required_skill": "mainboard",
     "product_categories": MOBILE, "excluded_from_warranty": True,
     "keywords": ["进水", "泡水", "掉水里", "浸水", "受潮", "落水", "淋雨", "马桶", "水渍", "掉进", "泼"]},
    {"code": "camera", "name": "摄像头故障", "parent": "mobile", "department": "hardware",
     "default_priority": "normal", "default_service_mode": "walk_in", "required_skill": "camera",
     "product_categories": MOBILE,
     "keywords": ["摄像头", "相机", "拍照", "镜头", "对焦", "前置", "后置", "模糊", "拍照模糊", "闪光灯",
                  "人脸识别", "扫码"]},
    {"code": "audio", "name": "声音/通话", "parent": "mobile", "department": "hardware",
     "default_priority": "normal", "default_service_mode": "walk_in", "required_skill": "audio",
     "product_categories": MOBILE,
     "keywords": ["声音", "听筒", "扬声器", "喇叭", "麦克风", "话筒", "通话", "听不到", "杂音", "破音",
                  "没声音", "对方听不见", "耳机"]},
    {"code": "signal", "name": "信号/网络", "parent": "mobile", "department": "hardware",
     "default_priority": "normal", "default_service_mode": "walk_in", "required_skill": "rf",
     "product_categories": MOBILE,
     "keywords": ["信号", "无服务", "没信号", "wifi", "WiFi", "网络", "上网", "蓝牙", "sim", "SIM", "卡槽",
                  "4g", "5g", "掉线", "断网", "GPS", "定位", "热点"]},
    {"code": "buttons", "name": "按键/外壳/键盘", "parent": "mobile", "department": "hardware",
     "default_priority": "low", "default_service_mode": "walk_in", "required_skill": "housing",
     "product_categories": MOBILE,
     "keywords": ["按键", "电源键", "音量键", "键盘", "触控板", "后盖", "外壳", "边框", "卡扣", "铰链",
                  "转轴", "按不动", "掉漆", "指纹"]},
    # -- leaves: software -------------------------------------------------------------------
    {"code": "system", "name": "系统/应用问题", "parent": "software", "department": "software",
     "default_priority": "normal", "default_service_mode": "remote", "required_skill": "software",
     "product_categories": [],
     "keywords": ["系统", "卡顿", "闪退", "升级", "更新", "应用", "软件", "app", "APP", "内存", "存储",
                  "病毒", "弹广告", "刷机", "蓝屏", "驱动", "安装不了"]},
    {"code": "account", "name": "账号/密码/数据", "parent": "software", "department": "software",
     "default_priority": "normal", "default_service_mode": "remote", "required_skill": "software",
     "product_categories": [],
     "keywords": ["账号", "密码", "锁屏密码", "忘记", "解锁", "激活锁", "云空间", "数据", "备份", "恢复",
                  "找回", "登录", "照片丢", "迁移", "id"]},
    # -- leaves: appliances -----------------------------------------------------------------
    {"code": "fridge_cooling", "name": "冰箱不制冷/结霜", "parent": "appliance", "department": "hardware",
     "default_priority": "high", "default_service_mode": "on_site", "required_skill": "refrigeration",
     "product_categories": ["fridge"],
     "keywords": ["冰箱", "冷藏", "冷冻", "制冷", "不冷", "结霜", "结冰", "压缩机", "化了", "温度",
                  "冰柜", "保鲜"]},
    {"code": "washer", "name": "洗衣机故障", "parent": "appliance", "department": "hardware",
     "default_priority": "normal", "default_service_mode": "on_site", "required_skill": "washer",
     "product_categories": ["washer"],
     "keywords": ["洗衣机", "脱水", "甩干", "排水", "进水阀", "滚筒", "波轮", "震动", "转不动", "门锁",
                  "E21", "烘干", "漂洗", "衣服"]},
    {"code": "ac_cooling", "name": "空调不制冷/不制热", "parent": "appliance", "department": "hardware",
     "default_priority": "high", "default_service_mode": "on_site", "required_skill": "hvac",
     "product_categories": ["air_conditioner"],
     "keywords": ["空调", "不制冷", "不制热", "外机", "吹热风", "吹自然风", "氟", "加氟", "遥控器", "内机",
                  "制热", "风小"]},
    {"code": "ac_leak", "name": "空调漏水", "parent": "appliance", "department": "hardware",
     "default_priority": "normal", "default_service_mode": "on_site", "required_skill": "hvac",
     "product_categories": ["air_conditioner"],
     "keywords": ["漏水", "滴水", "排水管", "往下滴", "冷凝水", "水管", "淌水", "流水"]},
    {"code": "tv_display", "name": "电视无图像/无声音", "parent": "appliance", "department": "hardware",
     "default_priority": "normal", "default_service_mode": "on_site", "required_skill": "tv",
     "product_categories": ["tv"],
     "keywords": ["电视", "电视机", "背光", "无信号", "遥控", "画面", "有声音没图像", "机顶盒", "投屏",
                  "液晶", "HDMI"]},
    # -- leaves: logistics and installation -------------------------------------------------
    {"code": "shipping", "name": "寄修物流/运输损坏", "parent": "service", "department": "logistics",
     "default_priority": "normal", "default_service_mode": "mail_in", "required_skill": "logistics",
     "product_categories": [],
     "keywords": ["快递", "物流", "寄修", "寄回", "运单", "签收", "包裹", "运输", "送货", "寄出", "取件",
                  "顺丰", "配送"]},
    {"code": "install", "name": "安装/移机", "parent": "service", "department": "logistics",
     "default_priority": "normal", "default_service_mode": "on_site", "required_skill": "install",
     "product_categories": [],
     "keywords": ["安装", "移机", "拆装", "挂墙", "上门安装", "预约安装", "打孔", "支架", "调试"]},
]

LEAF_CODES: list[str] = [row["code"] for row in TAXONOMY if row["parent"] is not None]
_FIELDS = ("name", "department", "default_priority", "default_service_mode", "required_skill",
           "product_categories", "keywords")


def taxonomy_entry(code: str) -> dict[str, Any] | None:
    return next((row for row in TAXONOMY if row["code"] == code), None)


@transaction.atomic
def taxonomy_sync() -> list[FaultCategory]:
    """Upsert every TAXONOMY row (parents first) and return the categories.

    Idempotent: running it again changes only rows whose fields differ. Rows that staff added
    themselves are left alone; keywords edited in the admin are overwritten by the shipped list.
    """
    result: list[FaultCategory] = []
    by_code = {c.code: c for c in FaultCategory.objects.filter(code__in=[r["code"] for r in TAXONOMY])}
    for row in TAXONOMY:
        values = {key: row[key] for key in _FIELDS}
        values["parent"] = by_code[row["parent"]] if row["parent"] else None
        values["is_active"] = True
        category = by_code.get(row["code"])
        if category is None:
            category = FaultCategory.objects.create(code=row["code"], **values)
        else:
            changed = [k for k, v in values.items() if getattr(category, k) != v]
            if changed:
                for key in changed:
                    setattr(category, key, values[key])
                category.save(update_fields=[*changed, "updated_at"])
        by_code[row["code"]] = category
        result.append(category)
    return result
