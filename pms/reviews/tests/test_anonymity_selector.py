"""The anonymity selector: anonymous rater types reach everybody but the rater only
aggregated, only with at least k answers and only once their phase has passed; comments
without names in an order that is neither insertion nor time order; named types in full
for those allowed; identities only through the logged look-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pms.goals.models import Period
from pms.goals.tests import factories as goal_factories
from pms.org.models import Employee
from pms.org.roles import Principal, principal_for
from pms.org.tests.factories import TestOrg
from pms.reviews import access
from pms.reviews.models import Phase, PhaseExtension, RaterType, Review, ReviewSettings
from pms.reviews.selectors.anonymity import (
    anonymity_k,
    anonymous_identities,
    review_ratings_view,
    shuffle_key,
)
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db


def who(org: TestOrg, persona: str) -> Principal:
    target = getattr(org, persona)
    return principal_for(getattr(target, "user", target))


@pytest.fixture
def period() -> Period:
    return goal_factories.period("2026年度")


def peers(org: TestOrg, count: int) -> list[Employee]:
    return [org.peer, *rf.extra_peers(org.employee, count - 1)]


def review_with(org: TestOrg, period: Period, count: int, phase: str = Phase.RESULTS) -> Review:
    return rf.rated_review(
        org.employee, org.manager, peers(org, count), the_period=period, phase=phase
    )


def test_released_aggregates_hold_means_distributions_and_comments_only(
    org: TestOrg, period: Period
) -> None:
    review = review_with(org, period, 3)

    view = review_ratings_view(who(org, "employee"), review)

    (peer,) = view.anonymous
    assert peer.rater_type == RaterType.PEER
    assert (peer.asked, peer.submitted, peer.released) == (3, 3, True)
    (section,) = peer.sections
    item = section.items[0]
    assert item.shown
    assert str(item.mean) == "70.00"
    assert item.distribution == [("S", 0), ("A", 0), ("B", 3), ("C", 0), ("D", 0)]
    assert sorted(item.comments) == ["意见第0条", "意见第1条", "意见第2条"]
    assert sorted(peer.comments) == ["总评第0条", "总评第1条", "总评第2条"]
    text = repr(view)
    for person in peers(org, 1):
        assert person.name not in text
        assert person.number not in text
    for rating in review.ratings.filter(rater_type=RaterType.PEER):
        assert str(rating.uuid) not in text
        assert rating.submitted_at is not None
        assert rating.submitted_at.isoformat() not in text


def test_below_k_nothing_but_the_counts(org: TestOrg, period: Period) -> None:
    review = review_with(org, period, 2)

    (peer,) = review_ratings_view(who(org, "manager"), review).anonymous

    assert (peer.submitted, peer.released, peer.withheld) == (2, False, "too_few")
    assert peer.sections == []
    assert peer.comments == []


def test_k_is_the_company_setting_never_below_two(org: TestOrg, period: Period) -> None:
    assert anonymity_k() == 3
    ReviewSettings.objects.create(anonymity_min=2)
    assert anonymity_k() == 2
    review = review_with(org, period, 2)

    (peer,) = review_ratings_view(who(org, "employee"), review).anonymous

    assert peer.released


def test_nothing_before_the_phase_has_passed(org: TestOrg, period: Period) -> None:
    review = review_with(org, period, 4, phase=Phase.PEER)

    (peer,) = review_ratings_view(who(org, "hr_admin"), review).anonymous

    assert (peer.submitted, peer.released, peer.withheld) == (4, False, "phase_open")
    assert peer.sections == []


def test_a_phase_reopened_for_the_person_holds_the_aggregates_again(
    org: TestOrg, period: Period
) -> None:
    review = review_with(org, period, 3)
    PhaseExtension.objects.create(
        review=review,
        phase=Phase.PEER,
        until=timezone.localdate() + dt.timedelta(days=2),
        reason="补评",
        granted_by=org.sysadmin,
    )

    (peer,) = review_ratings_view(who(org, "manager"), review).anonymous

    assert peer.withheld == "phase_open"


def test_an_item_with_fewer_than_k_answers_shows_no_mean(org: TestOrg, period: Period) -> None:
    review = review_with(org, period, 3)
    first = rf.competency_items(review.template)[0]
    review.ratings.filter(rater_type=RaterType.PEER, rater=org.peer).first().answers.filter(  # type: ignore[union-attr]
        item=first
    ).update(value="")

    (peer,) = review_ratings_view(who(org, "employee"), review).anonymous

    item = peer.sections[0].items[0]
    assert (item.answers, item.shown, item.mean, item.distribution) == (2, False, None, [])


def test_comments_come_in_a_keyed_order_not_the_order_written(
    org: TestOrg, period: Period, settings: object
) -> None:
    review = review_with(org, period, 6)
    answers = sorted(
        (
            a
            for r in review.ratings.filter(rater_type=RaterType.PEER)
            for a in r.answers.all()
            if a.item_id == rf.competency_items(review.template)[0].pk
        ),
        key=lambda a: a.pk,
    )

    (peer,) = review_ratings_view(who(org, "employee"), review).anonymous

    shown = peer.sections[0].items[0].comments
    expected = [
        a.comment for a in sorted(answers, key=lambda a: shuffle_key(review.pk, "answer", a.pk))
    ]
    assert shown == expected
    # the key is an HMAC of the row's id: no relation to the order written
    keys = [shuffle_key(1, "answer", pk) for pk in range(1, 7)]
    assert sorted(range(6), key=lambda i: keys[i]) != list(range(6))


def test_named_ratings_for_those_allowed_anonymous_never(org: TestOrg, period: Period) -> None:
    review = review_with(org, period, 3)

    for persona in ("employee", "manager", "hr_admin"):
        view = review_ratings_view(who(org, persona), review)
        assert sorted(n.rater_type for n in view.named) == ["manager", "self"]
        manager = next(n for n in view.named if n.rater_type == "manager")
        assert manager.rater_name == org.manager.name
        assert manager.overall_comment == "经理总评：继续保持"
    states = {s.rater_type: s for s in review_ratings_view(who(org, "manager"), review).states}
    assert (states["peer"].anonymous, states["peer"].asked, states["peer"].submitted) == (
        True,
        3,
        3,
    )


def test_identities_name_the_anonymous_raters(org: TestOrg, period: Period) -> None:
    review = review_with(org, period, 3)

    rows = anonymous_identities(review)

    assert {r.rater_name for r in rows} == {p.name for p in peers(org, 1)} | {
        r.rater.name for r in review.ratings.filter(rater_type=RaterType.PEER)
    }
    assert len(rows) == 3


def test_the_view_takes_the_same_queries_for_few_and_many_raters(
    org: TestOrg, period: Period
) -> None:
    small = review_with(org, period, 3)
    other = goal_factories.period("2026年度-二")
    large = rf.rated_review(
        org.peer, org.manager, rf.extra_peers(org.employee, 8), the_period=other
    )
    counts = []
    for loaded, persona in ((small, "employee"), (large, "manager")):
        principal = who(org, persona)
        review = access.access_review(principal, loaded.uuid)  # as a page loads it
        with CaptureQueriesContext(connection) as queries:
            review_ratings_view(principal, review)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 10
