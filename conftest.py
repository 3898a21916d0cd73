"""Shared fixtures: a small company (``org``) and a signed-in client per persona.

Personas: ``employee``, ``peer``, ``manager`` (the employee's direct manager),
``head`` (head of 销售中心, skip-level manager), ``other_manager``, ``outsider``
(R&D, unrelated), ``hr_admin`` (company-wide), ``hrbp`` (scope 销售中心), ``ceo``
(executive) and ``sysadmin``.
"""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from pms.accounts.models import User
from pms.org.tests.factories import TestOrg, build_test_org

# Tests never depend on timing: on a busy machine, slow input generation is not a failure.
hypothesis_settings.register_profile(
    "pms", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("pms")


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings: object, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # type: ignore[attr-defined]
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    settings.PMS_BOARD_CACHE_SECONDS = 0  # type: ignore[attr-defined]


@pytest.fixture
def org(db: None) -> TestOrg:
    return build_test_org()


@pytest.fixture
def client_for(org: TestOrg) -> Callable[[str], Client]:
    """``client_for("manager")``: a client signed in as that persona."""

    def make(persona: str) -> Client:
        target = getattr(org, persona)
        user: User = target if isinstance(target, User) else target.user
        client = Client()
        client.force_login(user)
        return client

    return make
