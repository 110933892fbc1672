"""Recognising a complaint in a Chinese free-text comment: a phrase lexicon with negation handling.

Phrases are matched longest first (``非常不满意`` before ``不满意``) within one clause; a phrase
preceded in its clause by a negator (``不``, ``没有``, ``并不`` …, within a few characters) is
negated, so ``态度不差``/``没有骗人``/``并不是不满意`` do not count, while ``态度差``/``我要投诉``/
``再也不来了`` do. Connectives that merely contain 不 (``不但``, ``不仅``, ``不过``) are not negators.
Weights add up; a comment is a complaint at ``COMPLAINT_THRESHOLD`` or more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# phrase -> weight (3: explicit complaint or accusation, 2: clear dissatisfaction, 1: mild signal)
LEXICON: dict[str, int] = {
    "投诉": 3, "举报": 3, "12315": 3, "消协": 3, "消费者协会": 3, "曝光": 2, "起诉": 3, "维权": 3,
    "骗人": 3, "骗子": 3, "欺骗": 3, "忽悠": 3, "坑人": 3, "被坑": 3, "黑心": 3, "乱收费": 3, "多收费": 3,
    "收红包": 3, "调包": 3, "掉包": 3, "以次充好": 3, "翻新机": 2, "威胁": 3, "骂人": 3, "辱骂": 3,
    "态度差": 2, "态度很差": 3, "态度极差": 3, "态度太差": 3, "态度恶劣": 3, "态度不好": 2, "服务差": 2,
    "服务太差": 3, "服务很差": 3, "太差": 2, "很差": 2, "极差": 3, "差劲": 2, "垃圾": 2, "差评": 2,
    "不满意": 2, "很不满意": 3, "非常不满意": 3, "极不满意": 3, "失望": 2, "太失望": 3, "恶心": 2,
    "敷衍": 2, "推诿": 2, "踢皮球": 2, "推卸责任": 2, "不负责": 2, "不负责任": 3, "不专业": 2,
    "不耐烦": 2, "爽约": 2, "放鸽子": 2, "迟到": 1, "不守时": 1, "拖延": 1, "拖了": 1, "太慢": 1,
    "没修好": 2, "没有修好": 2, "修不好": 2, "又坏了": 2, "还是坏的": 2, "越修越坏": 3, "修坏了": 3,
    "再也不": 2, "再也不会": 2, "不会再买": 2, "不会再来": 2, "退货": 1, "无语": 1, "气死": 2,
}
COMPLAINT_THRESHOLD = 2
NEGATORS = ("一点也不", "一点都不", "并没有", "从来没", "从没", "并不", "毫不", "绝不", "不是", "没有", "没", "不", "无", "未", "别")
# Words that contain a negator character but do not negate what follows.
NOT_NEGATORS = ("不但", "不仅", "不过", "不管", "不论", "不久", "不少", "不停", "不断", "无论", "别的", "别人")
NEGATION_WINDOW = 4

_CLAUSES = re.compile(r"[，。！？；,.!?;、\s~～…]+")
_PHRASES = sorted(LEXICON, key=len, reverse=True)


@dataclass
class ComplaintVerdict:
    is_complaint: bool
    score: int = 0
    terms: list[str] = field(default_factory=list)
    negated: list[str] = field(default_factory=list)


def _negated(clause: str, start: int) -> bool:
    window = clause[max(0, start - NEGATION_WINDOW):start]
    for word in NOT_NEGATORS:
        window = window.replace(word, "　" * len(word))
    return any(neg in window for neg in NEGATORS)


def detect_complaint(text: str) -> ComplaintVerdict:
    """Find complaint phrases in ``text``; see the module docstring for the rules."""
    terms: list[str] = []
    negated: list[str] = []
    score = 0
    for clause in _CLAUSES.split((text or "").lower()):
        if not clause:
            continue
        taken = [False] * len(clause)
        for phrase in _PHRASES:
            start = clause.find(phrase)
            while start != -1:
                end = start + len(phrase)
                if not any(taken[start:end]):
                    for i in range(start, end):
                        taken[i] = True
                    if _negated(clause, start):
                        negated.append(phrase)
                    else:
                        terms.append(phrase)
                        score += LEXICON[phrase]
                start = clause.find(phrase, end)
    return ComplaintVerdict(is_complaint=score >= COMPLAINT_THRESHOLD, score=score, terms=terms, negated=negated)
