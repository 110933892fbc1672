from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import factories
from tickets.intake import classifier
from tickets.intake.selectors import classifier_active, training_samples_from_tickets
from tickets.intake.services import classifier_train, classify, triage_correct
from tickets.intake.taxonomy import LEAF_CODES, TAXONOMY, taxonomy_sync
from tickets.models import ClassifierModel, FaultCategory, Ticket


@pytest.mark.parametrize(
    ("text", "product", "code"),
    [("屏幕碎了", "phone", "screen"), ("掉电快", None, "battery"), ("充不进电", None, "charging"),
     ("冰箱不制冷", None, "fridge_cooling"), ("洗衣机不脱水", None, "washer"), ("空调漏水", None, "ac_leak"),
     ("开不了机", None, "no_power"), ("进水了", None, "water_damage"), ("摔了一下屏幕花屏", None, "screen")],
)
def test_shipped_corpus_classifies_typical_reports(taxonomy, text, product, code):
    prediction, version = classify(text=text, product_category=product)
    assert prediction.code == code
    assert version == ClassifierModel.objects.get(is_active=True).pk


def test_tokenizer_uses_words_and_bigrams():
    tokens = classifier.tokenize("摔了一下屏幕花屏")
    assert "屏幕" in tokens
    assert "_花屏" in tokens
    assert "了" not in tokens


def test_product_category_restricts_candidates(taxonomy):
    prediction, _v = classify(text="不制冷了", product_category="fridge")
    assert prediction.code == "fridge_cooling"
    assert all(code in ("fridge_cooling", "system", "account", "shipping", "install")
               for code, _p in prediction.ranked)


def test_empty_or_unknown_text_has_no_prediction(taxonomy):
    prediction, _v = classify(text="嗯嗯")
    assert prediction.code is None
    assert prediction.confidence == 0.0


def test_first_use_trains_from_the_shipped_corpus(db):
    taxonomy_sync()
    assert not ClassifierModel.objects.exists()
    prediction, version = classify(text="空调不制冷")
    assert prediction.code == "ac_cooling"
    assert ClassifierModel.objects.get(pk=version).is_active


def test_model_learns_from_resolved_tickets_and_corrections(taxonomy, agent):
    word = "咔哒咔哒怪声"
    assert classify(text=word)[0].code != "washer"
    for _ in range(6):
        ticket = factories.TicketFactory(description=f"{word}很响", fault_category=taxonomy["washer"])
        Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.RESOLVED)
    corrected = factories.TicketFactory(description=f"{word}，请上门看看")
    triage_correct(ticket=corrected, fault_category=taxonomy["washer"], by=agent)
    samples = training_samples_from_tickets()
    assert sum(1 for _t, code in samples if code == "washer") == 7
    model = classifier_train()
    assert model.ticket_sample_count == 7
    assert classifier_active()[0] == model.pk
    assert classify(text=word)[0].code == "washer"
    assert ClassifierModel.objects.filter(is_active=True).count() == 1


def test_retrain_keeps_a_few_models(taxonomy):
    for _ in range(7):
        classifier_train()
    assert ClassifierModel.objects.count() == 5


def test_taxonomy_sync_is_idempotent_and_complete(db):
    taxonomy_sync()
    taxonomy_sync()
    assert FaultCategory.objects.count() == len(TAXONOMY)
    screen = FaultCategory.objects.get(code="screen")
    assert screen.parent.code == "mobile"
    assert screen.required_skill == "screen"
    assert "碎屏" in screen.keywords


def test_training_and_benchmark_sets_are_disjoint_and_cover_every_leaf():
    bench = Path(__file__).resolve().parents[1] / "bench" / "data" / "triage_labelled.jsonl"
    labelled = [json.loads(line) for line in bench.read_text(encoding="utf-8").splitlines() if line.strip()]
    corpus = classifier.corpus_load()
    assert len(labelled) >= 300
    assert not {r["text"] for r in labelled} & {r["text"] for r in corpus}
    assert {r["category"] for r in labelled} == set(LEAF_CODES)
    assert {r["category"] for r in corpus} == set(LEAF_CODES)


def test_daily_retrain_schedule_and_task(taxonomy):
    from django_q.models import Schedule

    from tickets.intake.tasks import classifier_retrain

    schedule = Schedule.objects.get(name="intake.classifier_retrain")
    assert schedule.func == "tickets.intake.tasks.classifier_retrain"
    assert schedule.schedule_type == Schedule.DAILY
    model_id = classifier_retrain()
    assert ClassifierModel.objects.get(pk=model_id).is_active
