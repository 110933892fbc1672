"""A verified intake key is remembered by the web process, and refused from the next request on once
it is revoked, deleted or expired, by whichever process or path made the change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from tickets import reference
from tickets.intake import keys
from tickets.intake.keys import channel_key_verify
from tickets.models import IntakeChannelKey


def _remembered() -> dict:
    return {k: v for k, v in reference._entries.items() if k[0] == "intake_channel_key"}


@pytest.fixture(autouse=True)
def _forget():
    reference.reference_forget()
    yield
    reference.reference_forget()


@pytest.mark.django_db
def test_a_verified_key_costs_no_query_until_a_key_changes(django_assert_num_queries):
    row, raw = IntakeChannelKey.objects.create_key(name="品牌 App", channel="app")
    with django_assert_num_queries(1):
        assert channel_key_verify(raw) == row
    with django_assert_num_queries(0):
        assert channel_key_verify(raw) == row
    # The key itself is never kept, only its digest.
    assert [len(digest) for (_kind, (digest, _version)) in _remembered()] == [64]
    assert raw not in str(_remembered())
    IntakeChannelKey.objects.create_key(name="小程序", channel="mini")  # another key changed: check again
    with django_assert_num_queries(1):
        assert channel_key_verify(raw) == row


@pytest.mark.django_db
def test_a_revoked_key_is_refused_at_once_even_when_another_process_revoked_it():
    row, raw = IntakeChannelKey.objects.create_key(name="品牌 App", channel="app")
    assert channel_key_verify(raw) == row
    # Another process revokes it: this process's memory is untouched, the shared version is new.
    remembered = _remembered()
    row.revoked = True
    row.save()
    reference._entries.update(remembered)
    assert channel_key_verify(raw) is None


@pytest.mark.django_db
def test_a_key_deleted_in_bulk_is_refused():
    row, raw = IntakeChannelKey.objects.create_key(name="品牌 App", channel="app")
    assert channel_key_verify(raw) == row
    IntakeChannelKey.objects.filter(pk=row.pk).delete()
    assert channel_key_verify(raw) is None


@pytest.mark.django_db
def test_an_expired_key_is_refused_even_while_remembered(time_machine):
    row, raw = IntakeChannelKey.objects.create_key(name="品牌 App", channel="app",
                                                   expiry_date=timezone.now() + dt.timedelta(hours=1))
    assert channel_key_verify(raw) == row
    time_machine.move_to(timezone.now() + dt.timedelta(hours=2))
    assert channel_key_verify(raw) is None


@pytest.mark.django_db
def test_without_the_shared_version_a_revocation_reaches_every_process_within_the_memory_time(monkeypatch):
    row, raw = IntakeChannelKey.objects.create_key(name="品牌 App", channel="app")
    assert channel_key_verify(raw) == row
    remembered = _remembered()
    IntakeChannelKey.objects.filter(pk=row.pk).update(revoked=True)  # no signal: only the clock helps
    cache.delete(keys.VERSION_CACHE_KEY)
    reference._entries.update({(kind, (digest, None)): hit for (kind, (digest, _v)), hit in remembered.items()})
    assert channel_key_verify(raw) == row  # still remembered
    clock = reference.time.monotonic() + settings.REFERENCE_CACHE_SECONDS + 1
    monkeypatch.setattr(reference.time, "monotonic", lambda: clock)
    assert channel_key_verify(raw) is None


@pytest.mark.django_db
def test_a_wrong_key_with_a_known_prefix_is_refused():
    row, raw = IntakeChannelKey.objects.create_key(name="品牌 App", channel="app")
    assert channel_key_verify(raw) == row
    prefix = raw.partition(".")[0]
    assert channel_key_verify(prefix + ".not-the-secret") is None


@pytest.mark.parametrize(("language", "shown"), [
    ("zh-hans", ["前缀", "名称", "创建时间", "已过期", "已吊销", "请立即妥善保存"]),
    ("en", ["Prefix", "Name", "Created", "Expired", "Revoked", "Store it safely now"]),
])
def test_staff_create_a_key_and_read_it_once_in_their_language(client, superuser, language, shown):
    client.force_login(superuser)
    response = client.post("/admin/tickets/intakechannelkey/add/", {"name": "品牌 App", "channel": "app"},
                           follow=True, HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    row = IntakeChannelKey.objects.get()
    key = next(word for word in page.replace("：", " ").split() if word.startswith(row.prefix + "."))
    assert channel_key_verify(key) == row  # the key shown is the one that works
    for text in shown:
        assert text in page
    assert "The API key for" not in page  # the library's own words are not shown
    assert "Has expired" not in page
