"""The company's calibration defaults."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from pms.calibration.models import CalibrationSettings, Enforcement
from pms.calibration.services.settings import (
    calibration_settings_get,
    calibration_settings_update,
)
from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

RULE = [
    {"grade": "S", "share": "15", "mode": "at_most"},
    {"grade": "A", "share": "25", "mode": "at_most"},
    {"grade": "B", "share": "45", "mode": "target"},
    {"grade": "C", "share": "10", "mode": "at_least"},
    {"grade": "D", "share": "5", "mode": "exact"},
]
LEVELS = {"S": "high", "A": "high", "B": "mid", "C": "low", "D": "low"}


def test_defaults_then_an_audited_update(org: TestOrg) -> None:
    row = calibration_settings_get()
    assert [g["share"] for g in row.distribution] == ["10", "20", "50", "15", "5"]
    assert row.performance_levels == LEVELS
    updated = calibration_settings_update(
        actor=Actor(org.hr_admin.user),
        distribution=RULE,
        min_group_size=8,
        enforcement=Enforcement.BLOCK,
        performance_levels={**LEVELS, "A": "mid"},
    )
    assert updated.pk == row.pk
    assert CalibrationSettings.objects.count() == 1
    assert updated.distribution == RULE
    assert updated.min_group_size == 8
    audit = AuditEntry.objects.get(object_type="calibration.calibrationsettings")
    assert audit.before["min_group_size"] == 10
    assert audit.after["min_group_size"] == 8


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"distribution": RULE[:4]}, "distribution"),  # 95 %
        ({"distribution": [{**RULE[0], "mode": "mostly"}, *RULE[1:]]}, "distribution"),
        ({"distribution": [{**RULE[0], "share": "x"}, *RULE[1:]]}, "distribution"),
        ({"min_group_size": 0}, "min_group_size"),
        ({"enforcement": "shout"}, "enforcement"),
        ({"performance_levels": {**LEVELS, "S": "low"}}, "performance_levels"),
        ({"performance_levels": {"S": "high"}}, "performance_levels"),
    ],
)
def test_bad_settings_change_nothing(org: TestOrg, changes: dict[str, object], field: str) -> None:
    calibration_settings_get()
    kwargs: dict[str, object] = {
        "distribution": RULE,
        "min_group_size": 8,
        "enforcement": Enforcement.WARN,
        "performance_levels": LEVELS,
        **changes,
    }
    with pytest.raises(ValidationError) as caught:
        calibration_settings_update(actor=Actor(org.hr_admin.user), **kwargs)  # type: ignore[arg-type]
    assert field in caught.value.message_dict
    assert all(caught.value.message_dict[field])
    assert calibration_settings_get().min_group_size == 10
    assert not AuditEntry.objects.filter(object_type="calibration.calibrationsettings").exists()
