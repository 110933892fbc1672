from __future__ import annotations

import pytest
from knox.models import AuthToken

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login/"


def login(client, username, password="demo-pass-2026", **extra):
    return client.post(LOGIN, {"username": username, "password": password, "device": "Mate 60"}, format="json",
                       **extra)


def test_login_returns_an_expiring_token_that_works(anon_client, technician):
    response = login(anon_client, technician.user.username)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["expiry"] is not None
    assert body["user"]["technician"]["employee_no"] == technician.employee_no
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    me = anon_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == technician.user.username
    assert "维修工程师" in me.json()["roles"]


def test_each_device_gets_its_own_token_and_logout_revokes_only_that_one(anon_client, technician):
    first = login(anon_client, technician.user.username).json()["token"]
    second = login(anon_client, technician.user.username).json()["token"]
    assert first != second
    assert AuthToken.objects.filter(user=technician.user).count() == 2
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert anon_client.post("/api/v1/auth/logout/").status_code == 204
    assert anon_client.get("/api/v1/me/").status_code == 401
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert anon_client.get("/api/v1/me/").status_code == 200
    assert anon_client.post("/api/v1/auth/logout-all/").status_code == 204
    assert anon_client.get("/api/v1/me/").status_code == 401


def test_wrong_password_is_refused_in_the_error_shape(anon_client, technician):
    response = login(anon_client, technician.user.username, password="wrong")
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"code", "message", "extra"}
    assert body["code"] == "authentication_failed"


def test_deactivated_users_tokens_stop_working_at_once(tech_client, technician):
    assert tech_client.get("/api/v1/me/").status_code == 200
    technician.user.is_active = False
    technician.user.save(update_fields=["is_active"])
    response = tech_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_deactivated_user_cannot_log_in(anon_client, technician):
    technician.user.is_active = False
    technician.user.save(update_fields=["is_active"])
    assert login(anon_client, technician.user.username).status_code == 401


def test_login_is_throttled_per_username_across_ips(private_cache, anon_client, technician):
    for i in range(10):
        response = login(anon_client, technician.user.username, password="wrong", REMOTE_ADDR=f"10.0.0.{i}")
        assert response.status_code == 401
    response = login(anon_client, technician.user.username, REMOTE_ADDR="10.0.1.1")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert body["extra"]["retry_after"] >= 1
    assert int(response["Retry-After"]) == body["extra"]["retry_after"]


def test_a_typed_name_counts_against_its_account_under_a_key_any_cache_accepts(private_cache, anon_client,
                                                                              technician):
    from types import SimpleNamespace

    from django.core.cache.backends.base import memcache_key_warnings

    from repairs.api.auth import LoginUsernameThrottle

    name = technician.user.username
    for i, typed in enumerate([f"  {name.upper()} ", name, f"{name}\t"] * 4):
        if i == 10:
            break
        assert login(anon_client, typed, password="wrong", REMOTE_ADDR=f"10.0.2.{i}").status_code == 401
    assert login(anon_client, name, REMOTE_ADDR="10.0.3.1").status_code == 429
    throttle = LoginUsernameThrottle()
    for typed in ("用户名\u200b\x7f", "a b\x1b", "名" * 400):
        key = throttle.get_cache_key(SimpleNamespace(data={"username": typed}), None)
        assert not list(memcache_key_warnings(key)), key  # no space, control character or excess length
    assert len({throttle.get_cache_key(SimpleNamespace(data={"username": t}), None) for t in ("Li", " li ")}) == 1


def test_login_is_throttled_per_ip(private_cache, anon_client, technician):
    for i in range(10):
        login(anon_client, f"nobody{i}", password="wrong", REMOTE_ADDR="10.9.9.9")
    response = login(anon_client, technician.user.username, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429


def test_unauthenticated_requests_get_401(anon_client):
    response = anon_client.get("/api/v1/jobs/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_requests_are_throttled_per_user(private_cache, monkeypatch, tech_client, other_technician):
    from rest_framework import throttling

    from tests.api.conftest import client_for

    monkeypatch.setattr(throttling.UserRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})
    for _ in range(3):
        assert tech_client.get("/api/v1/me/").status_code == 200
    response = tech_client.get("/api/v1/me/")
    assert response.status_code == 429
    assert response.json()["extra"]["retry_after"] >= 1
    # another user has their own budget
    assert client_for(other_technician.user).get("/api/v1/me/").status_code == 200


def test_a_token_is_checked_in_one_query_with_the_technician_profile(anon_client, technician,
                                                                    django_assert_num_queries):
    from repairs.api.tokens import TokenAuthentication

    token = login(anon_client, technician.user.username).json()["token"]
    with django_assert_num_queries(1):  # the token, its user and the user's technician profile
        user, _auth_token = TokenAuthentication().authenticate_credentials(token.encode())
        assert user.technician.pk == technician.pk


def test_an_expired_token_is_refused_and_deleted_and_the_daily_purge_takes_the_rest(anon_client, technician):
    import datetime as dt

    from django.utils import timezone

    from repairs.api.tokens import auth_tokens_purge

    first = login(anon_client, technician.user.username).json()["token"]
    login(anon_client, technician.user.username)  # a second device, also expired below
    third = login(anon_client, technician.user.username).json()["token"]
    AuthToken.objects.filter(user=technician.user).update(expiry=timezone.now() - dt.timedelta(minutes=1))
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    response = anon_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["message"] == "登录凭证无效或已过期，请重新登录。"
    assert AuthToken.objects.filter(user=technician.user).count() == 2  # the one presented is gone
    assert auth_tokens_purge() == 2
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {third}")
    assert anon_client.get("/api/v1/me/").status_code == 401
