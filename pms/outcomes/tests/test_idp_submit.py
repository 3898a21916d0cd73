"""Submitting a development plan for agreement: the person submits a draft with actions,
the manager who may agree it is told (once per submission), the plan waits unchanged, and
the manager agrees it or returns it with a reason the person is told. Each step is
audited; everybody else is refused (404 when they do not see the plan, 403 when they do)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, get_args

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from pms.comms.models import Notification
from pms.core.models import AuditAction
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.outcomes import events
from pms.outcomes.api.plan_schemas import IdpStatusValue
from pms.outcomes.models import DevelopmentPlan, IdpStatus
from pms.outcomes.services import idp as services
from pms.outcomes.tests import plan_factories as f
from pms.outcomes.tests.plan_factories import NOW, frozen  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen")

ClientFor = Callable[[str], Client]
REASON = "行动太笼统：请写明课程名称和完成时间"
STAMP = NOW.astimezone(dt.UTC).isoformat()  # how the audit log writes the moment


def url(name: str, *args: object) -> str:
    return reverse(f"outcomes:{name}", args=args)


def _told(event: str) -> list[str]:
    """Who was told of ``event``, by user name (employee number), sorted."""
    return sorted(
        Notification.objects.filter(event=event).values_list("recipient__username", flat=True)
    )


def _actions(plan: DevelopmentPlan) -> list[str]:
    return [entry.action for entry in f.audit_of(plan)]


@pytest.fixture
def plan(org: TestOrg) -> DevelopmentPlan:
    """The person's draft: a course and an action mentored by the outsider."""
    return f.idp(org.employee, mentor=org.outsider)


@pytest.fixture
def submitted(org: TestOrg, plan: DevelopmentPlan) -> DevelopmentPlan:
    return services.idp_submit(actor=f.actor_for(org.employee), plan=plan)


# --- submitting ----------------------------------------------------------------------------


def test_the_person_submits_and_the_manager_is_told_once(
    client_for: ClientFor, org: TestOrg, plan: DevelopmentPlan
) -> None:
    response = client_for("employee").post(url("idp_submit", plan.uuid))

    assert response.status_code == 302
    assert response["Location"] == url("idp", plan.uuid)
    plan.refresh_from_db()
    assert (plan.status, plan.submitted_at) == (IdpStatus.SUBMITTED, NOW)
    # the direct manager, not the whole chain; the mentors not yet
    assert _told(events.IDP_SUBMITTED) == ["E0003"]
    notice = Notification.objects.get(event=events.IDP_SUBMITTED)
    assert notice.params == {"person": "陈员工", "title": "成长为区域销售经理"}
    assert notice.url == url("idp", plan.uuid)
    assert Notification.objects.count() == 1
    entry = f.audit_of(plan)[-1]
    assert entry.action == AuditAction.SUBMIT
    assert entry.actor == org.employee.user
    assert entry.before == {"status": "draft"}
    assert entry.after == {"status": "submitted", "submitted_at": STAMP}

    # a second submit is refused: nothing changes, nobody is told again
    again = client_for("employee").post(url("idp_submit", plan.uuid))
    assert again.status_code == 403
    with pytest.raises(ValidationError) as twice:
        services.idp_submit(actor=f.actor_for(org.employee), plan=plan)
    assert twice.value.messages == ["Only a plan being prepared is submitted."]
    assert Notification.objects.count() == 1
    assert _actions(plan) == [AuditAction.CREATE, AuditAction.SUBMIT]


def test_a_plan_without_actions_is_not_submitted(client_for: ClientFor, org: TestOrg) -> None:
    empty = f.idp(org.employee, actions=[])
    client = client_for("employee")

    response = client.post(url("idp_submit", empty.uuid), follow=True)

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Add at least one action before you submit the plan."
    ]
    empty.refresh_from_db()
    assert (empty.status, empty.submitted_at) == (IdpStatus.DRAFT, None)
    assert not Notification.objects.exists()
    assert _actions(empty) == [AuditAction.CREATE]
    # the page offers no submit button until there is an action
    page = client.get(url("idp", empty.uuid)).content.decode()
    assert url("idp_submit", empty.uuid) not in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("manager", 403),  # sees the plan; it is not theirs to submit
        ("head", 403),
        ("hr_admin", 403),
        ("hrbp", 403),
        ("peer", 404),
        ("other_manager", 404),  # another team's manager
        ("outsider", 404),  # the mentor of one action
        ("committee", 404),
    ],
)
def test_only_the_person_submits(
    client_for: ClientFor, plan: DevelopmentPlan, persona: str, status: int
) -> None:
    assert client_for(persona).post(url("idp_submit", plan.uuid)).status_code == status
    plan.refresh_from_db()
    assert plan.status == IdpStatus.DRAFT
    assert not Notification.objects.exists()
    assert _actions(plan) == [AuditAction.CREATE]


def test_an_employee_of_another_team_is_refused_every_step(
    org: TestOrg, plan: DevelopmentPlan
) -> None:
    stranger = org_factories.employee("郑销售", dept=org.sales2, manager=org.other_manager)
    client = Client()
    client.force_login(stranger.user)  # type: ignore[arg-type]
    assert client.post(url("idp_submit", plan.uuid)).status_code == 404
    services.idp_submit(actor=f.actor_for(org.employee), plan=plan)
    assert client.post(url("idp_agree", plan.uuid)).status_code == 404
    assert client.post(url("idp_return", plan.uuid), {"reason": REASON}).status_code == 404
    plan.refresh_from_db()
    assert plan.status == IdpStatus.SUBMITTED


def test_without_a_manager_who_can_sign_in_the_next_one_up_is_told(
    org: TestOrg, plan: DevelopmentPlan
) -> None:
    user = org.manager.user
    assert user is not None
    user.is_active = False
    user.save(update_fields=["is_active"])

    services.idp_submit(actor=f.actor_for(org.employee), plan=plan)

    assert _told(events.IDP_SUBMITTED) == ["E0002"]  # the sales director


def test_while_it_waits_the_person_does_not_change_it(
    client_for: ClientFor, org: TestOrg, submitted: DevelopmentPlan
) -> None:
    client = client_for("employee")
    action = submitted.actions.first()
    assert action is not None
    edit = {"title": "改名", "start": "2026-03-02", "end": "2026-12-31"}
    change = {"kind": "course", "goal": "改一改"}
    assert client.post(url("idp_edit", submitted.uuid), edit).status_code == 403
    assert client.post(url("idp_action_add", submitted.uuid), change).status_code == 403
    assert client.post(url("idp_action_edit", action.uuid), change).status_code == 403
    assert client.post(url("idp_action_remove", action.uuid)).status_code == 403
    with pytest.raises(ValidationError) as refused:
        services.idp_update(
            actor=f.actor_for(org.employee),
            plan=submitted,
            title="改名",
            start=submitted.start,
            end=submitted.end,
        )
    assert refused.value.messages == [
        "The plan waits for the manager's agreement: it changes again once it is agreed or "
        "returned."
    ]
    submitted.refresh_from_db()
    assert submitted.title == "成长为区域销售经理"
    assert submitted.actions.count() == 2
    page = client.get(url("idp", submitted.uuid)).content.decode()
    assert url("idp_edit", submitted.uuid) not in page
    assert url("idp_submit", submitted.uuid) not in page
    assert url("idp_agree", submitted.uuid) not in page


def test_a_training_need_goes_into_a_new_draft_while_the_plan_waits(
    org: TestOrg, submitted: DevelopmentPlan
) -> None:
    suggested = services.idp_suggest(
        actor=f.actor_for(org.hr_admin), employee=org.employee, competency="客户导向"
    )
    assert suggested != submitted
    assert suggested.status == IdpStatus.DRAFT
    assert submitted.actions.count() == 2


# --- agreeing ------------------------------------------------------------------------------


def test_the_manager_agrees_only_a_submitted_plan(
    client_for: ClientFor, org: TestOrg, plan: DevelopmentPlan
) -> None:
    manager = client_for("manager")
    assert manager.post(url("idp_agree", plan.uuid)).status_code == 403  # being prepared
    with pytest.raises(ValidationError) as early:
        services.idp_agree(actor=f.actor_for(org.manager), plan=plan)
    assert early.value.messages == ["Only a plan waiting for agreement is agreed."]
    plan.refresh_from_db()
    assert plan.status == IdpStatus.DRAFT
    services.idp_submit(actor=f.actor_for(org.employee), plan=plan)
    page = manager.get(url("idp", plan.uuid)).content.decode()
    assert url("idp_agree", plan.uuid) in page
    assert url("idp_return", plan.uuid) in page

    assert manager.post(url("idp_agree", plan.uuid)).status_code == 302

    plan.refresh_from_db()
    assert plan.status == IdpStatus.ACTIVE
    assert (plan.agreed_by, plan.manager_agreed_at) == (org.manager.user, NOW)
    assert _told(events.IDP_AGREED) == ["E0004"]
    assert _told(events.IDP_MENTOR_NAMED) == ["E0007"]
    entry = f.audit_of(plan)[-1]
    assert entry.action == AuditAction.APPROVE
    assert entry.before == {"status": "submitted"}
    assert entry.after == {"status": "active", "manager_agreed_at": STAMP}
    assert manager.post(url("idp_agree", plan.uuid)).status_code == 403  # once


@pytest.mark.parametrize("name", ["idp_agree", "idp_return"])
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("employee", 403),  # nobody agrees or returns their own plan
        ("hr_admin", 403),
        ("hrbp", 403),
        ("peer", 404),
        ("other_manager", 404),
        ("outsider", 404),
        ("committee", 404),
    ],
)
def test_who_may_not_agree_or_return(
    client_for: ClientFor, submitted: DevelopmentPlan, name: str, persona: str, status: int
) -> None:
    response = client_for(persona).post(url(name, submitted.uuid), {"reason": REASON})
    assert response.status_code == status
    submitted.refresh_from_db()
    assert (submitted.status, submitted.returned_at) == (IdpStatus.SUBMITTED, None)
    assert _told(events.IDP_AGREED) == []
    assert _told(events.IDP_RETURNED) == []


def test_a_manager_above_may_agree_too(client_for: ClientFor, submitted: DevelopmentPlan) -> None:
    assert client_for("head").post(url("idp_agree", submitted.uuid)).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == IdpStatus.ACTIVE


# --- returning -----------------------------------------------------------------------------


def test_returning_needs_a_reason(
    client_for: ClientFor, org: TestOrg, submitted: DevelopmentPlan
) -> None:
    response = client_for("manager").post(url("idp_return", submitted.uuid), {"reason": " "})

    assert response.status_code == 400
    assert response.context["return_form"].errors["reason"]
    submitted.refresh_from_db()
    assert (submitted.status, submitted.returned_reason) == (IdpStatus.SUBMITTED, "")
    with pytest.raises(ValidationError) as blank:
        services.idp_return(actor=f.actor_for(org.manager), plan=submitted, reason="  ")
    assert blank.value.message_dict == {"reason": ["Fill this in."]}
    assert _actions(submitted) == [AuditAction.CREATE, AuditAction.SUBMIT]
    assert _told(events.IDP_RETURNED) == []


def test_the_manager_returns_it_with_a_reason_and_the_person_is_told(
    client_for: ClientFor, org: TestOrg, submitted: DevelopmentPlan
) -> None:
    response = client_for("manager").post(url("idp_return", submitted.uuid), {"reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == url("idp", submitted.uuid)
    submitted.refresh_from_db()
    assert submitted.status == IdpStatus.DRAFT
    assert (submitted.returned_at, submitted.returned_by, submitted.returned_reason) == (
        NOW,
        org.manager.user,
        REASON,
    )
    assert submitted.manager_agreed_at is None
    assert _told(events.IDP_RETURNED) == ["E0004"]
    notice = Notification.objects.get(event=events.IDP_RETURNED)
    assert notice.params == {"manager": "张经理", "title": "成长为区域销售经理", "reason": REASON}
    assert notice.url == url("idp", submitted.uuid)
    assert _told(events.IDP_MENTOR_NAMED) == []  # mentors hear of it once it is agreed
    entry = f.audit_of(submitted)[-1]
    assert entry.action == AuditAction.RETURN
    assert entry.actor == org.manager.user
    assert entry.reason == REASON
    assert entry.before == {"status": "submitted"}
    assert entry.after == {
        "status": "draft",
        "returned_at": STAMP,
        "returned_reason": REASON,
    }
    # the person reads why on the plan, changes it and submits it again
    person = client_for("employee")
    page = person.get(url("idp", submitted.uuid))
    assert REASON in page.content.decode()
    assert page.context["can_edit"]
    edit = {"title": "成为区域销售经理", "start": "2026-03-02", "end": "2027-03-02"}
    assert person.post(url("idp_edit", submitted.uuid), edit).status_code == 302
    assert person.post(url("idp_submit", submitted.uuid)).status_code == 302
    assert _told(events.IDP_SUBMITTED) == ["E0003", "E0003"]  # once per submission
    assert client_for("manager").post(url("idp_return", submitted.uuid)).status_code == 400
    assert client_for("manager").post(url("idp_agree", submitted.uuid)).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == IdpStatus.ACTIVE
    assert _actions(submitted) == [
        AuditAction.CREATE,
        AuditAction.SUBMIT,
        AuditAction.RETURN,
        AuditAction.UPDATE,
        AuditAction.SUBMIT,
        AuditAction.APPROVE,
    ]


def test_a_long_reason_is_kept_whole_and_cut_in_the_message(
    org: TestOrg, submitted: DevelopmentPlan
) -> None:
    long = "请补充每项行动的衡量标准。" * 40
    services.idp_return(actor=f.actor_for(org.manager), plan=submitted, reason=long)
    submitted.refresh_from_db()
    assert submitted.returned_reason == long
    sent = Notification.objects.get(event=events.IDP_RETURNED).params["reason"]
    assert (len(sent), sent[-1]) == (services.NOTICE_TEXT, "…")
    assert long.startswith(sent[:-1])


def test_only_a_submitted_plan_is_returned(org: TestOrg, plan: DevelopmentPlan) -> None:
    with pytest.raises(ValidationError) as draft:
        services.idp_return(actor=f.actor_for(org.manager), plan=plan, reason=REASON)
    assert draft.value.messages == ["Only a plan waiting for agreement is returned."]
    agreed = f.idp(org.peer, agreed_by=org.manager)
    with pytest.raises(ValidationError):
        services.idp_return(actor=f.actor_for(org.manager), plan=agreed, reason=REASON)
    agreed.refresh_from_db()
    assert (agreed.status, agreed.returned_at) == (IdpStatus.ACTIVE, None)
    assert _told(events.IDP_RETURNED) == []


# --- lists and the API ---------------------------------------------------------------------


def test_the_team_list_says_which_plans_wait(
    client_for: ClientFor, org: TestOrg, submitted: DevelopmentPlan
) -> None:
    draft = f.idp(org.peer)
    rows = list(client_for("manager").get(url("idp_team")).context["page"].object_list)
    assert [(row, row.waiting) for row in rows] == [(submitted, 0), (draft, 1)]


def test_the_api_says_submitted_and_why_a_plan_was_returned(
    client_for: ClientFor, org: TestOrg, submitted: DevelopmentPlan
) -> None:
    client = client_for("manager")
    body = client.get("/api/v1/development-plans?status=submitted").json()
    assert [item["uuid"] for item in body["items"]] == [str(submitted.uuid)]
    assert body["items"][0]["status"] == "submitted"
    assert client.get("/api/v1/development-plans?status=waiting").status_code == 422
    services.idp_return(actor=f.actor_for(org.manager), plan=submitted, reason=REASON)
    detail = client.get(f"/api/v1/development-plans/{submitted.uuid}").json()
    assert (detail["status"], detail["returned_reason"]) == ("draft", REASON)
    assert detail["returned_at"] is not None
    assert set(get_args(IdpStatusValue)) == set(IdpStatus.values)


# --- withdrawing ---------------------------------------------------------------------------


def test_the_person_withdraws_changes_and_submits_again(
    client_for: ClientFor, org: TestOrg, submitted: DevelopmentPlan, request: Any
) -> None:
    traveller = request.getfixturevalue("frozen")
    page = client_for("employee").get(url("idp", submitted.uuid))
    assert url("idp_withdraw", submitted.uuid) in page.content.decode()

    response = client_for("employee").post(url("idp_withdraw", submitted.uuid))

    assert response.status_code == 302
    assert response["Location"] == url("idp", submitted.uuid)
    submitted.refresh_from_db()
    assert submitted.status == IdpStatus.DRAFT
    entry = f.audit_of(submitted)[-1]
    assert (entry.action, entry.actor) == (AuditAction.WITHDRAW, org.employee.user)
    assert (entry.before, entry.after) == ({"status": "submitted"}, {"status": "draft"})
    # being prepared again: the person may change it, and the manager may no longer agree
    assert client_for("employee").post(
        url("idp_edit", submitted.uuid),
        {"title": "成长为大区销售经理", "start": "2026-01-01", "end": "2026-12-31"},
    ).status_code in (302, 400)
    assert client_for("manager").post(url("idp_agree", submitted.uuid)).status_code == 403

    # submitted anew a day later: the manager is told of the new submission too
    traveller.shift(dt.timedelta(days=1))
    services.idp_submit(actor=f.actor_for(org.employee), plan=submitted)
    assert _told(events.IDP_SUBMITTED) == ["E0003", "E0003"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("manager", 403), ("head", 403), ("hr_admin", 403), ("peer", 404), ("outsider", 404)],
)
def test_only_the_person_withdraws(
    client_for: ClientFor, submitted: DevelopmentPlan, persona: str, status: int
) -> None:
    response = client_for(persona).post(url("idp_withdraw", submitted.uuid))
    assert response.status_code == status
    submitted.refresh_from_db()
    assert submitted.status == IdpStatus.SUBMITTED
    assert AuditAction.WITHDRAW not in _actions(submitted)


def test_only_a_submitted_plan_is_withdrawn(
    client_for: ClientFor, org: TestOrg, plan: DevelopmentPlan
) -> None:
    assert client_for("employee").post(url("idp_withdraw", plan.uuid)).status_code == 403
    with pytest.raises(ValidationError) as refused:
        services.idp_withdraw(actor=f.actor_for(org.employee), plan=plan)
    assert refused.value.messages == ["Only a plan waiting for agreement is withdrawn."]
    plan.refresh_from_db()
    assert plan.status == IdpStatus.DRAFT
