from __future__ import annotations

import pytest

from surveys.complaints import detect_complaint


@pytest.mark.parametrize(
    "text",
    [
        "师傅态度差，等了三天",
        "我要投诉这个网点",
        "再也不来你们这修了",
        "完全是骗人，换的是翻新件",
        "非常不满意！",
        "不但态度差，还乱收费",
        "修了两次还是没修好",
    ],
)
def test_complaints_are_recognised(text):
    verdict = detect_complaint(text)
    assert verdict.is_complaint, (text, verdict)


@pytest.mark.parametrize(
    "text",
    [
        "态度不差，修得也快",
        "师傅没有骗人，很实在",
        "并不是不满意，只是有点慢",
        "很好，谢谢师傅",
        "",
        "不会投诉的，挺好",
        "有点迟到",
    ],
)
def test_praise_and_negated_phrases_are_not_complaints(text):
    verdict = detect_complaint(text)
    assert not verdict.is_complaint, (text, verdict)


def test_longest_phrase_wins_and_terms_are_reported():
    verdict = detect_complaint("非常不满意")
    assert verdict.terms == ["非常不满意"]
    assert verdict.score == 3
    assert detect_complaint("态度不差").negated == []
    assert detect_complaint("没有骗人").negated == ["骗人"]
