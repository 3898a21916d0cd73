"""The result pages: my results, one review's result (and its PDF), the manager's team
side by side, HR's results of a cycle with recompute / freeze / progress, and HR's logged
look-up of identities — allowed users, refused users, bad input, anonymity, query counts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pms.core.models import AuditEntry
from pms.goals.models import Period
from pms.goals.tests import factories as goal_factories
from pms.goals.tests.test_letter_pdf import pdf_text
from pms.org.models import Employee
from pms.org.tests.factories import TestOrg
from pms.reviews.models import (
    IdentityAccess,
    Phase,
    RaterType,
    RecomputeRun,
    RecomputeStatus,
    Review,
    ReviewResult,
    ReviewSettings,
)
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]
Capture = Callable[..., Any]


@pytest.fixture
def period() -> Period:
    return goal_factories.period("2026年度")


def peers_of(org: TestOrg, count: int = 3) -> list[Employee]:
    return [org.peer, *rf.extra_peers(org.employee, count - 1)]


@pytest.fixture
def released(org: TestOrg, period: Period) -> Review:
    return rf.rated_review(org.employee, org.manager, peers_of(org), the_period=period)


def url(name: str, review: Review) -> str:
    return reverse(f"reviews:{name}", args=[review.uuid])


def assert_no_peer_traces(content: str, review: Review) -> None:
    """Neither who the anonymous raters are nor when they answered."""
    for rating in review.ratings.filter(anonymous=True).select_related("rater"):
        assert rating.rater.name not in content
        assert rating.rater.number not in content
        assert str(rating.uuid) not in content
        assert rating.submitted_at is not None
        when = timezone.localtime(rating.submitted_at)
        assert when.strftime("%Y-%m-%d %H:%M") not in content
        assert when.isoformat() not in content


# --- my results ----------------------------------------------------------------------------


def test_my_results_lists_my_reviews(
    org: TestOrg, released: Review, period: Period, client_for: Clients
) -> None:
    rf.rated_review(
        org.employee,
        org.manager,
        peers_of(org),
        the_period=goal_factories.period("2027年度"),
        phase=Phase.MANAGER,
    )

    response = client_for("employee").get(reverse("reviews:my_results"))

    assert response.status_code == 200
    content = response.content.decode()
    assert released.cycle.name in content
    assert str(released.score) in content
    assert "Shown once the cycle reaches the results phase." in content
    assert url("result", released) in content


def test_my_results_is_for_people_with_an_employee_record(
    org: TestOrg, client_for: Clients
) -> None:
    assert client_for("sysadmin").get(reverse("reviews:my_results")).status_code == 404
    response = client_for("outsider").get(reverse("reviews:my_results"))
    assert response.status_code == 200
    assert "You have no reviews yet." in response.content.decode()


def test_my_results_queries_do_not_grow_with_reviews(
    org: TestOrg, period: Period, client_for: Clients, django_assert_num_queries: Any
) -> None:
    client = client_for("employee")
    rf.rated_review(org.employee, org.manager, [], the_period=period)
    client.get(reverse("reviews:my_results"))
    first = count_queries(lambda: client.get(reverse("reviews:my_results")))
    for year in (2027, 2028):
        rf.rated_review(
            org.employee, org.manager, [], the_period=goal_factories.period(f"{year}年度")
        )
    with django_assert_num_queries(first):
        client.get(reverse("reviews:my_results"))


def count_queries(fetch: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        fetch()
    return len(queries)


# --- one review ----------------------------------------------------------------------------


def test_the_reviewee_sees_the_result_explained_without_peer_traces(
    released: Review, client_for: Clients
) -> None:
    response = client_for("employee").get(url("result", released))

    assert response.status_code == 200
    content = response.content.decode()
    assert str(released.score) in content
    assert "How was this computed?" in content
    assert "销售额" in content  # the goal table
    assert "Attainment = actual 450 ÷ target 500 × 100 = 90.00%" in content
    assert "经理总评：继续保持" in content  # the manager's named rating, released
    assert "意见第0条" in content  # peers' comments, aggregated
    assert "Ratings so far" not in content  # counts are for managers and HR
    assert "Compute again" not in content
    assert_no_peer_traces(content, released)


def test_managers_and_hr_see_counts_of_each_rater_type(
    released: Review, client_for: Clients
) -> None:
    for persona in ("manager", "head", "hrbp", "hr_admin"):
        response = client_for(persona).get(url("result", released))
        assert response.status_code == 200, persona
        content = response.content.decode()
        assert "Ratings so far" in content
        assert_no_peer_traces(content, released)
    assert "Compute again" in client_for("hr_admin").get(url("result", released)).content.decode()


def test_the_result_is_refused_to_others(
    org: TestOrg, released: Review, period: Period, client_for: Clients
) -> None:
    for persona in ("peer", "outsider", "other_manager", "committee"):
        assert client_for(persona).get(url("result", released)).status_code == 404, persona
    early = rf.rated_review(
        org.peer, org.manager, [], the_period=goal_factories.period("2027年度"), phase=Phase.MANAGER
    )
    assert client_for("peer").get(url("result", early)).status_code == 403
    assert client_for("manager").get(url("result", early)).status_code == 200


def test_anonymous_answers_wait_for_the_phase_and_for_k(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    during = rf.rated_review(
        org.employee, org.manager, peers_of(org), the_period=period, phase=Phase.MANAGER
    )
    content = client_for("manager").get(url("result", during)).content.decode()
    assert "意见第0条" in content  # the peer phase has passed
    few = rf.rated_review(
        org.peer, org.manager, rf.extra_peers(org.employee, 2), the_period=period, phase=Phase.PEER
    )
    content = client_for("manager").get(url("result", few)).content.decode()
    assert "Not enough answers to show" in content
    assert "意见第0条" not in content
    assert "总评第0条" not in content


def test_the_result_page_queries_do_not_grow_with_raters(
    org: TestOrg, period: Period, client_for: Clients, django_assert_num_queries: Any
) -> None:
    small = rf.rated_review(org.employee, org.manager, peers_of(org), the_period=period)
    large = rf.rated_review(
        org.peer,
        org.manager,
        rf.extra_peers(org.employee, 8),
        the_period=goal_factories.period("2027年度"),
    )
    client = client_for("manager")
    client.get(url("result", small))
    first = count_queries(lambda: client.get(url("result", small)))
    with django_assert_num_queries(first):
        client.get(url("result", large))


def test_the_pdf_prints_the_result_without_anonymous_names(
    released: Review, client_for: Clients
) -> None:
    response = client_for("employee").get(url("result_print", released))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert str(released.score) in text
    assert "销售额" in text
    assert "经理总评：继续保持" in text
    assert "意见第0条" in text
    assert_no_peer_traces(text, released)


def test_the_pdf_is_refused_like_the_page(
    org: TestOrg, released: Review, client_for: Clients
) -> None:
    assert client_for("outsider").get(url("result_print", released)).status_code == 404
    released.cycle.phase = Phase.MANAGER
    released.cycle.save()
    assert client_for("employee").get(url("result_print", released)).status_code == 403


def test_hr_corrects_one_frozen_result_with_a_reason(
    org: TestOrg, released: Review, client_for: Clients
) -> None:
    ReviewResult.objects.filter(review=released).update(frozen=True)
    client = client_for("hr_admin")

    refused = client.post(url("result_recompute", released), {"reason": ""})
    assert refused.status_code == 400
    assert "say why they are computed again" in refused.content.decode()
    assert ReviewResult.objects.filter(review=released).count() == 1

    assert (
        client_for("manager").post(url("result_recompute", released), {"reason": "x"}).status_code
        == 403
    )
    assert (
        client_for("outsider").post(url("result_recompute", released), {"reason": "x"}).status_code
        == 404
    )

    answer = released.ratings.get(rater_type=RaterType.MANAGER).answers.order_by("id").first()
    assert answer is not None
    answer.value = "D"
    answer.save()
    response = client.post(url("result_recompute", released), {"reason": "经理更正评分"})
    assert response.status_code == 302
    current = ReviewResult.objects.get(review=released, is_current=True)
    assert (current.version, current.frozen, current.reason) == (2, True, "经理更正评分")
    assert AuditEntry.objects.filter(
        object_type="reviews.reviewresult", reason="经理更正评分"
    ).exists()


# --- identities ----------------------------------------------------------------------------


def test_identities_are_shown_only_after_the_reason_is_recorded(
    org: TestOrg, released: Review, client_for: Clients
) -> None:
    client = client_for("hr_admin")
    assert client.get(url("result_identities", released)).status_code == 404  # not allowed
    ReviewSettings.objects.create(allow_identity_access=True)

    form = client.get(url("result_identities", released))
    assert form.status_code == 200
    assert_no_peer_traces(form.content.decode(), released)

    bad = client.post(url("result_identities", released), {"reason": "看看"})
    assert bad.status_code == 400
    assert "at least 10 characters" in bad.content.decode()
    assert not IdentityAccess.objects.exists()

    shown = client.post(
        url("result_identities", released), {"reason": "员工投诉同事评价存在报复，需核实"}
    )
    assert shown.status_code == 200
    assert org.peer.name in shown.content.decode()
    look = IdentityAccess.objects.get()
    assert (look.review, look.viewer, look.reason) == (
        released,
        org.hr_admin.user,
        "员工投诉同事评价存在报复，需核实",
    )
    entry = AuditEntry.objects.get(object_type="reviews.identityaccess")
    assert entry.reason == look.reason


def test_identities_are_refused_to_everybody_else(
    org: TestOrg, released: Review, client_for: Clients
) -> None:
    ReviewSettings.objects.create(allow_identity_access=True)
    for persona in ("hrbp", "manager", "employee", "outsider", "head"):
        client = client_for(persona)
        assert client.get(url("result_identities", released)).status_code == 404, persona
        assert (
            client.post(url("result_identities", released), {"reason": "x" * 20}).status_code == 404
        )
    assert not IdentityAccess.objects.exists()


# --- the manager's team --------------------------------------------------------------------


def test_team_reviews_side_by_side(org: TestOrg, period: Period, client_for: Clients) -> None:
    review = rf.rated_review(
        org.employee, org.manager, peers_of(org), the_period=period, phase=Phase.MANAGER
    )
    client = client_for("manager")

    index = client.get(reverse("reviews:team_reviews"))
    assert index.status_code == 200
    assert review.cycle.name in index.content.decode()

    response = client.get(reverse("reviews:team_cycle", args=[review.cycle.uuid]))
    assert response.status_code == 200
    content = response.content.decode()
    assert org.employee.name in content
    # self A = 85, manager S/A/B = 85
    assert "能力与价值观: 85.00 / 85.00" in content
    assert "90.00" in content  # the goals' score
    assert re.search(r"Peer 3/3", content)
    assert_no_peer_traces(content, review)


def test_team_reviews_are_for_managers(org: TestOrg, released: Review, client_for: Clients) -> None:
    assert client_for("employee").get(reverse("reviews:team_reviews")).status_code == 404
    assert (
        client_for("employee")
        .get(reverse("reviews:team_cycle", args=[released.cycle.uuid]))
        .status_code
        == 404
    )
    # a manager who leads none of these reviews sees none of them
    other = client_for("head").get(reverse("reviews:team_cycle", args=[released.cycle.uuid]))
    assert other.status_code == 200
    assert org.employee.name not in other.content.decode()
    assert client_for("other_manager").get(reverse("reviews:team_reviews")).status_code == 404


def test_team_page_queries_do_not_grow_with_the_team(
    org: TestOrg, period: Period, client_for: Clients, django_assert_num_queries: Any
) -> None:
    tpl = rf.template()
    cycle = rf.cycle(default_template=tpl, phase=Phase.MANAGER, period=period)
    for person in (org.employee, org.peer):
        rf.review(cycle, person)
    client = client_for("manager")
    target = reverse("reviews:team_cycle", args=[cycle.uuid])
    client.get(target)
    first = count_queries(lambda: client.get(target))
    for person in rf.extra_peers(org.employee, 4):
        review = rf.review(cycle, person)
        rf.submitted(rf.rating(review, person, RaterType.SELF), {})
    from pms.reviews.services.recompute import results_refresh

    results_refresh(review_ids=list(cycle.reviews.values_list("pk", flat=True)))
    with django_assert_num_queries(first):
        client.get(target)


# --- HR: a cycle's results -----------------------------------------------------------------


def test_hr_recomputes_and_freezes_a_cycle(
    org: TestOrg, released: Review, client_for: Clients, django_capture_on_commit_callbacks: Capture
) -> None:
    client = client_for("hr_admin")
    page = client.get(reverse("reviews:cycle_results", args=[released.cycle.uuid]))
    assert page.status_code == 200
    assert org.employee.name in page.content.decode()
    assert_no_peer_traces(page.content.decode(), released)

    start = reverse("reviews:cycle_recompute", args=[released.cycle.uuid])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(start, {"action": "recompute", "recompute-reason": ""})
    assert response.status_code == 302
    run = RecomputeRun.objects.get()
    assert (run.status, run.total, run.done, run.changed) == (RecomputeStatus.DONE, 1, 1, 0)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(start, {"action": "freeze", "freeze-reason": "经理评估阶段结束"})
    assert response.status_code == 302
    assert ReviewResult.objects.get(review=released, is_current=True).frozen

    refused = client.post(start, {"action": "recompute", "recompute-reason": ""})
    assert refused.status_code == 400
    assert "say why they are computed again" in refused.content.decode()
    assert RecomputeRun.objects.count() == 2

    progress = client.get(reverse("reviews:recompute_progress", args=[run.uuid]))
    assert progress.status_code == 200
    assert "1 of 1 reviews" in progress.content.decode()


def test_the_cycle_results_are_refused_to_others(
    org: TestOrg, released: Review, client_for: Clients
) -> None:
    page = reverse("reviews:cycle_results", args=[released.cycle.uuid])
    start = reverse("reviews:cycle_recompute", args=[released.cycle.uuid])
    hrbp = client_for("hrbp")
    assert hrbp.get(page).status_code == 200
    assert "Compute again" not in hrbp.get(page).content.decode()
    assert hrbp.post(start, {"action": "recompute"}).status_code == 403
    for persona in ("employee", "manager", "outsider"):
        client = client_for(persona)
        assert client.get(page).status_code == 403, persona
        assert client.post(start, {"action": "freeze"}).status_code == 403, persona
    run = RecomputeRun.objects.create(cycle=released.cycle)
    assert (
        client_for("employee")
        .get(reverse("reviews:recompute_progress", args=[run.uuid]))
        .status_code
        == 404
    )
    assert not RecomputeRun.objects.exclude(pk=run.pk).exists()


def test_the_cycle_results_page_queries_do_not_grow(
    org: TestOrg, period: Period, client_for: Clients, django_assert_num_queries: Any
) -> None:
    tpl = rf.template()
    cycle = rf.cycle(default_template=tpl, phase=Phase.MANAGER, period=period)
    rf.review(cycle, org.employee)
    client = client_for("hr_admin")
    target = reverse("reviews:cycle_results", args=[cycle.uuid])
    client.get(target)
    first = count_queries(lambda: client.get(target))
    for person in rf.extra_peers(org.employee, 5):
        rf.review(cycle, person)
    with django_assert_num_queries(first):
        client.get(target)


def test_a_yes_no_answer_reads_as_a_word_not_a_code(
    client_for: Clients, org: TestOrg, released: Review
) -> None:
    from pms.reviews.models import RaterType, TemplateItem

    item = TemplateItem.objects.get(section__template=released.template, section__kind="veto")
    rf.answer(released.ratings.get(rater_type=RaterType.MANAGER), item, "no")

    content = client_for("head").get(url("result", released)).content.decode()

    assert "重大违纪</strong>: No" in content
    assert ": no<" not in content
