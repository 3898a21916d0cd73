"""Agreement through the pages: submit, approve, return, sign, the discussion, and the
approval inbox with decisions taken in place (HTMX)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import Comment, CommentKind, Period, ScorecardStatus, Signature, SignerRole
from pms.goals.services import scorecards as services
from pms.goals.tests import factories
from pms.org.models import Employee
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db


def actor_of(person: Employee | User) -> Actor:
    """The actor for a persona (an Employee through their account, or a User)."""
    return Actor(user=person.user if isinstance(person, Employee) else person)


HTMX = {"HTTP_HX_REQUEST": "true"}
Clients = Callable[[str], Client]


@pytest.fixture
def period() -> Period:
    return factories.period("2026年度")


def _url(name: str, *args: object) -> str:
    return reverse(f"goals:{name}", args=args)


def _submitted(org: TestOrg, period: Period) -> object:
    card = factories.complete_scorecard(org.employee, period)
    services.scorecard_submit(actor=actor_of(org.employee), scorecard=card)
    return card


# --- submit ------------------------------------------------------------------------------


def test_the_person_submits_their_scorecard(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.complete_scorecard(org.employee, period)

    response = client_for("employee").post(_url("scorecard_submit", card.uuid))

    assert response.status_code == 302
    card.refresh_from_db()
    assert card.status == ScorecardStatus.SUBMITTED
    assert AuditEntry.objects.filter(
        object_id=str(card.pk), object_type="goals.scorecard", action=AuditAction.SUBMIT
    ).exists()


def test_an_incomplete_scorecard_comes_back_with_the_reason(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)
    factories.kpi(card, weight="80")

    response = client_for("employee").post(_url("scorecard_submit", card.uuid), follow=True)

    assert "The weights total 80%; they must total 100% (20% missing)." in (
        response.content.decode()
    )
    card.refresh_from_db()
    assert card.status == ScorecardStatus.DRAFT


@pytest.mark.parametrize(("persona", "status"), [("peer", 404), ("outsider", 404)])
def test_strangers_cannot_submit(
    org: TestOrg, period: Period, client_for: Clients, persona: str, status: int
) -> None:
    card = factories.complete_scorecard(org.employee, period)

    response = client_for(persona).post(_url("scorecard_submit", card.uuid))

    assert response.status_code == status
    card.refresh_from_db()
    assert card.status == ScorecardStatus.DRAFT


# --- approve / return --------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager", "head", "hrbp"])
def test_managers_up_the_chain_and_hr_approve(
    org: TestOrg, period: Period, client_for: Clients, persona: str
) -> None:
    card = _submitted(org, period)

    response = client_for(persona).post(_url("scorecard_approve", card.uuid), {"comment": "同意"})

    assert response.status_code == 302
    card.refresh_from_db()  # type: ignore[attr-defined]
    assert card.status == ScorecardStatus.APPROVED  # type: ignore[attr-defined]
    assert Comment.objects.get(scorecard=card).body == "同意"


def test_the_person_may_not_approve_their_own_scorecard(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = _submitted(org, period)

    response = client_for("employee").post(_url("scorecard_approve", card.uuid))

    assert response.status_code == 403
    card.refresh_from_db()  # type: ignore[attr-defined]
    assert card.status == ScorecardStatus.SUBMITTED  # type: ignore[attr-defined]


@pytest.mark.parametrize(("persona", "status"), [("peer", 404), ("other_manager", 404)])
def test_strangers_may_not_approve(
    org: TestOrg, period: Period, client_for: Clients, persona: str, status: int
) -> None:
    card = _submitted(org, period)

    assert client_for(persona).post(_url("scorecard_approve", card.uuid)).status_code == status


def test_an_incomplete_draft_is_not_approved(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)

    response = client_for("manager").post(_url("scorecard_approve", card.uuid), follow=True)

    assert "The scorecard has no goals yet." in response.content.decode()
    card.refresh_from_db()
    assert card.status == ScorecardStatus.DRAFT


def test_returning_with_a_comment(org: TestOrg, period: Period, client_for: Clients) -> None:
    card = _submitted(org, period)

    response = client_for("manager").post(
        _url("scorecard_return", card.uuid), {"comment": "回款率目标偏低"}
    )

    assert response.status_code == 302
    card.refresh_from_db()  # type: ignore[attr-defined]
    assert card.status == ScorecardStatus.RETURNED  # type: ignore[attr-defined]
    comment = Comment.objects.get(scorecard=card)
    assert (comment.kind, comment.body) == (CommentKind.RETURN, "回款率目标偏低")


def test_returning_without_a_comment_asks_for_one(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = _submitted(org, period)

    response = client_for("manager").post(_url("scorecard_return", card.uuid), {"comment": ""})

    assert response.status_code == 422
    assert "Say what should change." in response.content.decode()
    card.refresh_from_db()  # type: ignore[attr-defined]
    assert card.status == ScorecardStatus.SUBMITTED  # type: ignore[attr-defined]


def test_the_person_may_not_return_their_own_scorecard(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = _submitted(org, period)

    response = client_for("employee").post(_url("scorecard_return", card.uuid), {"comment": "x"})

    assert response.status_code == 403


# --- sign --------------------------------------------------------------------------------


def test_both_sign_and_the_letter_is_in_force(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.agreed_scorecard(org.employee, period, actor_of(org.manager))

    mine = client_for("employee").post(_url("scorecard_sign", card.uuid), {"role": "employee"})
    theirs = client_for("manager").post(
        _url("scorecard_sign", card.uuid), {"role": "manager"}, follow=True
    )

    assert mine.status_code == 302
    assert "Signed by both" in theirs.content.decode()
    card.refresh_from_db()
    assert card.status == ScorecardStatus.SIGNED
    assert set(Signature.objects.values_list("role", flat=True)) == {"employee", "manager"}


@pytest.mark.parametrize(
    ("persona", "role", "status"),
    [
        ("employee", "manager", 403),
        ("manager", "employee", 403),
        ("head", "manager", 403),
        ("peer", "employee", 404),
        ("employee", "boss", 403),
    ],
)
def test_only_the_person_and_the_manager_sign_their_side(  # noqa: PLR0917 (parametrized)
    org: TestOrg, period: Period, client_for: Clients, persona: str, role: str, status: int
) -> None:
    card = factories.agreed_scorecard(org.employee, period, actor_of(org.manager))

    response = client_for(persona).post(_url("scorecard_sign", card.uuid), {"role": role})

    assert response.status_code == status
    assert not Signature.objects.exists()


# --- discussion --------------------------------------------------------------------------


def test_the_person_proposes_an_indicator(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)
    indicator = factories.indicator("新客户开发数量", unit="个")

    response = client_for("employee").post(
        _url("scorecard_comment", card.uuid),
        {"body": "我想加上新客户开发", "indicator": str(indicator.uuid)},
        **HTMX,
    )
    managers_view = client_for("manager").get(_url("scorecard", card.uuid)).content.decode()

    assert response.status_code == 200
    assert 'id="discussion"' in response.content.decode()
    comment = Comment.objects.get(scorecard=card)
    assert (comment.kind, comment.indicator, comment.author) == (
        CommentKind.PROPOSAL,
        indicator,
        org.employee.user,
    )
    assert "我想加上新客户开发" in managers_view
    assert f"{_url('goal_add', card.uuid)}?indicator={indicator.uuid}" in managers_view


def test_an_empty_comment_is_refused(org: TestOrg, period: Period, client_for: Clients) -> None:
    card = factories.scorecard(org.employee, period)

    response = client_for("manager").post(
        _url("scorecard_comment", card.uuid), {"body": " "}, **HTMX
    )

    assert response.status_code == 422
    assert "Write something first." in response.content.decode()
    assert not Comment.objects.exists()


def test_a_comment_without_htmx_returns_to_the_discussion(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)

    response = client_for("manager").post(_url("scorecard_comment", card.uuid), {"body": "好"})

    assert response["Location"] == _url("scorecard", card.uuid) + "#discussion"
    assert Comment.objects.count() == 1


def test_strangers_cannot_comment(org: TestOrg, period: Period, client_for: Clients) -> None:
    card = factories.scorecard(org.employee, period)

    response = client_for("outsider").post(_url("scorecard_comment", card.uuid), {"body": "hi"})

    assert response.status_code == 404
    assert not Comment.objects.exists()


# --- the approval inbox ------------------------------------------------------------------


def test_the_inbox_lists_what_waits_for_the_manager(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = _submitted(org, period)
    letter = factories.agreed_scorecard(org.peer, period, actor_of(org.manager))

    page = client_for("manager").get(_url("inbox")).content.decode()
    mine = client_for("employee").get(_url("inbox")).content.decode()
    stranger = client_for("other_manager").get(_url("inbox")).content.decode()

    assert _url("scorecard_approve", card.uuid) in page  # type: ignore[attr-defined]
    assert f'id="inbox-{letter.uuid}"' in page
    assert 'name="role" value="manager"' in page
    assert _url("scorecard_approve", card.uuid) not in mine  # type: ignore[attr-defined]
    assert "陈员工" not in stranger
    assert "刘同事" not in stranger


def test_hr_in_scope_sees_submitted_scorecards(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = _submitted(org, period)

    hrbp = client_for("hrbp").get(_url("inbox")).content.decode()
    outsider = client_for("outsider").get(_url("inbox")).content.decode()

    assert _url("scorecard_approve", card.uuid) in hrbp  # type: ignore[attr-defined]
    assert _url("scorecard_approve", card.uuid) not in outsider  # type: ignore[attr-defined]


def test_the_person_sees_their_letter_to_sign(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.agreed_scorecard(org.employee, period, actor_of(org.manager))
    services.scorecard_sign(actor=actor_of(org.manager), scorecard=card, role=SignerRole.MANAGER)

    page = client_for("employee").get(_url("inbox")).content.decode()
    managers = client_for("manager").get(_url("inbox")).content.decode()

    assert 'name="role" value="employee"' in page
    assert "manager signed" in page
    assert f'id="inbox-{card.uuid}"' not in managers


def test_approving_in_place_from_the_inbox(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = _submitted(org, period)

    response = client_for("manager").post(
        _url("scorecard_approve", card.uuid), {"next": "inbox", "comment": ""}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Approved." in html
    assert "<html" not in html
    card.refresh_from_db()  # type: ignore[attr-defined]
    assert card.status == ScorecardStatus.APPROVED  # type: ignore[attr-defined]


def test_returning_in_place_without_a_comment_keeps_the_entry_with_the_message(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = _submitted(org, period)

    response = client_for("manager").post(
        _url("scorecard_return", card.uuid), {"next": "inbox", "comment": ""}, **HTMX
    )

    html = response.content.decode()
    assert "Say what should change." in html
    assert _url("scorecard_return", card.uuid) in html  # type: ignore[attr-defined]
    card.refresh_from_db()  # type: ignore[attr-defined]
    assert card.status == ScorecardStatus.SUBMITTED  # type: ignore[attr-defined]


def test_signing_in_place_from_the_inbox(org: TestOrg, period: Period, client_for: Clients) -> None:
    card = factories.agreed_scorecard(org.employee, period, actor_of(org.manager))

    response = client_for("manager").post(
        _url("scorecard_sign", card.uuid), {"next": "inbox", "role": "manager"}, **HTMX
    )

    assert "Signed." in response.content.decode()
    assert Signature.objects.get().role == SignerRole.MANAGER


def test_the_inbox_needs_a_place_in_the_company(org: TestOrg, client_for: Clients) -> None:
    from pms.accounts.models import User

    nobody = User.objects.create_user(username="nobody", password="x")
    client = Client()
    client.force_login(nobody)

    assert client.get(_url("inbox")).status_code == 404
    assert Client().get(_url("inbox")).status_code == 302


def _team_of(org: TestOrg, period: Period, size: int) -> None:
    """``size`` reports of the manager with submitted scorecards, and as many letters."""
    for n in range(size):
        person = org_factories.employee(f"组员{n}", dept=org.sales1, manager=org.manager)
        card = factories.complete_scorecard(person, period)
        if n % 2:
            services.scorecard_submit(actor=factories.SYSTEM, scorecard=card)
        else:
            services.scorecard_approve(actor=actor_of(org.manager), scorecard=card)


def test_the_inbox_issues_the_same_queries_for_3_and_30_waiting(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    client = client_for("manager")
    _team_of(org, period, 3)
    client.get(_url("inbox"))  # warm up (session, translations)
    with CaptureQueriesContext(connection) as small:
        small_page = client.get(_url("inbox"))
    _team_of(org, period, 27)
    with CaptureQueriesContext(connection) as large:
        large_page = client.get(_url("inbox"))

    assert small_page.status_code == large_page.status_code == 200
    assert large_page.content.decode().count('name="role" value="manager"') == 16
    assert len(large) == len(small)
