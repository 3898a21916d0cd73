"""The cycle pages: who may open them, what they show, the forms (bad input answered with a
message and nothing changed), the launch with its progress, the phase and person actions,
and the number of queries at two sizes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pms.core.audit import Actor
from pms.org.tests.factories import TestOrg, employee
from pms.reviews.models import (
    Cycle,
    CycleStatus,
    Phase,
    PhaseExtension,
    Review,
    ReviewStatus,
)
from pms.reviews.services import launch
from pms.reviews.services.participation import rules_clean
from pms.reviews.tests import factories as rf
from pms.reviews.tests.test_launch_services import sales_cycle

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


@pytest.fixture
def draft(org: TestOrg, hr: Actor) -> Cycle:
    return sales_cycle(org, hr, rf.template(), name="2026年度考核（草稿）")


@pytest.fixture
def running(org: TestOrg, hr: Actor) -> Cycle:
    cycle = sales_cycle(org, hr, rf.template(), name="2026年度考核")
    return launch.cycle_launch(actor=hr, cycle=cycle)


def url(name: str, obj: Any = None) -> str:
    return reverse(f"reviews:{name}", kwargs={"uuid": obj.uuid} if obj is not None else None)


FORM = {
    "name": "2026上半年考核",
    "kind": "half",
    "start": "2026-01-01",
    "end": "2026-06-30",
    "subtree": "on",
    "exclude_on_leave": "on",
    "deadline_self": "2026-07-10",
    "deadline_manager": "2026-07-20",
}


# --- list and detail --------------------------------------------------------------------------


def test_members_see_running_cycles_and_hr_sees_drafts(
    client_for: ClientFor, draft: Cycle, running: Cycle
) -> None:
    page = client_for("employee").get(url("cycles"))
    assert page.status_code == 200
    assert running.name in page.content.decode()
    assert draft.name not in page.content.decode()
    assert "New cycle" not in page.content.decode()

    page = client_for("hr_admin").get(url("cycles"))
    assert draft.name in page.content.decode()
    assert "New cycle" in page.content.decode()


def test_outsiders_to_the_company_get_not_found(client_for: ClientFor, org: TestOrg) -> None:
    from django.contrib.auth import get_user_model

    stranger = get_user_model().objects.create_user(username="stranger", password="x")
    client = Client()
    client.force_login(stranger)
    assert client.get(url("cycles")).status_code == 404
    assert client.get(url("cycle_create")).status_code == 404
    assert client.get(url("monitor")).status_code == 404


def test_a_draft_is_not_found_for_colleagues(client_for: ClientFor, draft: Cycle) -> None:
    for name in ("cycle", "cycle_edit", "cycle_preview", "cycle_launch_status", "cycle_people"):
        assert client_for("employee").get(url(name, draft)).status_code == 404, name
    assert client_for("employee").post(url("cycle_launch", draft)).status_code == 404
    assert client_for("hr_admin").get(url("cycle", draft)).status_code == 200


def test_hr_actions_on_a_visible_cycle_are_forbidden_to_colleagues(
    client_for: ClientFor, running: Cycle
) -> None:
    client = client_for("manager")
    assert client.get(url("cycle", running)).status_code == 200
    for name in ("cycle_edit", "cycle_preview", "cycle_launch_status", "cycle_people"):
        assert client.get(url(name, running)).status_code == 403, name
    for name in (
        "cycle_launch",
        "cycle_advance",
        "cycle_close",
        "cycle_deadline",
        "cycle_person_add",
    ):
        assert client.post(url(name, running)).status_code == 403, name
    assert client_for("manager").get(url("cycle_create")).status_code == 403
    running.refresh_from_db()
    assert running.phase == Phase.GOALS


def test_hrbp_runs_but_does_not_manage_cycles(client_for: ClientFor, running: Cycle) -> None:
    client = client_for("hrbp")
    assert client.get(url("cycle_people", running)).status_code == 200
    assert client.post(url("cycle_advance", running)).status_code == 403
    assert client.get(url("cycle_create")).status_code == 403


def test_detail_shows_phases_and_hr_actions(client_for: ClientFor, running: Cycle) -> None:
    page = client_for("hr_admin").get(url("cycle", running))
    body = page.content.decode()
    assert "Goal setting" in body
    assert "Open the next phase" in body
    assert reverse("reviews:monitor_cycle", kwargs={"uuid": running.uuid}) in body
    plain = client_for("employee").get(url("cycle", running)).content.decode()
    assert "Open the next phase" not in plain


# --- create and edit --------------------------------------------------------------------------


def test_hr_creates_a_cycle_with_rules(client_for: ClientFor, org: TestOrg) -> None:
    data = {
        **FORM,
        "departments": [str(org.sales.uuid)],
        "include_numbers": "E0007, E0008",
        "exclude_numbers": "E0005",
        "min_tenure_days": "90",
    }
    response = client_for("hr_admin").post(url("cycle_create"), data)

    cycle = Cycle.objects.get(name="2026上半年考核")
    assert response.status_code == 302
    assert response["Location"] == url("cycle_preview", cycle)
    assert cycle.rules["departments"] == [org.sales.pk]
    assert cycle.rules["min_tenure_days"] == 90
    assert set(cycle.include.values_list("number", flat=True)) == {"E0007", "E0008"}
    assert cycle.phases.get(phase=Phase.SELF).deadline == dt.date(2026, 7, 10)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"end": "2025-01-01"}, "The cycle ends before it starts."),
        ({"include_numbers": "E0004 NOPE"}, "No employee has these numbers: NOPE"),
        ({"min_tenure_days": "-5"}, "Ensure this value is greater than or equal to 0."),
        ({"start": "not a date"}, "Enter a valid date."),
        ({"departments": ["not-a-uuid"]}, "is not a valid UUID"),
        (
            {"deadline_manager": "2026-07-01"},
            "This deadline comes before the deadline of Self review.",
        ),
    ],
)
def test_bad_input_is_answered_with_a_message(
    client_for: ClientFor, org: TestOrg, change: dict[str, Any], message: str
) -> None:
    response = client_for("hr_admin").post(url("cycle_create"), {**FORM, **change})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Cycle.objects.exists()


def test_edit_changes_a_draft_and_refuses_a_running_cycle(
    client_for: ClientFor, draft: Cycle, running: Cycle
) -> None:
    client = client_for("hr_admin")
    page = client.get(url("cycle_edit", draft))
    assert page.status_code == 200
    assert draft.name in page.content.decode()

    response = client.post(url("cycle_edit", draft), {**FORM, "name": "改名后的考核"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.name == "改名后的考核"

    response = client.get(url("cycle_edit", running))
    assert response.status_code == 302
    assert response["Location"] == url("cycle", running)


# --- preview and launch -----------------------------------------------------------------------


def test_preview_shows_who_takes_part_and_why_not(
    client_for: ClientFor, org: TestOrg, hr: Actor
) -> None:
    cycle = sales_cycle(
        org,
        hr,
        rf.template(name="销售模板"),
        name="预览",
        rules=rules_clean(departments=[org.sales1.pk]),
    )
    cycle.exclude.add(org.peer)
    client = client_for("hr_admin")

    people = client.get(url("cycle_preview", cycle)).content.decode()
    left_out = client.get(url("cycle_preview", cycle) + "?show=left_out").content.decode()

    assert "陈员工" in people
    assert "销售模板" in people
    assert "刘同事" not in people
    assert "刘同事" in left_out
    assert "Excluded by HR" in left_out
    assert "Launch the cycle" in people
    assert client.get(url("cycle_preview", cycle) + "?show=nonsense&page=x").status_code == 200


def test_launch_from_the_page(client_for: ClientFor, draft: Cycle) -> None:
    response = client_for("hr_admin").post(url("cycle_launch", draft))

    assert response.status_code == 302
    assert response["Location"] == url("cycle", draft)
    draft.refresh_from_db()
    assert draft.status == CycleStatus.RUNNING
    assert Review.objects.filter(cycle=draft).count() == 5


def test_launch_refused_with_the_reason(client_for: ClientFor, org: TestOrg, hr: Actor) -> None:
    cycle = sales_cycle(org, hr, None, name="无模板")
    response = client_for("hr_admin").post(url("cycle_launch", cycle), follow=True)

    assert "5 people have no template" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.DRAFT


def test_a_large_launch_shows_its_progress(
    client_for: ClientFor, draft: Cycle, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.PMS_REVIEW_LAUNCH_INLINE = 1
    client = client_for("hr_admin")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url("cycle_launch", draft))
    assert response["Location"] == url("cycle_launch_status", draft)

    fragment = client.get(url("cycle_launch_status", draft), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert 'hx-trigger="every 2s"' in fragment.content.decode()
    assert "0 of 5 reviews made" in fragment.content.decode()

    for callback in callbacks:
        callback()
    done = client.get(url("cycle_launch_status", draft), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done
    assert "5 of 5 reviews made" in done
    assert "The cycle is running." in done


# --- phases and people ------------------------------------------------------------------------


def test_advance_close_and_dates_from_the_page(client_for: ClientFor, running: Cycle) -> None:
    client = client_for("hr_admin")
    assert client.post(url("cycle_advance", running)).status_code == 302
    running.refresh_from_db()
    assert running.phase == Phase.SELF

    response = client.post(
        url("cycle_deadline", running),
        {"phase": "self", "deadline": "2027-01-31"},
        follow=True,
    )
    assert "Phase dates saved." in response.content.decode()
    assert running.phases.get(phase="self").deadline == dt.date(2027, 1, 31)

    response = client.post(url("cycle_deadline", running), {"phase": "nope"}, follow=True)
    assert "Select a valid choice" in response.content.decode()

    response = client.post(url("cycle_close", running), follow=True)
    assert "A cycle closes in its results phase" in response.content.decode()
    running.refresh_from_db()
    assert running.status == CycleStatus.RUNNING


def test_hr_opens_a_phase_for_one_person(
    client_for: ClientFor, org: TestOrg, running: Cycle
) -> None:
    mine = Review.objects.get(cycle=running, employee=org.employee)
    client = client_for("hrbp")
    page = client.get(url("cycle_people", running) + "?q=E0004")
    assert "陈员工" in page.content.decode()
    assert "刘同事" not in page.content.decode()

    response = client.post(
        url("cycle_review_extend", mine),
        {"phase": "self", "until": "2099-01-31", "reason": ""},
        follow=True,
    )
    assert "This field is required." in response.content.decode()
    assert not PhaseExtension.objects.exists()

    client.post(
        url("cycle_review_extend", mine),
        {"phase": "self", "until": "2099-01-31", "reason": "出差"},
    )
    assert PhaseExtension.objects.get(review=mine).reason == "出差"


def test_hrbp_cannot_touch_people_outside_their_scope(
    client_for: ClientFor, org: TestOrg, hr: Actor
) -> None:
    cycle = sales_cycle(
        org, hr, rf.template(), name="研发", rules=rules_clean(departments=[org.rnd.pk])
    )
    launch.cycle_launch(actor=hr, cycle=cycle)
    theirs = Review.objects.get(cycle=cycle, employee=org.outsider)
    client = client_for("hrbp")
    for name in ("cycle_review_extend", "cycle_review_remove", "cycle_review_restore"):
        assert client.post(url(name, theirs), {"reason": "x"}).status_code == 404, name
    response = client.post(url("cycle_person_add", cycle), {"number": "E0007", "reason": "x"})
    assert response.status_code == 400
    assert "No employee you look after has the number E0007." in response.content.decode()
    # a colleague who can see the review (the manager) may not act on it
    assert (
        client_for("ceo").post(url("cycle_review_remove", theirs), {"reason": "x"}).status_code
        == 403
    )


def test_remove_restore_and_add_from_the_page(
    client_for: ClientFor, org: TestOrg, running: Cycle
) -> None:
    mine = Review.objects.get(cycle=running, employee=org.employee)
    client = client_for("hr_admin")

    client.post(url("cycle_review_remove", mine), {"reason": "长期病假"})
    mine.refresh_from_db()
    assert mine.status == ReviewStatus.REMOVED
    client.post(url("cycle_review_restore", mine), {"reason": "返岗"})
    mine.refresh_from_db()
    assert mine.status == ReviewStatus.ACTIVE

    newcomer = employee("新同事", dept=org.sales1, manager=org.manager, number="E0100")
    response = client.post(url("cycle_person_add", running), {"number": "E0100", "reason": "转入"})
    assert response.status_code == 302
    assert Review.objects.get(cycle=running, employee=newcomer).note == "转入"


def test_list_and_people_pages_take_the_same_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, hr: Actor
) -> None:
    tpl = rf.template()
    client = client_for("hr_admin")
    counts: dict[str, list[int]] = {"cycles": [], "people": [], "detail": []}
    for size in (1, 6):
        for n in range(size):
            employee(
                f"人{size}-{n}",
                dept=org.sales2,
                manager=org.other_manager,
                number=f"Q{size}{n:03d}",
            )
        cycle = launch.cycle_launch(actor=hr, cycle=sales_cycle(org, hr, tpl, name=f"规模{size}"))
        for name, address in (
            ("cycles", url("cycles")),
            ("people", url("cycle_people", cycle)),
            ("detail", url("cycle", cycle)),
        ):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(address).status_code == 200
            counts[name].append(len(captured.captured_queries))
    for name, (small, large) in counts.items():
        assert small == large, name
