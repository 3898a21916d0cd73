"""The goal flows notify the right people: submitted → the direct manager; approved or
returned → the person; an adjustment → whoever decides its next step, then the requester
and the person. Background imports tell the person who started them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pms.accounts.models import User
from pms.comms.models import Notification
from pms.core import imports
from pms.core.audit import Actor
from pms.goals.models import Period, Scorecard
from pms.goals.services import adjustments as adjustment_services
from pms.goals.services import scorecards as scorecard_services
from pms.goals.services.adjustments import ChangeSpec
from pms.goals.tests import factories as f
from pms.org.tests.factories import TestOrg, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(db: None) -> Period:
    return f.period("2026年度")


def _inbox(user: User) -> list[tuple[str, str]]:
    return [(n.event, n.title) for n in Notification.objects.filter(recipient=user).order_by("id")]


def test_submitting_tells_the_direct_manager_only(org: TestOrg, period: Period) -> None:
    card = f.complete_scorecard(org.employee, period)
    scorecard_services.scorecard_submit(actor=f.actor_of(org.employee), scorecard=card)
    assert _inbox(user_of(org.manager)) == [
        ("goals.scorecard_submitted", f"陈员工 submitted goals for {period.name}")
    ]
    note = Notification.objects.get()
    assert note.url == f"/goals/scorecards/{card.uuid}/"
    assert note.recipient == user_of(org.manager)


def test_approval_and_return_tell_the_person(org: TestOrg, period: Period) -> None:
    card = f.complete_scorecard(org.employee, period)
    manager = f.actor_of(org.manager)
    scorecard_services.scorecard_submit(actor=f.actor_of(org.employee), scorecard=card)
    scorecard_services.scorecard_return(actor=manager, scorecard=card, comment="目标值偏低")
    scorecard_services.scorecard_submit(actor=f.actor_of(org.employee), scorecard=card)
    scorecard_services.scorecard_approve(actor=manager, scorecard=card)
    person = _inbox(user_of(org.employee))
    assert [event for event, _title in person] == [
        "goals.scorecard_returned",
        "goals.scorecard_approved",
    ]
    returned = Notification.objects.get(event="goals.scorecard_returned")
    assert returned.body == "张经理 asks for changes: 目标值偏低"
    # submitted twice: the manager is told twice
    assert (
        Notification.objects.filter(
            recipient=user_of(org.manager), event="goals.scorecard_submitted"
        ).count()
        == 2
    )


def _card(org: TestOrg, period: Period) -> Scorecard:
    card = f.agreed_scorecard(org.employee, period, f.actor_of(org.manager))
    Notification.objects.all().delete()
    return card


def test_an_adjustment_goes_step_by_step(org: TestOrg, period: Period) -> None:
    card = _card(org, period)
    kpi = card.goals.order_by("sort_order")[0]
    adjustment = f.adjustment(card, f.actor_of(org.employee), ChangeSpec.change(kpi, target="450"))
    assert _inbox(user_of(org.manager)) == [
        (
            "goals.adjustment_requested",
            f"A goal adjustment for 陈员工 · {period.name} awaits your decision",
        )
    ]
    adjustment_services.adjustment_decide(
        actor=f.actor_of(org.manager), adjustment=adjustment, decision="approve"
    )
    # the HR step: company-wide HR and the HRBP of 销售中心
    told = set(
        Notification.objects.filter(
            event="goals.adjustment_requested", key__endswith=":hr"
        ).values_list("recipient_id", flat=True)
    )
    assert told == {user_of(org.hr_admin).pk, user_of(org.hrbp).pk}
    adjustment_services.adjustment_decide(
        actor=f.actor_of(org.hr_admin), adjustment=adjustment, decision="approve"
    )
    decided = Notification.objects.filter(event="goals.adjustment_approved")
    assert set(decided.values_list("recipient_id", flat=True)) == {user_of(org.employee).pk}
    assert decided[0].body == "The changed goals apply from 2026-05-01."


def test_a_rejection_tells_the_requester_and_the_person(org: TestOrg, period: Period) -> None:
    card = _card(org, period)
    kpi = card.goals.order_by("sort_order")[0]
    adjustment = f.adjustment(card, f.actor_of(org.hrbp), ChangeSpec.change(kpi, target="480"))
    adjustment_services.adjustment_decide(
        actor=f.actor_of(org.manager), adjustment=adjustment, decision="reject", comment="不同意"
    )
    rejected = Notification.objects.filter(event="goals.adjustment_rejected")
    assert set(rejected.values_list("recipient_id", flat=True)) == {
        user_of(org.hrbp).pk,
        user_of(org.employee).pk,
    }
    assert rejected[0].body == "张经理: 不同意"


def test_a_background_import_tells_the_person_who_started_it(
    org: TestOrg, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.PMS_IMPORT_BACKGROUND_ROWS = 0
    hr = user_of(org.hr_admin)
    content = "部门编码,部门名称,上级部门编码\nNEW1,新部门,HQ\n".encode()
    upload = SimpleUploadedFile("departments.csv", content, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.import_job_create(
            actor=Actor(user=hr), kind="departments", uploaded_file=upload
        )
    job.refresh_from_db()
    assert [e for e, _t in _inbox(hr)] == ["core.import_checked"]
    imports.import_job_fail(job_id=job.pk, message="boom")
    assert _inbox(hr)[-1] == ("core.import_failed", "The import of departments.csv failed")
    assert Notification.objects.filter(recipient=hr).count() == 2


def test_small_imports_tell_nobody(org: TestOrg) -> None:
    upload = SimpleUploadedFile("d.csv", "部门编码,部门名称\nN2,小部门\n".encode())
    imports.import_job_create(
        actor=Actor(user=user_of(org.hr_admin)), kind="departments", uploaded_file=upload
    )
    assert not Notification.objects.exists()
