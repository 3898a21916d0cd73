"""The evidence calibrators weigh: goal results and rater-type means from the stored result
(anonymous types only from k answers, never a name), the manager's overall comment and
feedback highlights from the cycle's dates — in six queries however many people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from pms.calibration.models import CalibrationEntry
from pms.calibration.selectors.evidence import entries_evidence, entry_evidence
from pms.calibration.tests import factories as f
from pms.feedback.tests import factories as feedback
from pms.goals.tests import factories as goal_factories
from pms.org.models import Employee
from pms.org.tests.factories import TestOrg
from pms.reviews.models import Phase, RaterType, Review
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
NOW = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _rated(org: TestOrg, peers: int) -> Review:
    return rf.rated_review(
        org.employee,
        org.manager,
        rf.extra_peers(org.employee, peers),
        the_period=goal_factories.period(),
        phase=Phase.CALIBRATION,
    )


def _entry(org: TestOrg, review: Review) -> CalibrationEntry:
    f.session(org.hr_admin.user, review.cycle, [org.sales1])
    return CalibrationEntry.objects.select_related("session__cycle").get(review=review)


def test_goal_results_type_means_and_the_managers_comment(org: TestOrg) -> None:
    review = _rated(org, peers=3)
    entry = _entry(org, review)

    evidence = entry_evidence(entry)

    assert evidence.computed
    assert evidence.score == review.score
    (goal,) = evidence.goals
    assert (goal.title, goal.weight, goal.actual, goal.target) == ("销售额", "100", "450", "500")
    assert goal.attainment is not None
    assert goal.score is not None
    (section,) = evidence.sections
    types = {t.rater_type: t for t in section.types}
    assert types[RaterType.MANAGER].shown
    assert types[RaterType.MANAGER].mean is not None
    peer = types[RaterType.PEER]
    assert (peer.anonymous, peer.count, peer.shown) == (True, 3, True)
    assert peer.mean is not None
    assert evidence.manager_comment == "经理总评：继续保持"
    assert evidence.manager_name == org.manager.name


def test_an_anonymous_type_below_k_shows_its_count_only(org: TestOrg) -> None:
    entry = _entry(org, _rated(org, peers=2))

    (section,) = entry_evidence(entry).sections

    peer = next(t for t in section.types if t.rater_type == RaterType.PEER)
    assert (peer.count, peer.shown, peer.mean) == (2, False, None)


def test_feedback_highlights_from_the_cycle_without_upward_or_anonymous_items(
    org: TestOrg,
) -> None:
    cycle = f.calibration_cycle()
    f.sales_reviews(org, cycle)
    f.session(org.hr_admin.user, cycle, [org.sales])
    colleagues = [org.peer, org.head, org.other_manager, org.hr_admin]
    for n, giver in enumerate(colleagues):
        with time_machine.travel(NOW + dt.timedelta(hours=n), tick=False):
            feedback.give(giver, org.employee, public=True, behaviour=f"表扬第{n}条")
    feedback.give(
        org.peer, org.employee, kind="constructive", behaviour="周报晚交", impact="汇总延迟"
    )
    feedback.give(org.employee, org.manager, behaviour="讲解清楚")  # upward: stays the manager's
    feedback.anonymous(org.peer, org.manager)
    feedback.observe(org.manager, org.employee)
    feedback.observe(org.manager, org.employee, kind="problem")
    with time_machine.travel(dt.datetime(2025, 6, 1, tzinfo=dt.UTC), tick=False):
        feedback.give(org.peer, org.employee, behaviour="去年的表扬")  # before the cycle
    entries = list(
        CalibrationEntry.objects.select_related("session__cycle").filter(
            employee__in=[org.employee, org.manager]
        )
    )
    by_person = {e.employee_id: e.pk for e in entries}

    found = entries_evidence(entries)

    mine = found[by_person[org.employee.pk]].feedback
    assert (mine.recognition, mine.constructive) == (4, 1)
    assert [p.text for p in mine.praise] == ["表扬第3条", "表扬第2条", "表扬第1条"]
    assert mine.praise[0].giver == org.hr_admin.name
    assert (mine.excellent, mine.problem) == (1, 1)
    boss = found[by_person[org.manager.pk]].feedback
    assert (boss.recognition, boss.constructive, boss.praise) == (0, 0, [])


def test_the_evidence_takes_the_same_queries_for_one_person_or_many(
    org: TestOrg, django_assert_num_queries: Callable[[int], object]
) -> None:
    cycle = f.calibration_cycle()
    f.sales_reviews(org, cycle, extra=6)
    f.session(org.hr_admin.user, cycle, [org.sales])
    entries = list(CalibrationEntry.objects.select_related("session__cycle"))
    assert len(entries) == 11
    with django_assert_num_queries(6):  # type: ignore[operator]
        entries_evidence(entries[:1])
    with django_assert_num_queries(6):  # type: ignore[operator]
        entries_evidence(entries)


# --- the pages that show it ---


def test_the_entry_page_shows_evidence_and_history_never_a_peers_name(
    org: TestOrg, client_for: ClientFor
) -> None:
    review = _rated(org, peers=3)
    entry = _entry(org, review)
    peers = Employee.objects.filter(number__startswith="P")
    client = client_for("hr_admin")
    client.post(
        reverse("calibration:entry_change", args=[entry.uuid]),
        {"part": "page", "grade": "S", "reason": "年度最大订单"},
    )

    response = client.get(reverse("calibration:entry", args=[entry.uuid]))

    assert response.status_code == 200
    text = response.text
    assert "销售额" in text
    assert "经理总评：继续保持" in text
    assert "年度最大订单" in text
    assert "→ <strong>S</strong>" in text
    assert 'name="reason"' in text
    for person in peers:
        assert person.name not in text
    assert entry.employee.name in text
    entry.refresh_from_db()
    assert entry.grade == "S"


def test_the_entry_page_refuses_the_person_and_strangers(
    org: TestOrg, client_for: ClientFor
) -> None:
    sales = f.sales_session(org)
    mine = sales.entry("manager")
    other = sales.entry("employee")
    assert (
        client_for("manager").get(reverse("calibration:entry", args=[mine.uuid])).status_code == 404
    )
    assert (
        client_for("manager").get(reverse("calibration:entry", args=[other.uuid])).status_code
        == 200
    )
    assert (
        client_for("employee").get(reverse("calibration:entry", args=[other.uuid])).status_code
        == 404
    )
    observer = client_for("outsider").get(reverse("calibration:entry", args=[other.uuid]))
    assert observer.status_code == 200
    assert 'name="reason"' not in observer.text


def test_the_compare_page_puts_two_to_four_side_by_side(
    org: TestOrg, client_for: ClientFor
) -> None:
    sales = f.sales_session(org)
    page = reverse("calibration:compare", args=[sales.session.uuid])
    picked = [sales.entry(k) for k in ("peer", "employee", "head")]
    response = client_for("committee").get(page, {"e": [str(e.uuid) for e in picked]})
    assert response.status_code == 200
    text = response.text
    positions = [text.index(reverse("calibration:entry", args=[e.uuid])) for e in picked]
    assert positions == sorted(positions)

    one = client_for("committee").get(page, {"e": [str(picked[0].uuid)]})
    assert one.status_code == 400
    assert "Choose two to four people to compare." in one.text
    five = [
        str(sales.entry(k).uuid) for k in ("peer", "employee", "head", "manager", "other_manager")
    ]
    assert client_for("hr_admin").get(page, {"e": five}).status_code == 400
    assert client_for("hr_admin").get(page, {"e": ["junk", "junk2"]}).status_code == 404
    # the manager asking for their own entry finds nothing
    own = [str(sales.entry("manager").uuid), str(sales.entry("peer").uuid)]
    assert client_for("manager").get(page, {"e": own}).status_code == 404
    assert client_for("employee").get(page, {"e": own[1:] * 2}).status_code == 404
    # from the grid's form (HTMX) it sends the browser to the page
    htmx = client_for("committee").get(
        page, {"e": [str(e.uuid) for e in picked[:2]], "reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert htmx["HX-Redirect"].startswith(page + "?e=")
    assert "reason" not in htmx["HX-Redirect"]


def test_a_score_shown_as_a_number(org: TestOrg) -> None:
    cycle = f.calibration_cycle()
    f.sales_reviews(org, cycle)
    f.session(org.hr_admin.user, cycle, [org.sales])
    entry = CalibrationEntry.objects.select_related("session__cycle").get(employee=org.peer)
    evidence = entry_evidence(entry)
    assert evidence.score == Decimal("74")
    assert evidence.goals == []
    assert [t.rater_type for t in evidence.sections[0].types] == ["self", "manager"]
