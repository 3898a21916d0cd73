"""The results settings page and service: coefficients, days, PIP grades, the promotion
rule and the training threshold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from pms.core.models import AuditAction, AuditEntry
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import OutcomeSettings
from pms.outcomes.services.settings import outcome_settings_update
from pms.outcomes.tests import pay_factories as pf

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
URL = "/results/settings/"


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "grade_1": "S",
        "coefficient_1": "2",
        "grade_2": "A",
        "coefficient_2": "1.3",
        "grade_3": "B",
        "coefficient_3": "1",
        "grade_4": "C",
        "coefficient_4": "0.6",
        "confirm_days": "5",
        "appeal_days": "10",
        "appeal_sla_days": "15",
        "interview_days": "20",
        "pip_grades": ["C"],
        "promotion_grade": "S",
        "promotion_count": "3",
        "promotion_tenure_months": "24",
        "training_gap_percent": "50",
    }
    data.update(changes)
    return data


def test_hr_saves_the_settings(client_for: ClientFor, org: TestOrg) -> None:
    assert reverse("outcomes:settings") == URL
    client = client_for("hr_admin")
    assert client.get(URL).status_code == 200
    response = client.post(URL, form_data())
    assert response.status_code == 302
    row = OutcomeSettings.objects.get()
    assert row.coefficients == [
        {"grade": "S", "coefficient": "2"},
        {"grade": "A", "coefficient": "1.3"},
        {"grade": "B", "coefficient": "1"},
        {"grade": "C", "coefficient": "0.6"},
    ]
    assert (row.promotion_grade, row.promotion_count, row.promotion_tenure_months) == ("S", 3, 24)
    assert (row.training_gap_percent, row.pip_grades, row.confirm_days) == (50, ["C"], 5)
    entry = AuditEntry.objects.get(object_type="outcomes.outcomesettings")
    assert entry.action == AuditAction.CREATE
    assert entry.actor == org.hr_admin.user
    page = client.get(URL)
    assert 'value="1.3"' in page.text


def test_bad_settings_change_nothing(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("hr_admin")
    response = client.post(URL, form_data(promotion_grade="X", training_gap_percent="101"))
    assert response.status_code == 400
    assert "Choose one of the grades: S、A、B、C." in response.text
    assert "Enter a whole number from 0 to 100." in response.text
    response = client.post(URL, form_data(grade_2="S"))
    assert response.status_code == 400
    assert not OutcomeSettings.objects.exists()
    assert not AuditEntry.objects.filter(object_type="outcomes.outcomesettings").exists()
    with pytest.raises(ValidationError) as caught:
        outcome_settings_update(actor=pf.hr_actor(org.hr_admin), changes={"pip_grades": ["Z"]})
    assert "pip_grades" in caught.value.message_dict


def test_the_page_is_company_wide_hrs(client_for: ClientFor) -> None:
    assert client_for("hrbp").get(URL).status_code == 403
    assert client_for("hrbp").post(URL, form_data()).status_code == 403
    for persona in ("employee", "manager", "ceo"):
        assert client_for(persona).get(URL).status_code == 404
    assert client_for("sysadmin").get(URL).status_code == 200
    assert not OutcomeSettings.objects.exists()
