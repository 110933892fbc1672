"""Chinese text for search: jieba segmentation (search mode), colloquial synonyms, ranking.

Both an article's index text and a query go through :func:`tokens`, so colloquial phrases
("充不进电") and the vocabulary of the articles ("充电故障") meet on the same canonical terms.
Articles store their tokens space-separated in ``segmented_text`` (with a leading and trailing
space, so ``" 充电 "`` is an exact token test on any database). PostgreSQL finds candidates through
the GIN index on ``to_tsvector('simple', segmented_text)``; SQLite through token containment.
Candidates are then ranked the same way on both (BM25 over the candidate set), so results do not
depend on the database.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# Colloquial phrase -> canonical terms used by articles. Checked as substrings of the raw text,
# so word boundaries produced by the segmenter do not matter for them.
SYNONYMS: dict[str, tuple[str, ...]] = {
    # charging
    "充不进电": ("充电", "充电故障", "无法充电"),
    "充不上电": ("充电", "充电故障", "无法充电"),
    "充不了电": ("充电", "充电故障", "无法充电"),
    "不充电": ("充电", "充电故障", "无法充电"),
    "无法充电": ("充电", "充电故障"),
    "充电没反应": ("充电", "充电故障", "无法充电"),
    "充电慢": ("充电", "充电慢"),
    "充电很慢": ("充电", "充电慢"),
    "充得慢": ("充电", "充电慢"),
    "插上没反应": ("充电", "充电故障"),
    "插电没反应": ("充电", "电源"),
    # power on / boot
    "开不了机": ("开机", "无法开机", "开机故障"),
    "开不开机": ("开机", "无法开机", "开机故障"),
    "开不起来": ("开机", "无法开机", "开机故障"),
    "无法开机": ("开机", "开机故障"),
    "不开机": ("开机", "无法开机", "开机故障"),
    "开机没反应": ("开机", "无法开机", "开机故障"),
    "按电源键没反应": ("开机", "无法开机", "电源"),
    "启动不了": ("开机", "无法开机", "启动"),
    "无法启动": ("开机", "无法开机", "启动"),
    "起不来": ("开机", "无法开机", "启动"),
    "自动关机": ("关机", "自动关机", "电池"),
    "突然关机": ("关机", "自动关机", "电池"),
    # screen
    "屏幕不亮": ("黑屏", "屏幕", "显示"),
    "屏不亮": ("黑屏", "屏幕", "显示"),
    "没有画面": ("黑屏", "显示"),
    "没画面": ("黑屏", "显示"),
    "不显示": ("黑屏", "显示"),
    "黑屏": ("黑屏", "显示"),
    "摔碎": ("碎屏", "屏幕", "屏幕更换"),
    "屏幕碎": ("碎屏", "屏幕", "屏幕更换"),
    "屏碎": ("碎屏", "屏幕", "屏幕更换"),
    "碎屏": ("碎屏", "屏幕", "屏幕更换"),
    "裂了": ("碎屏", "屏幕"),
    "裂屏": ("碎屏", "屏幕"),
    "花屏": ("花屏", "显示", "屏幕"),
    "闪屏": ("花屏", "显示", "屏幕"),
    "横线": ("花屏", "显示", "屏幕"),
    "竖线": ("花屏", "显示", "屏幕"),
    "触摸失灵": ("触摸", "触控", "屏幕"),
    "点不动": ("触摸", "触控", "屏幕"),
    "乱跳": ("触摸", "触控"),
    "触屏没反应": ("触摸", "触控", "屏幕"),
    "不跟手": ("触摸", "触控"),
    # battery and heat
    "掉电快": ("电池", "续航", "耗电"),
    "耗电快": ("电池", "续航", "耗电"),
    "不耐用": ("电池", "续航", "耗电"),
    "续航差": ("电池", "续航", "耗电"),
    "待机短": ("电池", "续航", "耗电"),
    "鼓包": ("电池", "鼓包", "电池更换"),
    "发烫": ("发热", "过热"),
    "很烫": ("发热", "过热"),
    "烫手": ("发热", "过热"),
    # stability
    "卡死": ("死机", "卡顿"),
    "很卡": ("卡顿",),
    "反应慢": ("卡顿",),
    "自动重启": ("重启", "死机"),
    "反复重启": ("重启", "死机"),
    "一直重启": ("重启", "死机"),
    "无限重启": ("重启", "死机"),
    "蓝屏": ("蓝屏", "系统", "死机"),
    "系统崩溃": ("系统", "死机"),
    "更新失败": ("系统", "升级"),
    "升级失败": ("系统", "升级"),
    "忘记密码": ("密码", "解锁"),
    "忘了密码": ("密码", "解锁"),
    # network and sound
    "没信号": ("信号", "网络"),
    "信号差": ("信号", "网络"),
    "无服务": ("信号", "网络", "SIM"),
    "打不了电话": ("信号", "通话"),
    "上不了网": ("网络", "上网"),
    "连不上wifi": ("网络", "wifi"),
    "wifi连不上": ("网络", "wifi"),
    "wifi断": ("网络", "wifi"),
    "蓝牙连不上": ("蓝牙",),
    "没声音": ("声音", "扬声器", "听筒"),
    "没有声音": ("声音", "扬声器", "听筒"),
    "听不见": ("声音", "听筒"),
    "听不到": ("声音", "听筒"),
    "声音小": ("声音", "扬声器"),
    "杂音": ("声音", "扬声器", "噪音"),
    "拍照模糊": ("相机", "摄像头"),
    "相机打不开": ("相机", "摄像头"),
    "摄像头": ("相机", "摄像头"),
    "掉水里": ("进水",),
    "泡水": ("进水",),
    "淋湿": ("进水",),
    "进水": ("进水",),
    # appliances
    "不制冷": ("制冷", "不制冷", "温度"),
    "不冷": ("制冷", "不制冷", "温度"),
    "不凉": ("制冷", "不制冷", "温度"),
    "不够冷": ("制冷", "不制冷", "温度"),
    "不冻": ("制冷", "冷冻", "温度"),
    "不制热": ("制热", "温度"),
    "不热": ("制热", "温度"),
    "结冰": ("结霜", "化霜"),
    "结霜": ("结霜", "化霜"),
    "有冰": ("结霜", "化霜"),
    "声音大": ("噪音", "异响"),
    "噪音大": ("噪音", "异响"),
    "嗡嗡响": ("噪音", "异响"),
    "咔咔响": ("噪音", "异响"),
    "异响": ("噪音", "异响"),
    "漏水": ("漏水", "排水"),
    "滴水": ("漏水", "排水"),
    "渗水": ("漏水",),
    "不排水": ("排水", "排水故障"),
    "排不出水": ("排水", "排水故障"),
    "积水": ("排水", "排水故障"),
    "不脱水": ("脱水", "排水"),
    "甩不干": ("脱水",),
    "门关不上": ("门封", "门"),
    "关不严": ("门封", "门"),
    "不转": ("电机", "不转"),
    "遥控器没反应": ("遥控器",),
    "遥控失灵": ("遥控器",),
    "跳闸": ("漏电", "电源"),
    "e1": ("故障代码",),
    "故障码": ("故障代码",),
    "报错": ("故障代码",),
    "键盘失灵": ("键盘",),
    "按键没反应": ("键盘", "按键"),
    "触控板": ("触控板", "触摸"),
}

# Words jieba should keep whole (domain vocabulary of the trade).
DOMAIN_WORDS = (
    "充不进电", "充不上电", "开不了机", "无法开机", "无法充电", "充电故障", "开机故障", "不制冷", "不制热",
    "碎屏", "花屏", "闪屏", "黑屏", "蓝屏", "死机", "充电口", "充电器", "充电线", "数据线", "不脱水", "不排水",
    "鼓包", "掉电", "耗电", "自检", "自检指南", "化霜", "结霜", "门封", "压缩机", "温控器", "主板", "电源适配器",
    "听筒", "扬声器", "摄像头", "触控板", "故障代码", "屏幕更换", "电池更换", "排水故障", "充电慢", "自动关机",
)

STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 哦 嗯 我 我的 你 您 他 她 它 是 在 有 和 与 就 也 都 很 还 又 再 才 一下 一直 一个 怎么办 "
    "怎么 怎么回事 什么 为什么 突然 请问 帮 帮忙 求助 问题 这个 那个 现在 今天 昨天 时候 之后 以后 已经 可以 能 会 "
    "要 想 说 去 来 给 把 被 让 没 不 了 着 过 个 上 下 里 中 后 前 时 等 或 及 但 但是 而且 然后 所以 因为 如果 "
    "一 二 两 次 些 点 好 用 买 刚 才 就是 还是 一样 看看 麻烦 谢谢 你好 您好".split()
)
# Single characters carry meaning only for a few fault words; other single characters are noise.
SINGLE_CHAR_KEEP = frozenset("屏卡烫冷热响漏")

_WORD = re.compile(r"^\w+$")
_init_lock = threading.Lock()
_ready = False


def _jieba():
    global _ready
    import jieba

    if not _ready:
        with _init_lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                for word in (*DOMAIN_WORDS, *SYNONYMS):
                    if len(word) > 1:
                        jieba.add_word(word, freq=20000)
                jieba.initialize()
                _ready = True
    return jieba


def normalize(text: str) -> str:
    """Lower-case and fold full-width ASCII (ＷｉＦｉ -> wifi)."""
    folded = []
    for ch in text or "":
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        elif code == 0x3000:
            ch = " "
        folded.append(ch)
    return "".join(folded).lower()


def expansions(text: str) -> list[str]:
    """Canonical terms for every colloquial phrase found in ``text``."""
    text = normalize(text)
    found: list[str] = []
    for phrase, terms in SYNONYMS.items():
        if phrase in text:
            found.extend(terms)
    return found


def tokens(text: str, *, expand: bool = True) -> list[str]:
    """Search-mode tokens of ``text`` without stopwords and noise, plus synonym expansions."""
    text = normalize(text)
    out = []
    for token in _jieba().cut_for_search(text):
        token = token.strip()
        if not token or token in STOPWORDS or not _WORD.match(token):
            continue
        if len(token) == 1 and token not in SINGLE_CHAR_KEEP and not token.isdigit():
            continue
        out.append(token)
    if expand:
        out.extend(t.lower() for t in expansions(text))
    return out


def index_text(*, title: str, summary: str = "", body: str = "", tags: Iterable[str] = ()) -> str:
    """What an article stores in ``segmented_text``: title counted twice, then summary, tags and body."""
    title_tokens = tokens(title)
    parts = [*title_tokens, *title_tokens, *tokens(summary), *tokens(" ".join(tags or ())), *tokens(body)]
    return f" {' '.join(parts)} "


def query_terms(query: str, *, max_terms: int = 24) -> list[str]:
    """Distinct query tokens, in order of first appearance, capped to keep queries cheap."""
    seen: dict[str, None] = {}
    for token in tokens(query):
        seen.setdefault(token, None)
    return list(seen)[:max_terms]


def tsquery(terms: Iterable[str]) -> str:
    """A raw to_tsquery OR-expression; terms are plain word tokens, quoted for safety."""
    return " | ".join(f"'{t}'" for t in terms if _WORD.match(t))


@dataclass
class Scored:
    pk: int
    score: float


def bm25(
    *, terms: list[str], docs: list[tuple[int, str]], total_docs: int, df: dict[str, int] | None = None,
    k1: float = 1.2, b: float = 0.75,
) -> list[Scored]:
    """Rank ``docs`` (pk, segmented text) for ``terms`` with BM25.

    ``total_docs`` is the size of the searched collection and ``df`` its document frequencies;
    without ``df`` they are counted on ``docs`` (right when ``docs`` holds every document that
    contains a term, an approximation otherwise).
    """
    if not docs or not terms:
        return []
    counted = [(pk, Counter(text.split())) for pk, text in docs]
    lengths = [sum(c.values()) for _pk, c in counted]
    avg_len = (sum(lengths) / len(lengths)) or 1.0
    local_df = {t: sum(1 for _pk, c in counted if t in c) for t in terms}
    df = {t: max((df or {}).get(t, 0), local_df[t]) for t in terms}
    n = max(total_docs, len(docs))
    idf = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in terms}
    scored = []
    for (pk, counts), length in zip(counted, lengths, strict=True):
        score = 0.0
        for t in terms:
            tf = counts.get(t, 0)
            if tf:
                score += idf[t] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg_len))
        if score > 0:
            scored.append(Scored(pk=pk, score=score))
    scored.sort(key=lambda s: (-s.score, s.pk))
    return scored
