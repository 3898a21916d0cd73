"""A person's progress page, a goal's values with entry by hand, history and snapshots."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from pms.goals.models import EntryBy
from pms.org.tests.factories import TestOrg
from pms.tracking.models import Actual, ActualSnapshot
from pms.tracking.services.actuals import ActualInput
from pms.tracking.tests.factories import enter, measured_goal, monthly_indicator, push

ClientFor = Callable[[str], Client]
MID_YEAR = dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC)


@time_machine.travel(MID_YEAR, tick=False)
def test_my_progress_lists_my_measured_goals_with_their_progress(
    org: TestOrg, client_for: ClientFor
) -> None:
    goal = measured_goal(org.employee, target="1200")
    enter(goal, dt.date(2026, 1, 10), "300")

    response = client_for("employee").get(reverse("tracking:my"))

    assert response.status_code == 200
    body = response.content.decode()
    assert goal.title in body
    assert "25% done" in body
    assert reverse("tracking:goal", args=[goal.uuid]) in body


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("employee", 200),
        ("manager", 200),
        ("head", 200),
        ("hrbp", 200),
        ("hr_admin", 200),
        ("peer", 404),
        ("outsider", 404),
        ("other_manager", 404),
    ],
)
def test_a_goal_page_is_as_private_as_the_scorecard(
    org: TestOrg, client_for: ClientFor, persona: str, status: int
) -> None:
    goal = measured_goal(org.employee)

    response = client_for(persona).get(reverse("tracking:goal", args=[goal.uuid]))

    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "status"), [("manager", 200), ("peer", 404), ("outsider", 404)]
)
def test_a_persons_progress_page_is_private(
    org: TestOrg, client_for: ClientFor, persona: str, status: int
) -> None:
    response = client_for(persona).get(reverse("tracking:person", args=[org.employee.uuid]))

    assert response.status_code == status


@time_machine.travel(MID_YEAR, tick=False)
def test_the_owner_enters_a_value_and_progress_follows(org: TestOrg, client_for: ClientFor) -> None:
    goal = measured_goal(org.employee, target="1200")

    response = client_for("employee").post(
        reverse("tracking:goal_enter", args=[goal.uuid]),
        {"day": "2026-06-15", "value": "600", "note": "六月订单"},
    )

    assert response.status_code == 302
    actual = Actual.objects.get()
    assert (actual.start, actual.end, actual.value) == (
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 30),
        Decimal(600),
    )
    assert actual.entered_by == org.employee.user
    goal.refresh_from_db()
    assert goal.progress == Decimal(50)


@pytest.mark.parametrize(
    ("entry_by", "persona", "status"),
    [
        (EntryBy.OWNER, "manager", 403),
        (EntryBy.MANAGER, "employee", 403),
        (EntryBy.NOBODY, "employee", 403),
        (EntryBy.NOBODY, "manager", 403),
        (EntryBy.NOBODY, "hrbp", 302),
        (EntryBy.EITHER, "peer", 404),
        (EntryBy.EITHER, "head", 302),
    ],
)
@time_machine.travel(MID_YEAR, tick=False)
def test_who_may_enter_follows_the_indicator(
    org: TestOrg, client_for: ClientFor, entry_by: str, persona: str, status: int
) -> None:
    goal = measured_goal(org.employee, the_indicator=monthly_indicator(entry_by=entry_by))

    response = client_for(persona).post(
        reverse("tracking:goal_enter", args=[goal.uuid]), {"day": "2026-06-15", "value": "1"}
    )

    assert response.status_code == status
    assert Actual.objects.exists() == (status == 302)


@time_machine.travel(MID_YEAR, tick=False)
def test_bad_input_is_explained_and_changes_nothing(org: TestOrg, client_for: ClientFor) -> None:
    goal = measured_goal(org.employee)

    response = client_for("employee").post(
        reverse("tracking:goal_enter", args=[goal.uuid]), {"day": "2027-02-01", "value": "abc"}
    )

    assert response.status_code == 400
    assert "Enter a number" in response.content.decode()
    response = client_for("employee").post(
        reverse("tracking:goal_enter", args=[goal.uuid]), {"day": "2027-02-01", "value": "5"}
    )
    assert response.status_code == 400
    assert "outside the period" in response.content.decode()
    assert not Actual.objects.exists()


@time_machine.travel(MID_YEAR, tick=False)
def test_the_history_shows_every_version_to_those_who_may_see(
    org: TestOrg, client_for: ClientFor
) -> None:
    goal = measured_goal(org.employee)
    item = ActualInput(
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 1, 31),
        value=Decimal(100),
        employee_id=org.employee.pk,
        indicator_id=goal.indicator_id,
        external_id="x1",
    )
    push([item])
    push([ActualInput(**{**item.__dict__, "value": Decimal(130)})])
    current = Actual.objects.get(is_current=True)

    page = client_for("manager").get(reverse("tracking:goal", args=[goal.uuid]))
    history = client_for("manager").get(reverse("tracking:actual_history", args=[current.uuid]))
    refused = client_for("peer").get(reverse("tracking:actual_history", args=[current.uuid]))

    assert "2 versions" in page.content.decode()
    body = history.content.decode()
    assert "100" in body
    assert "130" in body
    assert "x1" in body
    assert refused.status_code == 404


@time_machine.travel(MID_YEAR, tick=False)
def test_hr_takes_a_snapshot_and_later_corrections_are_marked(
    org: TestOrg, client_for: ClientFor
) -> None:
    goal = measured_goal(org.employee)
    enter(goal, dt.date(2026, 1, 10), "100")

    response = client_for("hr_admin").post(
        reverse("tracking:snapshots"),
        {"period": goal.period.pk, "name": "年中评估", "reason": "review locked"},
    )
    assert response.status_code == 302
    snap = ActualSnapshot.objects.get()
    assert snap.values == 1
    with time_machine.travel(dt.datetime(2026, 7, 2, tzinfo=dt.UTC), tick=False):
        enter(goal, dt.date(2026, 1, 10), "120")
        page = client_for("employee").get(reverse("tracking:goal", args=[goal.uuid]))

    assert "changed after the snapshot" in page.content.decode()


@pytest.mark.parametrize("persona", ["employee", "manager", "hrbp"])
def test_only_company_hr_takes_snapshots(org: TestOrg, client_for: ClientFor, persona: str) -> None:
    assert client_for(persona).get(reverse("tracking:snapshots")).status_code == 404


def test_a_snapshot_keeps_the_values_in_force_when_it_was_taken(org: TestOrg) -> None:
    from pms.core.audit import Actor
    from pms.tracking.services.snapshots import snapshot_take, snapshot_values

    goal = measured_goal(org.employee)
    with time_machine.travel(dt.datetime(2026, 2, 1, tzinfo=dt.UTC), tick=False):
        enter(goal, dt.date(2026, 1, 10), "100")
    with time_machine.travel(dt.datetime(2026, 2, 2, tzinfo=dt.UTC), tick=False):
        snap = snapshot_take(actor=Actor.system(), period=goal.period, name="Q1")
    with time_machine.travel(dt.datetime(2026, 2, 3, tzinfo=dt.UTC), tick=False):
        enter(goal, dt.date(2026, 1, 10), "120")

    frozen = list(snapshot_values(snap).values_list("value", "version"))

    assert frozen == [(Decimal(100), 1)]
    assert Actual.objects.get(is_current=True).value == Decimal(120)
