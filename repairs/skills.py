"""The names of technicians' skills.

A technician's skills and a fault category's required skill are stored as short codes (what imports
and the dispatch rules match on); people read them by these names. A code nobody named yet (a
company's own, loaded by import) shows as itself rather than disappearing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

SKILL_LABELS = {
    "screen": _("屏幕"),
    "battery": _("电池"),
    "charging": _("充电"),
    "mainboard": _("主板"),
    "software": _("系统软件"),
    "camera": _("摄像头"),
    "audio": _("音频"),
    "rf": _("信号/射频"),
    "housing": _("外壳结构"),
    "keyboard": _("键盘/触控板"),
    "refrigeration": _("制冷"),
    "washer": _("洗衣机"),
    "hvac": _("空调"),
    "tv": _("电视"),
    "appliance": _("家电通修"),
    "install": _("安装"),
    "cleaning": _("清洗保养"),
    "logistics": _("物流"),
}


def skill_label(code: str) -> str:
    return str(SKILL_LABELS.get(code, code))


def skills_text(codes: Iterable[str], *, limit: int | None = None) -> str:
    codes = list(codes or [])
    shown = "、".join(skill_label(c) for c in codes[:limit])
    if limit is not None and len(codes) > limit:
        shown += " …"
    return shown
