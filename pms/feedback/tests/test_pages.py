"""The feedback pages, each with a user who must be refused, and their query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pms.core.models import AuditEntry
from pms.feedback.models import Feedback, FeedbackRequest, Observation, RequestStatus
from pms.org.models import Employee
from pms.org.tests import factories as of
from pms.org.tests.factories import TestOrg

from . import factories as ff

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], Client]
Queries = Callable[[int], Any]
MAX_QUERIES = 15


def same_queries(
    assert_num_queries: Queries, client: Client, url: str, grow: Callable[[], None]
) -> Any:
    """Counts the page's queries, grows its data, and asserts the same count again (the
    shared part — session, principal, navigation — is whatever it is today)."""
    client.get(url)  # warm the session and the principal's caches
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    grow()
    with assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert len(small) <= MAX_QUERIES
    return response


# --- my feedback and detail --------------------------------------------------------------


def test_my_feedback_lists_what_i_received(org: TestOrg, client_for: ClientFor) -> None:
    ff.give(org.peer, org.employee, behaviour="主动整理客户建议")
    ff.give(org.peer, org.outsider, behaviour="别人的反馈")

    response = client_for("employee").get(reverse("feedback:mine"))

    assert response.status_code == 200
    assert "主动整理客户建议" in response.text
    assert "别人的反馈" not in response.text


@pytest.mark.parametrize("tab", ["given", "requests", "team", "nonsense"])
def test_my_feedback_tabs(org: TestOrg, client_for: ClientFor, tab: str) -> None:
    ff.give(org.employee, org.peer, behaviour="我给的")
    ff.ask(org.peer, org.employee, about="请评价我的报告")

    response = client_for("employee").get(reverse("feedback:mine"), {"tab": tab})

    assert response.status_code == 200
    if tab == "given":
        assert "我给的" in response.text
    if tab == "requests":
        assert "请评价我的报告" in response.text
    assert response.context["tab"] in {"received", "given", "requests"}  # no team tab


def test_accounts_without_an_employee_record_are_refused(client_for: ClientFor) -> None:
    client = client_for("sysadmin")
    for name in ("feedback:mine", "feedback:choose", "feedback:upward", "feedback:observations"):
        assert client.get(reverse(name)).status_code == 404


def test_signed_out_users_are_sent_to_sign_in(client: Client, org: TestOrg) -> None:
    response = client.get(reverse("feedback:praise"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_detail_for_the_circle_only(org: TestOrg, client_for: ClientFor) -> None:
    item = ff.give(org.peer, org.employee, behaviour="细节")
    url = reverse("feedback:detail", args=[item.uuid])

    assert "细节" in client_for("manager").get(url).text
    assert client_for("outsider").get(url).status_code == 404
    assert client_for("employee").get("/feedback/f/not-a-uuid/").status_code == 404


# --- giving ------------------------------------------------------------------------------


def test_search_finds_colleagues_and_htmx_gets_the_fragment(
    org: TestOrg, client_for: ClientFor
) -> None:
    client = client_for("employee")

    page = client.get(reverse("feedback:choose"), {"q": "刘同事"})
    fragment = client.get(
        reverse("feedback:choose"), {"q": "经理", "for": "ask"}, headers={"HX-Request": "true"}
    )

    assert reverse("feedback:give", args=[org.peer.uuid]) in page.text
    assert fragment.text.startswith('<div id="people">')
    assert reverse("feedback:ask", args=[org.manager.uuid]) in fragment.text


def test_giving_feedback_through_the_page(org: TestOrg, client_for: ClientFor) -> None:
    url = reverse("feedback:give", args=[org.peer.uuid])
    client = client_for("employee")
    assert 'name="anonymous"' not in client.get(url).text  # a peer: never anonymous

    response = client.post(
        url,
        {"kind": "recognition", "behaviour": "帮我复现问题", "public": "on", "anonymous": "on"},
    )

    item = Feedback.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:detail", args=[item.uuid])
    assert (item.giver, item.receiver, item.public, item.anonymous) == (
        org.employee,
        org.peer,
        True,
        False,
    )
    assert AuditEntry.objects.filter(object_type="feedback.feedback", action="create").exists()


def test_bad_feedback_shows_messages_and_changes_nothing(
    org: TestOrg, client_for: ClientFor
) -> None:
    response = client_for("employee").post(
        reverse("feedback:give", args=[org.peer.uuid]),
        {"kind": "constructive", "behaviour": "", "public": "on"},
    )

    assert response.status_code == 200
    assert "Describe the behaviour you saw." in response.text
    assert "Only recognition can be shown on the praise wall." in response.text
    assert not Feedback.objects.exists()


def test_anonymous_upward_feedback_through_the_page(org: TestOrg, client_for: ClientFor) -> None:
    url = reverse("feedback:give", args=[org.manager.uuid])
    client = client_for("employee")
    assert 'name="anonymous"' in client.get(url).text

    response = client.post(
        url,
        {"kind": "constructive", "behaviour": "优先级常变", "impact": "返工", "anonymous": "on"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:mine")
    item = Feedback.objects.get()
    assert item.anonymous
    assert item.giver is None


def test_no_feedback_page_for_oneself(org: TestOrg, client_for: ClientFor) -> None:
    url = reverse("feedback:give", args=[org.employee.uuid])
    assert client_for("employee").get(url).status_code == 404
    assert client_for("employee").post(url, {"kind": "recognition"}).status_code == 404


def test_feedback_about_an_observation_is_only_for_its_manager(
    org: TestOrg, client_for: ClientFor
) -> None:
    observation = ff.observe(org.manager, org.employee)
    url = reverse("feedback:give", args=[org.employee.uuid]) + f"?observation={observation.uuid}"

    assert client_for("head").get(url).status_code == 404
    response = client_for("manager").post(url, {"kind": "recognition", "behaviour": "很好"})

    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:observations")
    observation.refresh_from_db()
    assert observation.talked_at is not None


# --- requests ----------------------------------------------------------------------------


def test_asking_through_the_page(org: TestOrg, client_for: ClientFor) -> None:
    response = client_for("employee").post(
        reverse("feedback:ask", args=[org.outsider.uuid]), {"about": "我的方案"}
    )

    assert response.status_code == 302
    request = FeedbackRequest.objects.get()
    assert (request.requester, request.asked, request.about) == (
        org.employee,
        org.outsider,
        "我的方案",
    )


def test_answering_and_declining(org: TestOrg, client_for: ClientFor) -> None:
    request = ff.ask(org.employee, org.outsider)
    url = reverse("feedback:answer", args=[request.uuid])

    assert 'name="behaviour"' not in client_for("employee").get(url).text
    assert client_for("employee").post(url, {"kind": "recognition"}).status_code == 403
    assert client_for("manager").get(url).status_code == 404
    response = client_for("outsider").post(url, {"kind": "recognition", "behaviour": "清晰"})

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.ANSWERED


def test_declining_is_for_the_asked_person(org: TestOrg, client_for: ClientFor) -> None:
    request = ff.ask(org.employee, org.outsider)
    url = reverse("feedback:decline", args=[request.uuid])

    assert client_for("employee").post(url, {"reason": "x"}).status_code == 403
    assert client_for("peer").post(url).status_code == 404
    assert client_for("outsider").post(url, {"reason": "不了解"}).status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED


# --- praise wall and upward --------------------------------------------------------------


def test_praise_wall_queries_do_not_grow(
    org: TestOrg, client_for: ClientFor, django_assert_num_queries: Queries
) -> None:
    ff.give(org.peer, org.employee, public=True, behaviour="公开表扬")
    ff.give(org.peer, org.employee, behaviour="私下反馈")

    def grow() -> None:
        for n in range(15):
            giver = of.employee(dept=org.rnd, manager=org.ceo)
            ff.give(giver, org.outsider, public=True, behaviour=f"表扬{n}")

    response = same_queries(
        django_assert_num_queries, client_for("outsider"), reverse("feedback:praise"), grow
    )

    assert "公开表扬" in response.text
    assert "私下反馈" not in response.text
    assert len(response.context["page"]) == 16


def test_my_feedback_queries_do_not_grow(
    org: TestOrg, client_for: ClientFor, django_assert_num_queries: Queries
) -> None:
    def grow(count: int = 15) -> None:
        for n in range(count):
            giver = of.employee(dept=org.rnd, manager=org.ceo)
            ff.give(giver, org.employee, behaviour=f"反馈{n}")

    grow(1)
    response = same_queries(
        django_assert_num_queries, client_for("employee"), reverse("feedback:mine"), grow
    )

    assert len(response.context["page"]) == 16


def test_upward_page_queries_do_not_grow(
    org: TestOrg, client_for: ClientFor, django_assert_num_queries: Queries
) -> None:
    def grow(people: list[Employee]) -> None:
        for person in people:
            ff.anonymous(person, org.manager)
            ff.give(person, org.manager, behaviour="署名意见")

    grow([org.employee, org.peer, of.employee(dept=org.sales1, manager=org.manager)])
    response = same_queries(
        django_assert_num_queries,
        client_for("manager"),
        reverse("feedback:upward"),
        lambda: grow([of.employee(dept=org.sales1, manager=org.manager) for _ in range(6)]),
    )

    assert response.context["summary"].shown == 9
    assert len(response.context["page"]) == 9


def test_upward_of_a_manager_is_for_hr_in_scope(org: TestOrg, client_for: ClientFor) -> None:
    url = reverse("feedback:upward_of", args=[org.manager.uuid])

    assert client_for("hrbp").get(url).status_code == 200
    assert client_for("head").get(url).status_code == 404
    assert client_for("employee").get(url).status_code == 404
    outsider_url = reverse("feedback:upward_of", args=[org.outsider.uuid])
    assert client_for("hrbp").get(outsider_url).status_code == 404


# --- observations and the board ----------------------------------------------------------


def test_recording_an_observation(org: TestOrg, client_for: ClientFor) -> None:
    seen = timezone.localtime() - dt.timedelta(hours=1)
    response = client_for("manager").post(
        reverse("feedback:observations"),
        {
            "report": str(org.employee.uuid),
            "kind": "excellent",
            "what": "客户现场解决故障",
            "observed_at": seen.strftime("%Y-%m-%dT%H:%M"),
        },
    )

    assert response.status_code == 302
    observation = Observation.objects.get()
    assert (observation.manager, observation.report) == (org.manager, org.employee)


def test_observations_only_about_ones_people(org: TestOrg, client_for: ClientFor) -> None:
    response = client_for("manager").post(
        reverse("feedback:observations"),
        {"report": str(org.outsider.uuid), "kind": "problem", "what": "x", "observed_at": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Observation.objects.exists()
    assert client_for("employee").get(reverse("feedback:observations")).status_code == 404


def test_talked_about_it_through_the_page(org: TestOrg, client_for: ClientFor) -> None:
    observation = ff.observe(org.manager, org.employee, observed_at=timezone.now())
    url = reverse("feedback:observation_talk", args=[observation.uuid])

    assert client_for("hrbp").post(url, {"note": "x"}).status_code == 403
    assert client_for("peer").post(url, {"note": "x"}).status_code == 404
    assert client_for("manager").post(url, {"note": "当面谈过"}).status_code == 302

    observation.refresh_from_db()
    assert observation.talk_note == "当面谈过"
    assert observation.met_24h


def test_observation_list_queries_do_not_grow(
    org: TestOrg, client_for: ClientFor, django_assert_num_queries: Queries
) -> None:
    def grow(count: int = 5) -> None:
        for n in range(count):
            report = org.employee if n % 2 else org.peer
            ff.observe(org.manager, report, observed_at=timezone.now())

    grow(1)
    response = same_queries(
        django_assert_num_queries, client_for("manager"), reverse("feedback:observations"), grow
    )

    assert len(response.context["page"]) == 6


def test_board_queries_do_not_grow(
    org: TestOrg, client_for: ClientFor, django_assert_num_queries: Queries
) -> None:
    def grow(managers: int = 5) -> None:
        for _ in range(managers):
            boss = of.employee(dept=org.sales2, manager=org.other_manager)
            report = of.employee(dept=org.sales2, manager=boss)
            ff.observe(boss, report, observed_at=timezone.now() - dt.timedelta(days=2))

    grow(1)
    response = same_queries(
        django_assert_num_queries, client_for("hrbp"), reverse("feedback:board"), grow
    )

    assert len(response.context["page"]) == 6


def test_board_is_refused_to_managers_and_filters_bad_input(
    org: TestOrg, client_for: ClientFor
) -> None:
    assert client_for("manager").get(reverse("feedback:board")).status_code == 404
    response = client_for("hr_admin").get(
        reverse("feedback:board"), {"since": "2026-05-10", "until": "2026-05-01", "department": "x"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
