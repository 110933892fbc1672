from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from tests import factories


def pytest_collection_modifyitems(config, items):
    on_pg = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_pg:
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in the thread; the next test must start in zh-hans."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from tickets.reference import reference_forget

    cache.clear()
    # A test's rows are rolled back without signals: the next test must not read them from memory.
    reference_forget()


def _user_in_role(role: str, username: str):
    user = factories.UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def agent(db):
    return _user_in_role("客服", "agent")


@pytest.fixture
def dispatcher(db):
    return _user_in_role("调度", "dispatcher")


@pytest.fixture
def manager(db):
    return _user_in_role("网点经理", "manager")


@pytest.fixture
def qc_user(db):
    return _user_in_role("质检", "qc")


@pytest.fixture
def warehouse_user(db):
    return _user_in_role("仓管", "warehouse")


@pytest.fixture
def ops_user(db):
    return _user_in_role("运营", "ops")


@pytest.fixture
def technician(db):
    tech = factories.TechnicianFactory()
    tech.user.groups.add(Group.objects.get(name="维修工程师"))
    return tech


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)
