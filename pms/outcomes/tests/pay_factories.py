"""Set-up for the pay, promotion and training tests: cycles whose results are published
and the results themselves, written as rows (publishing has its own tests); plans are
made through their services, the way HR reaches them."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.org.models import Department, Employee
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import (
    BonusLine,
    BonusMethod,
    BonusPlan,
    PerformanceResult,
    RaiseLine,
    RaisePlan,
    ReleaseStatus,
    ResultRelease,
)
from pms.outcomes.services import bonus as bonus_services
from pms.outcomes.services import raises as raise_services
from pms.reviews.models import Cycle, CycleKind, Phase, ReviewTemplate
from pms.reviews.tests import factories as rf

_seq = itertools.count(1)

COEFFICIENTS = {"S": "1.50", "A": "1.20", "B": "1.00", "C": "0.80", "D": "0.50"}


def hr_actor(who: Employee | User) -> Actor:
    user = who if isinstance(who, User) else who.user
    assert user is not None
    return Actor(user=user)


def results_cycle(
    name: str | None = None,
    *,
    kind: str = CycleKind.ANNUAL,
    end: dt.date = dt.date(2025, 12, 31),
    template: ReviewTemplate | None = None,
    published: bool = True,
) -> Cycle:
    """A cycle at its results phase, its results published (or only scheduled)."""
    cycle = rf.cycle(
        name or f"考核-{next(_seq)}",
        kind=kind,
        start=dt.date(end.year, 1, 1),
        end=end,
        phase=Phase.RESULTS,
        default_template=template or rf.template(),
    )
    ResultRelease.objects.create(
        cycle=cycle,
        status=ReleaseStatus.PUBLISHED if published else ReleaseStatus.SCHEDULED,
        published_at=timezone.now() if published else None,
    )
    return cycle


# Four published results: A, B, B in 销售一部, S in 研发中心.
SALES_AND_RD = {"employee": "A", "peer": "B", "manager": "B", "outsider": "S"}


def cycle_with_results(org: TestOrg, grades: dict[str, str], name: str | None = None) -> Cycle:
    """A published cycle with one result per persona of ``org``: ``{"employee": "A", …}``."""
    the_cycle = results_cycle(name)
    for persona, grade in grades.items():
        result(the_cycle, getattr(org, persona), grade)
    return the_cycle


def result(
    cycle: Cycle, person: Employee, grade: str, *, coefficient: str | None = "table"
) -> PerformanceResult:
    """``person``'s published result in ``cycle``: the grade and its default coefficient
    (``coefficient=None``: none)."""
    review = rf.review(cycle, person)
    value = COEFFICIENTS.get(grade) if coefficient == "table" else coefficient
    return PerformanceResult.objects.create(
        review=review,
        cycle=cycle,
        employee=person,
        department=person.department,
        grade=grade,
        score=Decimal(80),
        review_grade=grade,
        coefficient=None if value is None else Decimal(value),
        published_at=timezone.now(),
    )


def people(dept: Department, count: int, manager: Employee | None = None) -> list[Employee]:
    n = next(_seq)
    return [
        org_factories.employee(
            f"员工{n}-{i}", dept=dept, manager=manager, number=f"P{n:03d}{i:04d}"
        )
        for i in range(count)
    ]


def bonus_plan(
    actor: Actor,
    cycle: Cycle,
    *,
    name: str | None = None,
    method: str = BonusMethod.BASE,
    **values: object,
) -> BonusPlan:
    return bonus_services.bonus_plan_create(
        actor=actor,
        cycle=cycle,
        name=name or f"年终奖-{next(_seq)}",
        method=method,
        **values,  # type: ignore[arg-type]
    )


def raise_plan(
    actor: Actor, cycle: Cycle, *, name: str | None = None, **values: object
) -> RaisePlan:
    return raise_services.raise_plan_create(
        actor=actor,
        cycle=cycle,
        name=name or f"调薪-{next(_seq)}",
        **values,  # type: ignore[arg-type]
    )


def line_of(plan: BonusPlan, person: Employee) -> BonusLine:
    return BonusLine.objects.get(plan=plan, employee=person)


def raise_line_of(plan: RaisePlan, person: Employee) -> RaiseLine:
    return RaiseLine.objects.get(plan=plan, employee=person)


def set_bases(actor: Actor, plan: BonusPlan, bases: dict[Employee, str]) -> None:
    for person, base in bases.items():
        bonus_services.bonus_base_set(actor=actor, line=line_of(plan, person), base=Decimal(base))


def set_salaries(
    actor: Actor, plan: RaisePlan, salaries: dict[Employee, tuple[str, str, str]]
) -> None:
    for person, (salary, low, high) in salaries.items():
        raise_services.raise_inputs_set(
            actor=actor,
            line=raise_line_of(plan, person),
            salary=Decimal(salary),
            range_min=Decimal(low),
            range_max=Decimal(high),
        )
