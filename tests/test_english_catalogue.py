"""The English catalogue: every zh-hans source string has an English translation, compiled and used.

The product is written in Chinese; English readers see locale/en. A string added without English
shows up as Chinese on an English page, so the catalogue must be complete and its .mo current.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

from repairs.warranty import Choice, Claim, evaluate, load_rule_book, rules_for
from repairs.warranty.card import decision_card
from repairs.warranty.types import msgid

PO = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _entries() -> list[dict]:
    """The live entries of the .po file: msgid, msgstr (first form), context, plural, flags."""
    entries = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.strip().splitlines() if line and not line.startswith("#~")]
        entry: dict = {"flags": set(), "msgctxt": None, "msgid_plural": None}
        key = None
        for line in lines:
            if line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)
            else:
                key, _, rest = line.partition(" ")
                key = "msgstr" if key == "msgstr[0]" else key
                entry[key] = ast.literal_eval(rest)
        if entry.get("msgid"):
            entries.append(entry)
    return entries


def test_english_catalogue_has_no_empty_or_fuzzy_entry():
    entries = _entries()
    assert len(entries) > 1000
    missing = [e["msgid"] for e in entries if not e.get("msgstr")]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not missing, missing[:10]
    assert not fuzzy, fuzzy[:10]


def test_english_catalogue_keeps_every_placeholder():
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}|\{\{ *[\w.]+ *\}\}")
    broken = [(e["msgid"], e["msgstr"]) for e in _entries()
              if sorted(placeholder.findall(e["msgid"])) != sorted(placeholder.findall(e["msgstr"]))]
    assert not broken, broken[:5]


def test_compiled_catalogue_matches_the_po_file():
    """django.mo is compiled from the current django.po (otherwise new English never reaches a page)."""
    stale = []
    with translation.override("en"):
        for e in _entries():
            if e["msgctxt"] is None and e["msgid_plural"] is None and gettext(e["msgid"]) != e["msgstr"]:
                stale.append(e["msgid"])
    assert not stale, stale[:10]


SALE = dt.date(2025, 3, 3)


def _phone(days_after: int, **kw) -> Claim:
    base = {"category": "phone", "invoice_date": SALE, "sale_date": SALE, "fault_code": "phone.no_power",
            "claim_date": SALE + dt.timedelta(days=days_after), "price": Decimal("3000.00")}
    base.update(kw)
    return Claim(**base)


@pytest.mark.parametrize("claim", [
    _phone(3, choice=Choice.REFUND),
    _phone(10, choice=Choice.EXCHANGE),
    _phone(100),
    _phone(100, choice=Choice.REFUND),
    _phone(500),
    _phone(3, fault_code="phone.cosmetic"),
    _phone(3, invoice_date=None, sale_date=None),
], ids=["refund-day-3", "exchange-day-10", "repair-day-100", "refund-day-100", "expired", "not-listed", "no-date"])
def test_warranty_verdict_reads_in_english(claim):
    """Every sentence of a 三包 verdict is translated; only data (fault names, regulations) stays Chinese."""
    verdict = evaluate(claim, rules_for(load_rule_book(), category="phone", on=SALE), lambda day: False)
    assert verdict.reasons
    with translation.override("en"):
        for reason in verdict.reasons:
            template = gettext(msgid(reason.message))
            assert not CJK.search(template.replace("三包", "")), msgid(reason.message)
        card = decision_card(verdict.as_dict())
        labels = [o["label"] for o in card["options"]] + [o["payer"] for o in card["options"]]
        labels += [o["value"] for o in card["options"]]
        if card.get("decision"):
            labels += [card["decision"][k] for k in ("status_label", "choice", "remedy", "payer", "value")]
        assert not [text for text in labels if CJK.search(text)], labels


def test_service_report_hides_evidence_ids_in_english_too():
    """The printed report replaces exclusion evidence (attachment ids) by a note in either language."""
    from repairs.report_warranty import _public

    message = "存在排除事由：%(label)s（证据：%(evidence)s），不实行三包，可收费修理。"
    for language in ("zh-hans", "en"):
        with translation.override(language):
            text = _public(gettext(message) % {"label": "X", "evidence": "4711, 4712"})
            assert "4711" not in text
            assert gettext("（已附证据）") in text


def test_admin_header_in_english():
    from django.contrib import admin

    import config.urls  # noqa: F401  (sets the site's header)

    with translation.override("en"):
        assert not CJK.search(str(admin.site.site_header) + str(admin.site.site_title) + str(admin.site.index_title))
