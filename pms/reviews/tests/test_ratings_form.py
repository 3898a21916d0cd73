"""The rating form: what a rater answers, drafts that never ask for the rest, submission
that checks everything, and when editing is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from pms.core.models import AuditEntry
from pms.goals.models import Goal
from pms.goals.tests import factories as gf
from pms.org.tests.factories import TestOrg, user_of
from pms.reviews.models import (
    Answer,
    Cycle,
    Phase,
    PhaseExtension,
    RaterType,
    Rating,
    RatingStatus,
    SectionKind,
    TemplateItem,
    TemplateSection,
)
from pms.reviews.selectors.ratings import Mode, goal_key, item_key, rating_form
from pms.reviews.tests import factories as rf
from pms.tracking.models import GoalProgress

Clients = Callable[[str], Client]
NOW = dt.datetime(2027, 1, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


class World:
    def __init__(self, org: TestOrg) -> None:
        period = gf.period()
        card = gf.scorecard(org.employee, period)
        self.kpi = gf.kpi(card, weight="60")
        self.task = gf.task(card, weight="40")
        GoalProgress.objects.create(
            goal=self.kpi,
            period=period,
            employee=org.employee,
            department=org.sales1,
            attainment=Decimal("87.50"),
            as_of=dt.date(2027, 1, 9),
        )
        self.template = rf.template()
        TemplateSection.objects.create(
            template=self.template,
            kind=SectionKind.TASKS,
            title="重点任务",
            weight=Decimal(0),
            scale=rf.NUMERIC_SCALE,
            sort_order=1,
        )
        self.cycle = rf.cycle(default_template=self.template, phase=Phase.PEER, period=period)
        self.review = rf.review(self.cycle, org.employee, scorecard=card)
        self.peer = rf.rating(self.review, org.peer, RaterType.PEER)
        self.competencies = rf.competency_items(self.template)
        self.question = TemplateItem.objects.get(
            section__template=self.template, section__kind=SectionKind.QUESTIONS
        )
        self.veto = TemplateItem.objects.get(
            section__template=self.template, section__kind=SectionKind.VETO
        )

    def complete(self) -> dict[str, str]:
        """Every required answer of a peer, as the page posts them."""
        data = {item_key(item): "A" for item in self.competencies}
        data[goal_key(self.task)] = "4"
        return data


@pytest.fixture
def world(org: TestOrg) -> World:
    return World(org)


def url(rating: Rating) -> str:
    return reverse("reviews:rating", args=[rating.uuid])


def answers_of(rating: Rating) -> dict[object, str]:
    """Answers by their item or goal."""
    return {a.item or a.goal: a.value for a in Answer.objects.filter(rating=rating)}


# --- what the form shows -------------------------------------------------------------------


def test_the_peer_sees_their_sections_in_order(world: World) -> None:
    form = rating_form(world.peer)
    kinds = [block.section.kind for block in form.sections]
    # the veto section is the manager's only
    assert kinds == ["goals", "tasks", "competencies", "questions"]
    goals, tasks = form.sections[0], form.sections[1]
    # goal results: read-only with tracking's attainment; the key task is rated in its own
    # section, not shown twice
    assert [(q.goal, q.mode, q.attainment) for q in goals.questions] == [
        (world.kpi, Mode.GOAL, Decimal("87.50"))
    ]
    assert [(q.goal, q.mode, q.required) for q in tasks.questions] == [
        (world.task, Mode.SCALE, True)
    ]
    assert [c.value for c in tasks.questions[0].choices] == ["1", "2", "3", "4", "5"]
    competency = form.sections[2].questions[0]
    assert [c.value for c in competency.choices] == ["S", "A", "B", "C", "D"]
    assert competency.choices[0].anchor == "客户导向：在团队中树立标杆"


def test_the_manager_also_answers_the_veto_items(org: TestOrg, world: World) -> None:
    rating = rf.rating(world.review, org.manager, RaterType.MANAGER)
    kinds = [block.section.kind for block in rating_form(rating).sections]
    assert kinds == ["goals", "tasks", "competencies", "questions", "veto"]


def test_the_page_shows_anchors_goals_and_progress(client_for: Clients, world: World) -> None:
    response = client_for("peer").get(url(world.peer))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("业绩目标") < html.index("重点任务") < html.index("能力与价值观")
    assert "客户导向：在团队中树立标杆" in html
    assert world.kpi.title in html
    assert "87.5%" in html
    assert world.task.title in html
    assert "2026-09-30" in html
    assert "否决项" not in html
    # goal results cannot be typed in
    assert f'name="{goal_key(world.kpi)}"' not in html
    assert f'name="{goal_key(world.task)}"' in html


@pytest.mark.parametrize("persona", ["employee", "manager", "hr_admin", "outsider"])
def test_nobody_else_reaches_a_rating(client_for: Clients, world: World, persona: str) -> None:
    client = client_for(persona)
    assert client.get(url(world.peer)).status_code == 404
    assert client.post(url(world.peer), {"action": "draft"}).status_code == 404
    assert (
        client.post(reverse("reviews:rating_autosave", args=[world.peer.uuid])).status_code == 404
    )
    assert client.get(reverse("reviews:rating_decline", args=[world.peer.uuid])).status_code == 404


# --- drafts --------------------------------------------------------------------------------


def test_a_draft_never_asks_for_the_rest(client_for: Clients, world: World) -> None:
    first = world.competencies[0]
    response = client_for("peer").post(
        url(world.peer),
        {"action": "draft", item_key(first): "B", f"{item_key(first)}-comment": "沟通及时"},
    )
    assert response.status_code == 302
    world.peer.refresh_from_db()
    assert world.peer.status == RatingStatus.DRAFT
    answer = Answer.objects.get(rating=world.peer)
    assert (answer.item, answer.value, answer.comment) == (first, "B", "沟通及时")
    # drafts are not audited
    assert not AuditEntry.objects.filter(object_type="reviews.rating").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("competency", "Z", "Choose one of S, A, B, C, D."),
        ("task", "7", "Choose a number from 1 to 5."),
        ("task", "2.5", "Choose a number from 1 in steps of 1."),
        ("task", "lots", "Enter a number."),
    ],
)
def test_a_bad_value_saves_nothing(
    client_for: Clients, world: World, field: str, value: str, message: str
) -> None:
    key = item_key(world.competencies[0]) if field == "competency" else goal_key(world.task)
    other = item_key(world.competencies[1])
    response = client_for("peer").post(url(world.peer), {"action": "draft", key: value, other: "A"})
    assert response.status_code == 200
    assert message in response.content.decode()
    world.peer.refresh_from_db()
    assert world.peer.status == RatingStatus.PENDING
    assert not Answer.objects.filter(rating=world.peer).exists()


def test_an_open_question_is_answered_in_words(client_for: Clients, world: World) -> None:
    client_for("peer").post(
        url(world.peer), {"action": "draft", item_key(world.question): "完成了大客户签约"}
    )
    answer = Answer.objects.get(rating=world.peer, item=world.question)
    assert (answer.value, answer.comment) == ("", "完成了大客户签约")


def test_autosave_keeps_one_field(client_for: Clients, world: World) -> None:
    first, second = world.competencies[:2]
    client = client_for("peer")
    autosave = reverse("reviews:rating_autosave", args=[world.peer.uuid])
    response = client.post(autosave, {"field": item_key(first), item_key(first): "S"})
    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    response = client.post(autosave, {"field": item_key(second), item_key(second): "X"})
    assert "Choose one of" in response.content.decode()
    # the first answer is kept untouched by the second call; the bad one is not saved
    assert answers_of(world.peer) == {first: "S"}
    response = client.post(autosave, {"field": "overall_comment", "overall_comment": "很好"})
    world.peer.refresh_from_db()
    assert world.peer.overall_comment == "很好"
    assert world.peer.status == RatingStatus.DRAFT


# --- submitting ----------------------------------------------------------------------------


def test_submitting_with_gaps_saves_nothing(client_for: Clients, world: World) -> None:
    data = world.complete()
    missing = item_key(world.competencies[2])
    del data[missing]
    response = client_for("peer").post(url(world.peer), {"action": "submit", **data})
    assert response.status_code == 200
    assert "Choose a rating for this question." in response.content.decode()
    world.peer.refresh_from_db()
    assert world.peer.status == RatingStatus.PENDING
    # not even the answers that were given
    assert not Answer.objects.filter(rating=world.peer).exists()


def test_submitting_locks_the_rating(client_for: Clients, world: World) -> None:
    client = client_for("peer")
    response = client.post(
        url(world.peer), {"action": "submit", "overall_comment": "合作愉快", **world.complete()}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:my_ratings")
    world.peer.refresh_from_db()
    assert world.peer.status == RatingStatus.SUBMITTED
    assert world.peer.submitted_at == NOW
    assert world.peer.overall_comment == "合作愉快"
    assert answers_of(world.peer)[world.task] == "4"
    # anonymous: the audit keeps that it was submitted, not what it says
    entry = AuditEntry.objects.get(
        object_type="reviews.rating", object_id=str(world.peer.pk), action="submit"
    )
    assert entry.after == {"status": "submitted"}

    page = client.get(url(world.peer)).content.decode()
    assert "It can no longer be changed." in page
    assert "disabled" in page
    response = client.post(url(world.peer), {"action": "draft", **world.complete()})
    assert response.status_code == 403
    autosave = reverse("reviews:rating_autosave", args=[world.peer.uuid])
    key = item_key(world.competencies[0])
    assert client.post(autosave, {"field": key, key: "D"}).status_code == 403
    assert answers_of(world.peer)[world.competencies[0]] == "A"


def test_a_named_submission_is_audited_with_its_ratings(
    org: TestOrg, client_for: Clients, world: World
) -> None:
    Cycle.objects.filter(pk=world.cycle.pk).update(phase=Phase.MANAGER)
    rating = rf.rating(world.review, org.manager, RaterType.MANAGER)
    data = {**world.complete(), item_key(world.veto): "no"}
    response = client_for("manager").post(url(rating), {"action": "submit", **data})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(
        object_type="reviews.rating", object_id=str(rating.pk), action="submit"
    )
    assert entry.after is not None
    assert ["重大违纪", "no"] in entry.after["answers"]
    assert Answer.objects.get(rating=rating, item=world.veto).value == "no"


def test_the_veto_answer_must_be_yes_or_no(org: TestOrg, client_for: Clients, world: World) -> None:
    Cycle.objects.filter(pk=world.cycle.pk).update(phase=Phase.MANAGER)
    rating = rf.rating(world.review, org.manager, RaterType.MANAGER)
    response = client_for("manager").post(
        url(rating), {"action": "draft", item_key(world.veto): "maybe"}
    )
    assert "Answer yes or no." in response.content.decode()
    assert not Answer.objects.filter(rating=rating).exists()


# --- when the phase is closed --------------------------------------------------------------


def test_a_closed_phase_refuses_edits_and_an_extension_reopens_it(
    org: TestOrg, client_for: Clients, world: World
) -> None:
    Cycle.objects.filter(pk=world.cycle.pk).update(phase=Phase.MANAGER)
    client = client_for("peer")
    assert "not open for answers now" in client.get(url(world.peer)).content.decode()
    data = {"action": "draft", **world.complete()}
    assert client.post(url(world.peer), data).status_code == 403
    assert not Answer.objects.filter(rating=world.peer).exists()

    PhaseExtension.objects.create(
        review=world.review,
        phase=Phase.PEER,
        until=dt.date(2027, 1, 12),
        reason="出差",
        granted_by=user_of(org.hr_admin),
    )
    assert client.post(url(world.peer), data).status_code == 302
    world.peer.refresh_from_db()
    assert world.peer.status == RatingStatus.DRAFT


def test_an_expired_extension_does_not_reopen(
    org: TestOrg, client_for: Clients, world: World
) -> None:
    Cycle.objects.filter(pk=world.cycle.pk).update(phase=Phase.MANAGER)
    PhaseExtension.objects.create(
        review=world.review,
        phase=Phase.PEER,
        until=dt.date(2027, 1, 9),
        reason="出差",
        granted_by=user_of(org.hr_admin),
    )
    response = client_for("peer").post(url(world.peer), {"action": "draft"})
    assert response.status_code == 403


# --- declining -----------------------------------------------------------------------------


def test_declining_through_the_page(client_for: Clients, world: World) -> None:
    client = client_for("peer")
    decline = reverse("reviews:rating_decline", args=[world.peer.uuid])
    assert client.get(decline).status_code == 200
    response = client.post(decline, {"reason": ""})
    assert response.status_code == 200
    assert "Give a reason." in response.content.decode()
    world.peer.refresh_from_db()
    assert world.peer.status == RatingStatus.PENDING

    response = client.post(decline, {"reason": "没有合作过"})
    assert response.status_code == 302
    world.peer.refresh_from_db()
    assert world.peer.status == RatingStatus.DECLINED
    # declined: the form no longer takes answers
    assert client.post(url(world.peer), {"action": "draft"}).status_code == 403


def test_a_self_review_has_no_decline_page(org: TestOrg, client_for: Clients, world: World) -> None:
    Cycle.objects.filter(pk=world.cycle.pk).update(phase=Phase.SELF)
    rating = rf.rating(world.review, org.employee, RaterType.SELF)
    client = client_for("employee")
    assert client.get(reverse("reviews:rating_decline", args=[rating.uuid])).status_code == 403
    assert "Decline this review" not in client.get(url(rating)).content.decode()


def test_the_goal_results_are_not_answerable(world: World) -> None:
    form = rating_form(world.peer)
    assert form.question(goal_key(world.kpi)) is None
    assert Goal.objects.get(pk=world.kpi.pk).progress is None  # nothing typed into goals
