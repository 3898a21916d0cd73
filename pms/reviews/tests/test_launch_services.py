"""Launching a cycle: one review per participant with the template that fits, the ratings
everybody gets automatically, one audit entry, idempotent, in the background when large."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pms.comms.models import Notification
from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.goals.tests import factories as goal_factories
from pms.org import services as org_services
from pms.org.models import Employee, EmployeeStatus, Position
from pms.org.tests.factories import SYSTEM, TestOrg, employee, position, role_family
from pms.reviews import events
from pms.reviews.models import (
    Cycle,
    CyclePhase,
    CycleStatus,
    Phase,
    PhaseStatus,
    RaterType,
    Rating,
    Review,
    ReviewTemplate,
    TemplateStatus,
)
from pms.reviews.services import cycles as cycle_services
from pms.reviews.services import launch
from pms.reviews.services.participation import rules_clean
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db
Capture = Callable[..., Any]


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


def sales_cycle(org: TestOrg, hr: Actor, tpl: ReviewTemplate | None, **kwargs: Any) -> Cycle:
    return cycle_services.cycle_create(
        actor=hr,
        name=kwargs.pop("name", "2026年度考核"),
        kind="annual",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        default_template=tpl,
        rules=kwargs.pop("rules", rules_clean(departments=[org.sales.pk])),
        **kwargs,
    )


def rep(org: TestOrg) -> Position:
    """The position of the employee and the peer (销售代表, role family 销售)."""
    found = org.employee.position
    assert found is not None
    return found


def ratings_of(review: Review) -> set[tuple[str, str, bool]]:
    return {
        (r.rater_type, r.rater.number, r.anonymous) for r in review.ratings.select_related("rater")
    }


def test_launch_makes_reviews_and_the_automatic_ratings(org: TestOrg, hr: Actor) -> None:
    tpl = rf.template(rater_weights={"manager": 60, "self": 10, "upward": 10, "peer": 20})
    cycle = sales_cycle(org, hr, tpl)

    cycle = launch.cycle_launch(actor=hr, cycle=cycle)

    assert cycle.status == CycleStatus.RUNNING
    assert cycle.phase == Phase.GOALS
    assert cycle.launched_at is not None
    reviews = {r.employee.number: r for r in Review.objects.filter(cycle=cycle)}
    assert set(reviews) == {"E0002", "E0003", "E0004", "E0005", "E0006"}
    mine = reviews["E0004"]
    assert (mine.department, mine.manager, mine.template) == (org.sales1, org.manager, tpl)
    assert mine.position == rep(org)
    assert mine.role_family == rep(org).role_family
    assert ratings_of(mine) == {("self", "E0004", False), ("manager", "E0003", False)}
    # the manager is rated upward by both reports, anonymously
    assert ratings_of(reviews["E0003"]) == {
        ("self", "E0003", False),
        ("manager", "E0002", False),
        ("upward", "E0004", True),
        ("upward", "E0005", True),
    }
    # peers are nominated later: none made at launch
    assert not Rating.objects.filter(review__cycle=cycle, rater_type=RaterType.PEER).exists()
    phases = dict(CyclePhase.objects.filter(cycle=cycle).values_list("phase", "status"))
    assert phases[Phase.GOALS] == PhaseStatus.OPEN
    assert {phases[p] for p in phases if p != Phase.GOALS} == {PhaseStatus.PENDING}


def test_dotted_and_skip_level_only_when_the_template_asks(org: TestOrg, hr: Actor) -> None:
    org_services.employee_update(
        actor=SYSTEM, employee=org.employee, changes={"dotted_manager": org.other_manager}
    )
    asks = rf.template(
        rater_weights={"manager": 70, "self": 10, "skip": 10, "dotted": 10},
        anonymous_types=["skip"],
    )
    cycle = sales_cycle(org, hr, asks, rules=rules_clean(departments=[org.sales1.pk]))

    launch.cycle_launch(actor=hr, cycle=cycle)

    mine = Review.objects.get(cycle=cycle, employee=org.employee)
    assert ratings_of(mine) == {
        ("self", "E0004", False),
        ("manager", "E0003", False),
        ("dotted", "E0006", False),
        ("skip", "E0002", True),
    }


def test_raters_who_left_are_not_asked(org: TestOrg, hr: Actor) -> None:
    tpl = rf.template()
    org_services.employee_update(
        actor=SYSTEM, employee=org.peer, changes={"status": EmployeeStatus.LEFT}
    )
    cycle = sales_cycle(org, hr, tpl, rules=rules_clean(departments=[org.sales1.pk]))

    launch.cycle_launch(actor=hr, cycle=cycle)

    boss = Review.objects.get(cycle=cycle, employee=org.manager)
    assert ("upward", "E0005", True) not in ratings_of(boss)
    assert not Review.objects.filter(cycle=cycle, employee=org.peer).exists()


def test_template_by_position_then_role_family_then_default(org: TestOrg, hr: Actor) -> None:
    default = rf.template("default")
    by_family = rf.template("sales-family")
    by_family.role_families.add(role_family())
    by_position = rf.template("rep")
    by_position.positions.add(rep(org))
    retired = rf.template("retired", status=TemplateStatus.RETIRED)
    retired.positions.add(rep(org))
    manager_position = position("销售经理", family=role_family(), dept=org.sales1)
    org_services.employee_update(
        actor=SYSTEM, employee=org.manager, changes={"position": manager_position}
    )
    cycle = sales_cycle(org, hr, default)

    launch.cycle_launch(actor=hr, cycle=cycle)

    chosen = dict(Review.objects.filter(cycle=cycle).values_list("employee__number", "template"))
    assert chosen["E0004"] == by_position.pk  # position first (the retired edition is ignored)
    assert chosen["E0003"] == by_family.pk  # then role family
    assert chosen["E0002"] == default.pk  # else the default


def test_a_person_without_a_template_stops_the_launch(org: TestOrg, hr: Actor) -> None:
    by_position = rf.template("rep")
    by_position.positions.add(rep(org))
    cycle = sales_cycle(org, hr, None)

    with pytest.raises(ValidationError) as caught:
        launch.cycle_launch(actor=hr, cycle=cycle)

    assert "3 people have no template" in " ".join(caught.value.messages)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.DRAFT
    assert cycle.launched_by is None
    assert not Review.objects.filter(cycle=cycle).exists()


def test_nobody_taking_part_stops_the_launch(org: TestOrg, hr: Actor) -> None:
    cycle = sales_cycle(org, hr, rf.template(), rules=rules_clean(positions=[-1]))

    with pytest.raises(ValidationError, match="Nobody takes part"):
        launch.cycle_launch(actor=hr, cycle=cycle)


def test_launching_twice_is_refused_and_running_again_makes_nothing(
    org: TestOrg, hr: Actor
) -> None:
    cycle = sales_cycle(org, hr, rf.template())
    launch.cycle_launch(actor=hr, cycle=cycle)
    counts = (Review.objects.count(), Rating.objects.count())

    with pytest.raises(ValidationError, match="already been launched"):
        launch.cycle_launch(actor=hr, cycle=cycle)
    launch.cycle_launch_execute(cycle_id=cycle.pk)

    assert (Review.objects.count(), Rating.objects.count()) == counts


def test_a_launch_that_stopped_finishes_without_making_anything_twice(
    org: TestOrg, hr: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    tpl = rf.template()
    cycle = sales_cycle(org, hr, tpl)
    monkeypatch.setattr(launch, "BATCH_SIZE", 2)
    real = launch.make_reviews
    calls = {"n": 0}

    def breaks_on_the_second_batch(*args: Any, **kwargs: Any) -> launch.Made:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(launch, "make_reviews", breaks_on_the_second_batch)
    cycle = launch.cycle_launch(actor=hr, cycle=cycle)

    assert cycle.status == CycleStatus.DRAFT
    assert cycle.launched_by is None
    assert Review.objects.filter(cycle=cycle).count() == 2  # the first batch is kept
    stopped = AuditEntry.objects.get(object_type="reviews.cycle", after__launch="stopped")
    assert "database went away" in stopped.reason

    monkeypatch.setattr(launch, "make_reviews", real)
    cycle = launch.cycle_launch(actor=hr, cycle=cycle)

    assert cycle.status == CycleStatus.RUNNING
    assert Review.objects.filter(cycle=cycle).count() == 5
    assert Rating.objects.filter(review__cycle=cycle, rater_type="self").count() == 5
    pairs = list(Rating.objects.values_list("review_id", "rater_id", "rater_type"))
    assert len(pairs) == len(set(pairs))


def test_one_audit_entry_and_one_notice_per_person(
    org: TestOrg, hr: Actor, django_capture_on_commit_callbacks: Capture
) -> None:
    cycle = sales_cycle(org, hr, rf.template())
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    with django_capture_on_commit_callbacks(execute=True):
        launch.cycle_launch(actor=hr, cycle=cycle)

    [entry] = AuditEntry.objects.filter(id__gt=last)
    assert entry.after is not None
    assert entry.object_type == "reviews.cycle"
    assert entry.after["status"] == "running"
    assert entry.after["reviews"] == 5
    assert entry.actor == org.hr_admin.user
    notices = Notification.objects.filter(event=events.CYCLE_LAUNCHED)
    assert notices.count() == 5
    taking_part = Employee.objects.filter(number__in=["E0002", "E0003", "E0004", "E0005", "E0006"])
    assert {n.recipient_id for n in notices} == {p.user_id for p in taking_part}


def test_the_scorecard_of_the_cycle_period_is_linked(org: TestOrg, hr: Actor) -> None:
    period = goal_factories.period("2026年度")
    card = goal_factories.scorecard(org.employee, period)
    cycle = sales_cycle(org, hr, rf.template(), period=period)

    launch.cycle_launch(actor=hr, cycle=cycle)

    assert Review.objects.get(cycle=cycle, employee=org.employee).scorecard == card
    assert Review.objects.get(cycle=cycle, employee=org.peer).scorecard is None


def test_large_cycles_launch_in_the_background(
    org: TestOrg,
    hr: Actor,
    settings: Any,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    settings.PMS_REVIEW_LAUNCH_INLINE = 2
    cycle = sales_cycle(org, hr, rf.template())

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = launch.cycle_launch(actor=hr, cycle=cycle)
    assert started.status == CycleStatus.DRAFT
    assert launch.is_launching(started)
    assert not Review.objects.filter(cycle=cycle).exists()
    with pytest.raises(ValidationError, match="being launched"):
        launch.cycle_launch(actor=hr, cycle=cycle)

    for callback in callbacks:  # the worker (immediate backend in tests)
        callback()

    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.RUNNING
    assert Review.objects.filter(cycle=cycle).count() == 5


def test_a_draft_being_launched_cannot_be_changed(
    org: TestOrg, hr: Actor, settings: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    settings.PMS_REVIEW_LAUNCH_INLINE = 2
    cycle = sales_cycle(org, hr, rf.template())
    with django_capture_on_commit_callbacks(execute=False):
        launch.cycle_launch(actor=hr, cycle=cycle)

    with pytest.raises(ValidationError, match="being launched"):
        cycle_services.cycle_update(actor=hr, cycle=cycle, changes={"name": "另一个"})


def test_launch_queries_do_not_grow_with_the_company(org: TestOrg, hr: Actor) -> None:
    """Queries per batch are fixed: 5 people and 20 people cost the same (both small enough
    for SQLite to take each bulk insert in one statement)."""
    tpl = rf.template()
    counts = []
    for size in (5, 20):
        dept = org_services.department_create(
            actor=SYSTEM, code=f"BIG{size}", name=f"大部门{size}", parent=org.hq
        )
        boss = employee(f"主管{size}", dept=dept, manager=org.ceo, number=f"B{size:04d}")
        for n in range(size):
            employee(f"员工{size}-{n}", dept=dept, manager=boss, number=f"S{size:03d}{n:03d}")
        cycle = sales_cycle(
            org, hr, tpl, name=f"考核{size}", rules=rules_clean(departments=[dept.pk])
        )
        with CaptureQueriesContext(connection) as captured:
            launch.cycle_launch(actor=hr, cycle=cycle, background=False)
        counts.append(len(captured.captured_queries))
        assert Review.objects.filter(cycle=cycle).count() == size + 1
    assert counts[0] == counts[1]
