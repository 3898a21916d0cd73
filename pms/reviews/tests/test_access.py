"""The access rules of reviews, branch by branch (pms/reviews/access.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from pms.core.access import NotFound
from pms.core.audit import Actor
from pms.org.models import GrantedRole
from pms.org.roles import Principal, principal_for
from pms.org.services import role_grant
from pms.org.tests.factories import TestOrg
from pms.reviews import access
from pms.reviews.models import (
    CycleStatus,
    Phase,
    PhaseExtension,
    RaterType,
    RatingStatus,
    Review,
    ReviewSettings,
    ReviewStatus,
)
from pms.reviews.tests import factories as rf

TODAY = dt.date(2026, 12, 1)


def who(org: TestOrg, persona: str) -> Principal:
    target = getattr(org, persona)
    return principal_for(getattr(target, "user", target))


@pytest.fixture
def review(org: TestOrg) -> Review:
    tpl = rf.template()
    cycle = rf.cycle(default_template=tpl, phase=Phase.SELF)
    return rf.review(cycle, org.employee)


# --- reviews -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("employee", True),  # the reviewee
        ("manager", True),  # direct manager recorded at launch
        ("head", True),  # up the chain
        ("ceo", True),  # top of the chain
        ("hr_admin", True),  # company-wide HR
        ("hrbp", True),  # HRBP of 销售中心
        ("peer", False),
        ("other_manager", False),
        ("outsider", False),
        ("committee", False),
    ],
)
def test_who_sees_a_review(org: TestOrg, review: Review, persona: str, sees: bool) -> None:
    principal = who(org, persona)
    assert access.reviews_visible(principal).filter(pk=review.pk).exists() is sees
    if not sees:
        with pytest.raises(NotFound):
            access.access_review(principal, review.uuid)


def test_hrbp_outside_scope_does_not_see(org: TestOrg) -> None:
    tpl = rf.template()
    cycle = rf.cycle(default_template=tpl)
    outside = rf.review(cycle, org.outsider)
    assert not access.reviews_visible(who(org, "hrbp")).filter(pk=outside.pk).exists()
    assert access.reviews_visible(who(org, "hr_admin")).filter(pk=outside.pk).exists()


def test_draft_cycles_hide_their_reviews_from_everybody(org: TestOrg) -> None:
    tpl = rf.template()
    cycle = rf.cycle(default_template=tpl, status=CycleStatus.DRAFT)
    draft = rf.review(cycle, org.employee)
    for persona in ("employee", "manager", "hr_admin"):
        assert not access.reviews_visible(who(org, persona)).filter(pk=draft.pk).exists()
    assert not access.cycles_visible(who(org, "employee")).filter(pk=cycle.pk).exists()
    assert access.cycles_visible(who(org, "hr_admin")).filter(pk=cycle.pk).exists()


def test_the_manager_recorded_at_launch_keeps_seeing_after_a_move(
    org: TestOrg, review: Review
) -> None:
    review.manager = org.other_manager
    review.save(update_fields=["manager"])
    assert access.reviews_visible(who(org, "other_manager")).filter(pk=review.pk).exists()
    assert access.team_reviews(who(org, "other_manager"), review.cycle).filter(pk=review.pk)


def test_reviewee_sees_result_only_once_released(org: TestOrg, review: Review) -> None:
    employee = who(org, "employee")
    assert not access.can_see_result(employee, review)
    assert access.can_see_result(who(org, "manager"), review)
    assert access.can_see_result(who(org, "hrbp"), review)
    review.cycle.phase = Phase.RESULTS
    review.cycle.save(update_fields=["phase"])
    assert access.can_see_result(employee, review)


# --- peers ---------------------------------------------------------------------------------


def test_nominating_peers_is_the_reviewees_before_the_peer_phase(
    org: TestOrg, review: Review
) -> None:
    assert access.can_nominate_peers(who(org, "employee"), review)
    assert not access.can_nominate_peers(who(org, "manager"), review)
    review.cycle.phase = Phase.PEER
    review.cycle.save(update_fields=["phase"])
    assert not access.can_nominate_peers(who(org, "employee"), review)


def test_deciding_peers_is_the_managers_and_hr_until_the_peer_phase_passed(
    org: TestOrg, review: Review
) -> None:
    assert access.can_decide_peers(who(org, "manager"), review)
    assert access.can_decide_peers(who(org, "head"), review)
    assert access.can_decide_peers(who(org, "hrbp"), review)
    assert not access.can_decide_peers(who(org, "employee"), review)
    assert not access.can_decide_peers(who(org, "peer"), review)
    review.cycle.phase = Phase.MANAGER
    review.cycle.save(update_fields=["phase"])
    assert not access.can_decide_peers(who(org, "manager"), review)


# --- ratings -------------------------------------------------------------------------------


def test_only_the_rater_edits_and_only_while_the_phase_is_open(
    org: TestOrg, review: Review
) -> None:
    own = rf.rating(review, org.employee, RaterType.SELF)
    boss = rf.rating(review, org.manager, RaterType.MANAGER)
    assert access.can_edit_rating(who(org, "employee"), own, TODAY)
    assert not access.can_edit_rating(who(org, "manager"), own, TODAY)
    # the manager's phase has not opened yet
    assert not access.can_edit_rating(who(org, "manager"), boss, TODAY)
    assert not access.can_decline_rating(who(org, "employee"), own, TODAY)


def test_an_extension_reopens_a_phase_for_one_review_until_its_day(
    org: TestOrg, review: Review
) -> None:
    own = rf.rating(review, org.employee, RaterType.SELF)
    review.cycle.phase = Phase.MANAGER
    review.cycle.save(update_fields=["phase"])
    assert not access.can_edit_rating(who(org, "employee"), own, TODAY)
    PhaseExtension.objects.create(
        review=review,
        phase=Phase.SELF,
        until=TODAY,
        reason="病假",
        granted_by=org.hr_admin.user,
    )
    own = access.access_my_rating(who(org, "employee"), own.uuid)
    assert access.can_edit_rating(who(org, "employee"), own, TODAY)
    assert not access.can_edit_rating(who(org, "employee"), own, TODAY + dt.timedelta(days=1))


def test_submitted_or_removed_ratings_are_not_editable(org: TestOrg, review: Review) -> None:
    own = rf.rating(review, org.employee, RaterType.SELF, status=RatingStatus.SUBMITTED)
    assert not access.can_edit_rating(who(org, "employee"), own, TODAY)
    own.status = RatingStatus.DRAFT
    review.status = ReviewStatus.REMOVED
    assert not access.can_edit_rating(who(org, "employee"), own, TODAY)


def test_my_ratings_are_mine_only(org: TestOrg, review: Review) -> None:
    mine = rf.rating(review, org.peer, RaterType.PEER)
    assert access.access_my_rating(who(org, "peer"), mine.uuid) == mine
    for persona in ("employee", "manager", "hr_admin"):
        with pytest.raises(NotFound):
            access.access_my_rating(who(org, persona), mine.uuid)


def test_an_anonymous_rating_is_seen_by_its_rater_only(org: TestOrg, review: Review) -> None:
    anonymous = rf.rating(review, org.peer, RaterType.PEER, status=RatingStatus.SUBMITTED)
    assert anonymous.anonymous
    review.cycle.status = CycleStatus.CLOSED
    review.cycle.save(update_fields=["status"])
    assert access.can_see_named_rating(who(org, "peer"), anonymous)
    for persona in ("employee", "manager", "head", "hr_admin", "hrbp", "sysadmin"):
        assert not access.can_see_named_rating(who(org, persona), anonymous), persona


def test_a_named_rating_reaches_the_reviewee_once_released(org: TestOrg, review: Review) -> None:
    boss = rf.rating(review, org.manager, RaterType.MANAGER, status=RatingStatus.SUBMITTED)
    assert access.can_see_named_rating(who(org, "head"), boss)
    assert access.can_see_named_rating(who(org, "hrbp"), boss)
    assert not access.can_see_named_rating(who(org, "employee"), boss)
    assert not access.can_see_named_rating(who(org, "peer"), boss)
    review.cycle.phase = Phase.RESULTS
    review.cycle.save(update_fields=["phase"])
    assert access.can_see_named_rating(who(org, "employee"), boss)


def test_a_draft_named_rating_is_its_raters_alone(org: TestOrg, review: Review) -> None:
    boss = rf.rating(review, org.manager, RaterType.MANAGER, status=RatingStatus.DRAFT)
    assert access.can_see_named_rating(who(org, "manager"), boss)
    assert not access.can_see_named_rating(who(org, "head"), boss)
    assert not access.can_see_named_rating(who(org, "hr_admin"), boss)


# --- identities ----------------------------------------------------------------------------


def test_identity_access_needs_the_company_setting_and_company_hr(
    org: TestOrg, review: Review
) -> None:
    hr = who(org, "hr_admin")
    assert not access.can_access_identities(hr, review)
    with pytest.raises(NotFound):
        access.access_review_for_identities(hr, review.uuid)
    ReviewSettings.objects.create(allow_identity_access=True)
    assert access.can_access_identities(hr, review)
    assert access.access_review_for_identities(hr, review.uuid) == review
    assert not access.can_access_identities(who(org, "hrbp"), review)
    assert not access.can_access_identities(who(org, "manager"), review)


# --- running cycles ------------------------------------------------------------------------


def test_hr_roles(org: TestOrg, review: Review) -> None:
    assert access.is_review_admin(who(org, "hr_admin"))
    assert access.is_review_admin(who(org, "sysadmin"))
    assert not access.is_review_admin(who(org, "hrbp"))
    assert access.can_run_reviews(who(org, "hrbp"))
    assert not access.can_run_reviews(who(org, "manager"))
    assert access.can_manage_review(who(org, "hrbp"), review)
    assert not access.can_manage_review(who(org, "manager"), review)
    monitor = access.monitor_reviews(who(org, "hrbp"), review.cycle)
    assert list(monitor) == [review]
    assert not access.monitor_reviews(who(org, "manager"), review.cycle).exists()


def test_templates_are_for_hr(org: TestOrg) -> None:
    tpl = rf.template()
    assert access.access_template(who(org, "hrbp"), tpl.uuid) == tpl
    assert access.can_edit_templates(who(org, "hr_admin"))
    assert not access.can_edit_templates(who(org, "hrbp"))
    with pytest.raises(NotFound):
        access.access_template(who(org, "manager"), tpl.uuid)


def test_committee_member_without_employee_record_sees_no_review(
    org: TestOrg, review: Review
) -> None:
    committee = principal_for(org.committee)
    assert not access.reviews_visible(committee).exists()
    role_grant(actor=Actor.system(), user=org.committee, role=GrantedRole.EXECUTIVE)
    assert not access.reviews_visible(principal_for(org.committee)).exists()
