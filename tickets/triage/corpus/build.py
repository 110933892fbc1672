"""Build train.jsonl from the hand-written seed reports (seeds_*.py; README.md says how each round was written).

Run: ``.venv/bin/python -m tickets.triage.corpus.build`` (deterministic; rewrites train.jsonl).

Every seed is a report a customer could write; the builder varies how it is written, never what it
says: the product word (手机, iPad, 格力空调, or none), greetings and closing words, urgency and anger,
typing slips and homophones, pinyin and initials (sj, kt, bjb), emoji, and a second, minor symptom
appended to the main one. The label stays the seed's leaf; the register (direct / indirect) is the
seed's own.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from .seeds_gaps import HOME_GAPS, LAPTOP_GAPS, MOBILE_GAPS, TABLET_GAPS
from .seeds_home import HOME, REQUESTS
from .seeds_mobile import LAPTOP_EXTRA, MOBILE
from .seeds_more import HOME_MORE, LAPTOP_MORE, MOBILE_MORE
from .seeds_requests import LAPTOP_BODY, MOBILE_BODY, REQUEST_ROUND, TABLET_BODY
from .seeds_voices_home import (
    HOME_INDIRECT,
    HOME_MORE_VOICES,
    HOME_STORIES,
    HOME_VOICES,
    REQUEST_INDIRECT,
    REQUEST_MORE,
    REQUEST_STORIES,
    REQUEST_VOICES,
)
from .seeds_voices_mobile import (
    LAPTOP_INDIRECT,
    LAPTOP_VOICES,
    MOBILE_INDIRECT,
    MOBILE_STORIES,
    MOBILE_VOICES,
    TABLET_VOICES,
)

OUT = Path(__file__).resolve().parent / "train.jsonl"
PER_LEAF = 200
RANDOM_SEED = 20261126

PRODUCT_WORDS = {
    "phone": ["手机", "手机", "手机", "苹果手机", "iPhone", "华为手机", "小米手机", "安卓手机", "新买的手机", "老人机",
              "荣耀", "OPPO手机", "vivo", "我的手机", "爸爸的手机", "刚买的华为"],
    "tablet": ["平板", "平板", "平板电脑", "iPad", "ipad", "华为平板", "小米平板", "孩子的学习平板", "pad", "MatePad",
               "平板电脑", "我的iPad"],
    "laptop": ["笔记本", "笔记本电脑", "电脑", "联想笔记本", "游戏本", "MacBook", "拯救者", "轻薄本", "办公电脑",
               "笔记本", "ThinkPad", "华为笔记本"],
    "tv": ["电视", "电视机", "液晶电视", "智能电视", "海信电视", "小米电视", "客厅的电视", "65寸电视", "TCL电视"],
    "fridge": ["冰箱", "冰箱", "双开门冰箱", "海尔冰箱", "美的冰箱", "家里的冰箱", "新买的冰箱", "容声冰箱"],
    "washer": ["洗衣机", "洗衣机", "滚筒洗衣机", "波轮洗衣机", "洗烘一体机", "小天鹅洗衣机", "海尔滚筒"],
    "ac": ["空调", "空调", "挂机", "柜机", "格力空调", "美的空调", "卧室空调", "客厅的空调", "变频空调"],
    "other": ["微波炉", "热水器", "油烟机", "燃气灶", "洗碗机", "电饭煲", "净水器", "烤箱", "扫地机器人"],
}
# Where each kind of request comes from, most frequent first.
REQUEST_LINES = {
    "request.installation": ["ac", "tv", "washer", "fridge", "other"],
    "request.relocation": ["ac", "ac", "ac", "tv", "washer", "fridge"],
    "request.maintenance": ["ac", "ac", "washer", "other", "fridge"],
    "request.delivery": list(PRODUCT_WORDS),
    "request.billing": list(PRODUCT_WORDS),
    "request.complaint": list(PRODUCT_WORDS),
    "request.consultation": list(PRODUCT_WORDS),
}
LAPTOP_UNFIT = re.compile(r"听筒|SIM|卡插|后盖|后玻璃|后背玻璃|背面的玻璃|背面那块玻璃|玻璃渣|手机壳|背板|houga|马桶|口袋|裤兜|游泳|抖音|铃声|打电话|锁屏|侧边|老人|扫码|洗衣服")

PREFIXES = ["", "", "", "", "你好，", "您好，", "客服你好，", "师傅你好，", "在吗？", "急！", "求助：", "麻烦问一下，",
            "那个，", "哎，", "我想报修，", "帮忙看看，", "请问一下，", "我家", "刚才", "真是无语，", "烦死了，",
            "气死我了，", "什么破质量，", "刚买没多久就", "用了两年了，", "昨天开始", "这两天", "早上起来发现",
            "我妈说", "老婆让我问下，"]
SUFFIXES = ["", "", "", "", "。", "，怎么办", "，能修吗", "，麻烦尽快处理", "，还在保修期", "，急用", "！！！",
            "，修一下多少钱", "，谢谢", "，刚买三个月", "，上门还是寄修？", "，怎么回事啊", "，求解决",
            "，能不能派个师傅来看看", "，这个保修吗", "。。。", "，在线等", "，太影响使用了", "，你们给个说法",
            "，已经重启过了没用", "，之前没摔过", "?", "，有没有人管"]
EMOJI = ["😭", "😡", "🙏", "😤", "💔", "😓", "😩", "🤬", "😢", "🥵", "❄️", "💧", "🔥", "😫", "👿", "🆘"]
TYPOS = [("屏幕", "平幕"), ("屏幕", "瓶幕"), ("充电", "冲电"), ("开机", "开鸡"), ("手机", "手鸡"), ("声音", "身音"),
         ("空调", "空掉"), ("冰箱", "冰相"), ("洗衣机", "洗衣鸡"), ("制冷", "致冷"), ("漏水", "露水"), ("维修", "为修"),
         ("电池", "电弛"), ("信号", "信好"), ("摄像头", "摄相头"), ("键盘", "健盘"), ("的", "得"), ("在", "再"),
         ("坏了", "怀了"), ("不", "布"), ("已经", "以经"), ("怎么", "咋"), ("没有", "没"), ("什么", "啥"),
         ("这样", "酱紫"), ("非常", "灰常"), ("觉得", "觉的"), ("进水", "近水"), ("遥控器", "摇控器"), ("脱水", "托水")]
PINYIN = [("手机", "sj"), ("屏幕", "pingmu"), ("空调", "kt"), ("笔记本", "bjb"), ("不", "bu"), ("电池", "dianchi"),
          ("充电", "chongdian"), ("什么", "sm"), ("怎么", "zm"), ("冰箱", "bingxiang"), ("洗衣机", "xyj"),
          ("平板", "pb"), ("电视", "ds"), ("没有", "meiyou"), ("师傅", "sf"), ("客服", "kf"), ("谢谢", "xx"),
          ("真的", "zhende"), ("开机", "kaiji"), ("信号", "xinhao"), ("好的", "hd")]
CONNECTORS = ["，而且", "，另外", "，还有就是", "，顺便说下", "，对了", "，同时"]


def _seeds() -> dict[str, list[tuple[str, str]]]:
    """leaf -> [(register, template)]."""
    def parse(items):
        return [("indirect" if s.startswith("I|") else "direct", s[2:]) for s in items]

    seeds: dict[str, list[tuple[str, str]]] = {}
    for line in ("phone", "tablet", "laptop"):
        for family, items in MOBILE.items():
            chosen = parse(items + MOBILE_MORE.get(family, []) + MOBILE_VOICES.get(family, [])
                           + MOBILE_STORIES.get(family, []) + MOBILE_INDIRECT.get(family, [])
                           + MOBILE_GAPS.get(family, []) + MOBILE_BODY.get(family, []))
            if line == "laptop":
                chosen = [(r, t) for r, t in chosen if not LAPTOP_UNFIT.search(t)]
                chosen += parse(LAPTOP_EXTRA.get(family, []) + LAPTOP_VOICES.get(family, [])
                                + LAPTOP_GAPS.get(family, []) + LAPTOP_BODY.get(family, [])) * 2
            if line == "tablet":
                chosen += parse(TABLET_VOICES.get(family, []) + TABLET_GAPS.get(family, [])
                                + TABLET_BODY.get(family, [])) * 2
            seeds[f"{line}.{family}"] = chosen
        if line == "laptop":
            seeds["laptop.keyboard_touchpad"] = parse(LAPTOP_EXTRA["keyboard_touchpad"]
                                                      + LAPTOP_MORE["keyboard_touchpad"]
                                                      + LAPTOP_VOICES["keyboard_touchpad"]
                                                      + LAPTOP_INDIRECT["keyboard_touchpad"]
                                                      + LAPTOP_GAPS["keyboard_touchpad"])
    for leaf, items in {**HOME, **REQUESTS}.items():
        seeds[leaf] = parse(items + HOME_MORE.get(leaf, []) + HOME_VOICES.get(leaf, []) + HOME_STORIES.get(leaf, [])
                            + HOME_MORE_VOICES.get(leaf, []) + HOME_INDIRECT.get(leaf, [])
                            + REQUEST_INDIRECT.get(leaf, [])
                            + REQUEST_VOICES.get(leaf, []) + REQUEST_STORIES.get(leaf, []) + REQUEST_MORE.get(leaf, [])
                            + HOME_GAPS.get(leaf, []) + REQUEST_ROUND.get(leaf, []))
    return seeds


_NAMED = [("ac", "空调"), ("tv", "电视"), ("washer", "洗衣机"), ("fridge", "冰箱"), ("phone", "手机"),
          ("other", "热水器|油烟机|微波炉|燃气灶")]


def _named_line(template: str) -> str | None:
    """The product line a request's own words already name (空调移机), if any."""
    return next((line for line, words in _NAMED if re.search(words, template)), None)


def _product(rng: random.Random, line: str, template: str, keep: float) -> str:
    word = rng.choice(PRODUCT_WORDS[line])
    if "{p}" in template:
        return template.replace("{p}", word if rng.random() < keep else "")
    if rng.random() < keep * 0.6:
        lead = rng.choice(["{w}", "我的{w}", "家里的{w}", "{w}，", "{w}出问题了，", "这台{w}"]).format(w=word)
        return lead + template
    return template


def _slip(rng: random.Random, text: str, table, chance: float) -> str:
    for right, wrong in rng.sample(table, k=len(table)):
        if right in text and rng.random() < chance:
            text = text.replace(right, wrong, 1)
    return text


def _vary(rng: random.Random, leaf: str, line: str, template: str, seeds, register: str) -> str:
    keep = {"phone": 0.55, "tablet": 0.9, "laptop": 0.8}.get(line, 0.75)
    text = _product(rng, line, template, keep)
    if rng.random() < 0.12:  # a second, minor symptom of the same line
        others = [k for k in seeds if k.startswith(line + ".") and k != leaf and not k.startswith("request.")]
        if others:
            minor = rng.choice([t for r, t in seeds[rng.choice(others)] if r == "direct"] or [""])
            minor = minor.replace("{p}", "")
            if minor:
                text += rng.choice(CONNECTORS) + rng.choice(["有点", "偶尔", "好像也", ""]) + minor
    text = rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)
    roll = rng.random()
    if roll < 0.18:
        text = _slip(rng, text, TYPOS, 0.5)
    elif roll < 0.28:
        text = _slip(rng, text, PINYIN, 0.5)
    if rng.random() < 0.2:
        text += "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.08:
        text = text.replace("，", " ").replace("。", " ")
    return re.sub(r"，，+", "，", text).strip("，")


def build(per_leaf: int = PER_LEAF, seed: int = RANDOM_SEED) -> list[dict]:
    rng = random.Random(seed)
    seeds = _seeds()
    rows: list[dict] = []
    seen: set[str] = set()
    for leaf in sorted(seeds):
        items = seeds[leaf]
        # A leaf with more distinct seeds than variants would lose some of them; it gets a quarter more.
        wanted = max(per_leaf, len(set(items)) * 5 // 4)
        made, attempts = 0, 0
        while made < wanted and attempts < wanted * 20:
            attempts += 1
            index = attempts % len(items) if attempts <= len(items) else rng.randrange(len(items))
            register, template = items[index]
            line = rng.choice(REQUEST_LINES[leaf]) if leaf in REQUEST_LINES else leaf.split(".")[0]
            named = _named_line(template)
            if leaf in REQUEST_LINES and named:
                line, template = named, template.replace("{p}", "")
            text = _vary(rng, leaf, line, template, seeds, register)
            if text in seen or len(text) < 3:
                continue
            seen.add(text)
            made += 1
            rows.append({"id": f"t{len(rows) + 1:05d}", "text": text, "product_line": line, "label": leaf,
                         "register": register, "seed": template.replace("{p}", "")})
    rng.shuffle(rows)
    return rows


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} reports, {len({r['label'] for r in rows})} leaves -> {OUT}")


if __name__ == "__main__":
    main()
