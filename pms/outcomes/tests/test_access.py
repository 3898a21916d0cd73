"""The access rules of results, interviews and appeals, branch by branch (``access.py``'s
docstring), with the personas of the test company: the person (``employee``), a colleague
(``peer``), the direct manager, the head above, another manager, an outsider, company-wide
HR, an HRBP over sales, the CEO, a system admin and a committee member."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pms.core.access import Forbidden, NotFound
from pms.core.audit import Actor
from pms.org import services as org_services
from pms.org.models import GrantedRole
from pms.org.roles import Principal, principal_for
from pms.org.tests.factories import TestOrg
from pms.outcomes import access
from pms.outcomes.models import (
    AckStatus,
    Appeal,
    Interview,
    InterviewStatus,
    PerformanceResult,
    ResultRelease,
    ResultSource,
)
from pms.outcomes.services import appeals as appeal_services
from pms.outcomes.services import interviews as interview_services
from pms.outcomes.tests import factories as of
from pms.reviews.models import Cycle, CycleStatus, Review
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db


def who(org: TestOrg, persona: str) -> Principal:
    target = getattr(org, persona)
    return principal_for(target if not hasattr(target, "user") else target.user)


def grant_hr_to_head(org: TestOrg) -> None:
    """The head of sales (the person's manager up the chain) is also HR over sales."""
    org_services.role_grant(
        actor=Actor.system(),
        user=org.head.user,
        role=GrantedRole.HR_ADMIN,
        departments=[org.sales],
    )


def visible(org: TestOrg, persona: str, result: PerformanceResult) -> bool:
    return access.results_visible(who(org, persona)).filter(pk=result.pk).exists()


# --- results ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("employee", True),
        ("manager", True),
        ("head", True),
        ("ceo", True),
        ("hr_admin", True),
        ("hrbp", True),
        ("sysadmin", True),
        ("peer", False),
        ("other_manager", False),
        ("outsider", False),
        ("committee", False),
    ],
)
def test_who_sees_a_result(org: TestOrg, mine: PerformanceResult, persona: str, sees: bool) -> None:
    assert visible(org, persona, mine) is sees
    if sees:
        assert access.access_result(who(org, persona), mine.uuid) == mine
    else:
        with pytest.raises(NotFound):
            access.access_result(who(org, persona), mine.uuid)


def test_hrbp_does_not_see_results_outside_their_scope(
    org: TestOrg, published: Cycle, reviews: dict[str, Review]
) -> None:
    outsider = of.result_of(reviews["outsider"])
    assert not visible(org, "hrbp", outsider)
    assert visible(org, "hr_admin", outsider)


def test_the_manager_recorded_at_launch_sees_after_the_person_moved(
    org: TestOrg, published: Cycle, mine: PerformanceResult
) -> None:
    org_services.employee_update(
        actor=Actor.system(), employee=org.employee, changes={"manager": org.other_manager}
    )
    assert visible(org, "manager", mine)
    assert visible(org, "other_manager", mine)


def test_my_results_are_only_mine(org: TestOrg, mine: PerformanceResult) -> None:
    assert list(access.my_results(who(org, "employee"))) == [mine]
    assert mine not in access.my_results(who(org, "manager"))
    assert not access.my_results(who(org, "sysadmin")).exists()


def test_confirming_is_the_person_s_while_it_waits(org: TestOrg, mine: PerformanceResult) -> None:
    assert access.can_confirm_result(who(org, "employee"), mine)
    assert not access.can_confirm_result(who(org, "manager"), mine)
    assert not access.can_confirm_result(who(org, "hr_admin"), mine)
    mine.ack_status = AckStatus.CONFIRMED
    assert not access.can_confirm_result(who(org, "employee"), mine)


def test_correcting_is_hr_in_scope_but_never_a_manager_of_the_person(
    org: TestOrg, mine: PerformanceResult
) -> None:
    assert access.can_correct_result(who(org, "hr_admin"), mine)
    assert access.can_correct_result(who(org, "hrbp"), mine)
    assert access.can_correct_result(who(org, "sysadmin"), mine)
    assert not access.can_correct_result(who(org, "manager"), mine)
    assert not access.can_correct_result(who(org, "employee"), mine)
    grant_hr_to_head(org)
    assert not access.can_correct_result(who(org, "head"), mine)


def test_an_appeal_s_reason_is_for_the_person_and_appeal_hr(
    org: TestOrg, mine: PerformanceResult
) -> None:
    for persona in ("employee", "manager", "head", "hrbp"):
        assert access.can_see_change_reason(who(org, persona), mine, ResultSource.CALIBRATION)
    assert access.can_see_change_reason(who(org, "employee"), mine, ResultSource.APPEAL)
    assert access.can_see_change_reason(who(org, "hrbp"), mine, ResultSource.APPEAL)
    assert not access.can_see_change_reason(who(org, "manager"), mine, ResultSource.APPEAL)
    assert not access.can_see_change_reason(who(org, "head"), mine, ResultSource.APPEAL)


def test_team_results_are_the_people_led(
    org: TestOrg, published: Cycle, reviews: dict[str, Review]
) -> None:
    numbers = set(
        access.team_results(who(org, "manager")).values_list("employee__number", flat=True)
    )
    assert numbers == {"E0004", "E0005"}
    head = set(access.team_results(who(org, "head")).values_list("employee__number", flat=True))
    assert head == {"E0003", "E0004", "E0005", "E0006"}
    assert access.can_see_team_results(who(org, "manager"))
    assert not access.can_see_team_results(who(org, "employee"))
    assert not access.can_see_team_results(who(org, "sysadmin"))


def test_a_cycle_s_results_are_hr_s(org: TestOrg, published: Cycle) -> None:
    assert access.access_cycle_for_results(who(org, "hrbp"), published.uuid) == published
    with pytest.raises(Forbidden):
        access.access_cycle_for_results(who(org, "employee"), published.uuid)
    draft = rf.cycle(status=CycleStatus.DRAFT, default_template=rf.template())
    with pytest.raises(NotFound):
        access.access_cycle_for_results(who(org, "employee"), draft.uuid)
    with pytest.raises(Forbidden):
        access.access_cycle_for_results(who(org, "hr_admin"), draft.uuid)
    in_scope = access.cycle_results(who(org, "hrbp"), published)
    assert set(in_scope.values_list("employee__number", flat=True)) == {
        "E0003",
        "E0004",
        "E0005",
        "E0006",
    }
    assert not access.cycle_results(who(org, "manager"), published).exists()


def test_releasing_is_company_wide_hr_s_while_the_cycle_runs(org: TestOrg, cycle: Cycle) -> None:
    assert access.can_release_results(who(org, "hr_admin"), cycle)
    assert access.can_release_results(who(org, "sysadmin"), cycle)
    assert not access.can_release_results(who(org, "hrbp"), cycle)
    assert not access.can_release_results(who(org, "manager"), cycle)
    cycle.status = CycleStatus.CLOSED
    assert not access.can_release_results(who(org, "hr_admin"), cycle)


# --- interviews ------------------------------------------------------------------------------


@pytest.fixture
def interview(org: TestOrg, mine: PerformanceResult) -> Interview:
    return interview_services.interview_schedule(
        actor=Actor(user=org.manager.user),
        result=mine,
        interviewer=org.manager,
        scheduled_at=timezone.now() + dt.timedelta(days=1),
        place="三楼会议室",
    )


def test_the_person_s_managers_schedule_the_interview(
    org: TestOrg, mine: PerformanceResult
) -> None:
    assert access.can_schedule_interview(who(org, "manager"), mine)
    assert access.can_schedule_interview(who(org, "head"), mine)
    for persona in ("employee", "peer", "hrbp", "hr_admin", "other_manager"):
        assert not access.can_schedule_interview(who(org, persona), mine)


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("manager", True),
        ("employee", True),
        ("hrbp", True),
        ("hr_admin", True),
        ("head", False),
        ("peer", False),
        ("outsider", False),
    ],
)
def test_who_sees_an_interview(
    org: TestOrg, interview: Interview, persona: str, sees: bool
) -> None:
    principal = who(org, persona)
    assert access.interviews_visible(principal).filter(pk=interview.pk).exists() is sees
    if sees:
        found = access.access_interview(principal, interview.uuid)
        assert access.can_see_interview(principal, found)
    else:
        with pytest.raises(NotFound):
            access.access_interview(principal, interview.uuid)


def test_who_writes_and_signs_what_in_an_interview(org: TestOrg, interview: Interview) -> None:
    manager, person, hrbp = who(org, "manager"), who(org, "employee"), who(org, "hrbp")
    assert access.can_record_interview(manager, interview)
    assert access.can_reschedule_interview(manager, interview)
    assert not access.can_record_interview(person, interview)
    assert not access.can_record_interview(hrbp, interview)
    assert not access.can_give_opinion(person, interview)  # nothing recorded yet
    assert not access.can_sign_interview(manager, interview)
    interview.status = InterviewStatus.RECORDED
    assert access.can_give_opinion(person, interview)
    assert not access.can_give_opinion(manager, interview)
    assert not access.can_reschedule_interview(manager, interview)
    assert access.can_sign_interview(manager, interview)
    assert access.can_sign_interview(person, interview)
    assert not access.can_sign_interview(hrbp, interview)
    interview.employee_signed_at = timezone.now()
    assert not access.can_sign_interview(person, interview)
    interview.status = InterviewStatus.SIGNED
    assert not access.can_record_interview(manager, interview)
    assert not access.can_sign_interview(manager, interview)


def test_guides_are_written_by_company_wide_hr(org: TestOrg) -> None:
    assert access.can_manage_guides(who(org, "hr_admin"))
    assert not access.can_manage_guides(who(org, "hrbp"))
    assert not access.can_manage_guides(who(org, "manager"))
    assert access.guides_visible(who(org, "hrbp")).model.__name__ == "InterviewGuide"
    assert not access.guides_visible(who(org, "manager")).exists()


# --- appeals ---------------------------------------------------------------------------------


@pytest.fixture
def appeal(org: TestOrg, mine: PerformanceResult) -> Appeal:
    return appeal_services.appeal_file(
        actor=Actor(user=org.employee.user), result=mine, reasons="客户满意度指标口径有误"
    )


def test_the_person_files_while_the_window_is_open(org: TestOrg, mine: PerformanceResult) -> None:
    today = timezone.localdate()
    person = who(org, "employee")
    assert access.can_file_appeal(person, mine, today, has_appeal=False)
    assert not access.can_file_appeal(person, mine, today, has_appeal=True)
    assert not access.can_file_appeal(who(org, "manager"), mine, today, has_appeal=False)
    release = ResultRelease.objects.get(cycle=mine.cycle)
    assert release.appeal_until is not None
    assert not access.can_file_appeal(
        person, mine, release.appeal_until + dt.timedelta(days=1), has_appeal=False
    )
    mine.ack_status = AckStatus.AUTO
    assert access.can_file_appeal(person, mine, today, has_appeal=False)
    mine.ack_status = AckStatus.CONFIRMED
    assert not access.can_file_appeal(person, mine, today, has_appeal=False)


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("employee", True),
        ("hrbp", True),
        ("hr_admin", True),
        ("sysadmin", True),
        ("manager", False),
        ("head", False),
        ("ceo", False),
        ("peer", False),
        ("outsider", False),
    ],
)
def test_who_sees_an_appeal(org: TestOrg, appeal: Appeal, persona: str, sees: bool) -> None:
    principal = who(org, persona)
    assert access.appeals_visible(principal).filter(pk=appeal.pk).exists() is sees
    if not sees:
        with pytest.raises(NotFound):
            access.access_appeal(principal, appeal.uuid)


def test_hr_who_manages_the_person_never_handles_their_appeal(org: TestOrg, appeal: Appeal) -> None:
    grant_hr_to_head(org)
    head = who(org, "head")

    assert head.is_hr
    assert not access.appeals_visible(head).filter(pk=appeal.pk).exists()
    assert not access.appeals_to_handle(head).filter(pk=appeal.pk).exists()
    assert not access.may_handle_appeal(head, appeal.result)
    assert org.head.user not in access.appeal_handlers(appeal.result)
    assert set(access.appeal_handlers(appeal.result)) == {org.hr_admin.user, org.hrbp.user}


def test_hr_appealing_their_own_result_does_not_handle_it(
    org: TestOrg, published: Cycle, reviews: dict[str, Review]
) -> None:
    own = of.result_of(reviews["peer"])
    org_services.role_grant(
        actor=Actor.system(), user=org.peer.user, role=GrantedRole.HR_ADMIN, departments=[org.sales]
    )
    assert org.peer.user not in access.appeal_handlers(own)
    assert not access.may_handle_appeal(who(org, "peer"), own)


def test_who_acts_on_an_appeal(org: TestOrg, appeal: Appeal) -> None:
    found = access.access_appeal(who(org, "hrbp"), appeal.uuid)
    assert found.handler == org.hrbp.user
    assert access.can_decide_appeal(who(org, "hrbp"), found)
    assert access.can_take_up_appeal(who(org, "hrbp"), found)
    assert not access.can_decide_appeal(who(org, "hr_admin"), found)  # not the handler
    assert access.can_assign_appeal(who(org, "hr_admin"), found)
    assert access.can_withdraw_appeal(who(org, "employee"), found)
    assert not access.can_withdraw_appeal(who(org, "hrbp"), found)
    assert not access.can_decide_appeal(who(org, "employee"), found)
    assert access.can_see_appeal_stats(who(org, "hrbp"))
    assert not access.can_see_appeal_stats(who(org, "manager"))


def test_appeals_in_scope_count_every_appeal_but_lists_leave_hr_s_own_people_out(
    org: TestOrg, appeal: Appeal
) -> None:
    grant_hr_to_head(org)
    head = who(org, "head")
    assert access.appeals_in_scope(head).filter(pk=appeal.pk).exists()
    assert not access.appeals_in_scope(who(org, "manager")).exists()
    assert Appeal.objects.count() == 1
    assert not PerformanceResult.objects.filter(cycle__status=CycleStatus.DRAFT).exists()
