"""The recording engine: versions, idempotency by series and by external id."""

import datetime as dt
from decimal import Decimal

import pytest

from pms.core.models import AuditEntry
from pms.org.tests.factories import TestOrg
from pms.tracking.models import Actual, GoalProgress
from pms.tracking.services.actuals import CHANGED, CREATED, REJECTED, UNCHANGED, ActualInput
from pms.tracking.tests.factories import enter, measured_goal, push

JAN = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))


def _item(goal, value: str, external_id: str = "", span=JAN) -> ActualInput:  # type: ignore[no-untyped-def]
    return ActualInput(
        start=span[0],
        end=span[1],
        value=Decimal(value),
        employee_id=goal.employee_id,
        indicator_id=goal.indicator_id,
        external_id=external_id,
    )


def test_a_resent_batch_creates_nothing_and_a_changed_value_is_a_new_version(org: TestOrg) -> None:
    goal = measured_goal(org.employee)

    first = push([_item(goal, "100", "crm-1")])
    again = push([_item(goal, "100", "crm-1")])
    changed = push([_item(goal, "120", "crm-1")])

    assert first.outcomes == [CREATED]
    assert again.outcomes == [UNCHANGED]
    assert changed.outcomes == [CHANGED]
    versions = list(
        Actual.objects.order_by("version").values_list("version", "value", "is_current")
    )
    assert versions == [(1, Decimal("100.0000"), False), (2, Decimal("120.0000"), True)]
    # the correction is audited with before and after
    entry = AuditEntry.objects.get(object_type="tracking.actual", action="update")
    assert entry.before == {"value": "100", "version": 1}
    assert entry.after == {"value": "120", "version": 2, "source": "api"}


def test_an_external_id_sent_for_another_measurement_is_rejected(org: TestOrg) -> None:
    goal = measured_goal(org.employee)
    push([_item(goal, "100", "crm-1")])

    result = push([_item(goal, "100", "crm-1", span=(dt.date(2026, 2, 1), dt.date(2026, 2, 28)))])

    assert result.outcomes == [REJECTED]
    assert "another" in result.errors[0]
    assert Actual.objects.count() == 1


def test_duplicates_in_one_batch_are_rejected(org: TestOrg) -> None:
    goal = measured_goal(org.employee)

    result = push([_item(goal, "100", "a"), _item(goal, "110", "b")])

    assert result.outcomes == [CREATED, REJECTED]
    assert Actual.objects.count() == 1


def test_a_resend_after_a_manual_correction_does_not_undo_it(org: TestOrg) -> None:
    goal = measured_goal(org.employee)
    push([_item(goal, "100", "crm-1")])
    enter(goal, dt.date(2026, 1, 15), "90", may_correct=True, reason="CRM double-counted one order")

    again = push([_item(goal, "100", "crm-1")])

    assert again.outcomes == [UNCHANGED]
    current = Actual.objects.get(is_current=True)
    assert current.value == Decimal(90)
    assert current.reason == "CRM double-counted one order"


@pytest.mark.parametrize("may_correct", [False, True])
def test_correcting_a_pushed_value_by_hand_needs_hr_and_a_reason(
    org: TestOrg, may_correct: bool
) -> None:
    from django.core.exceptions import ValidationError

    goal = measured_goal(org.employee)
    push([_item(goal, "100", "crm-1")])

    with pytest.raises(ValidationError) as raised:
        enter(goal, dt.date(2026, 1, 15), "90", may_correct=may_correct)

    assert ("reason" if may_correct else "value") in raised.value.message_dict
    assert Actual.objects.get(is_current=True).value == Decimal(100)


def test_entering_a_value_by_hand_updates_progress(org: TestOrg) -> None:
    goal = measured_goal(org.employee, target="1200")

    enter(goal, dt.date(2026, 1, 20), "100")
    enter(goal, dt.date(2026, 2, 3), "200")

    progress = GoalProgress.objects.get(goal=goal)
    assert progress.actual == Decimal(300)
    assert progress.attainment == Decimal(25)
    goal.refresh_from_db()
    assert goal.progress == Decimal(25)
    assert AuditEntry.objects.filter(object_type="tracking.actual", action="create").count() == 2


def test_a_value_outside_the_goal_period_is_refused(org: TestOrg) -> None:
    from django.core.exceptions import ValidationError

    goal = measured_goal(org.employee)

    with pytest.raises(ValidationError) as raised:
        enter(goal, dt.date(2027, 1, 5), "100")

    assert "outside the period" in str(raised.value.message_dict["day"])
    assert not Actual.objects.exists()
