"""Factories for goals data, made through the services the way users reach it.

Append new factories at the end (several people add to this file)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from pms.core.audit import Actor
from pms.goals.models import Goal, GoalKind, Indicator, Period, PeriodKind, Scorecard
from pms.goals.services import periods as period_services
from pms.goals.services import scorecards as scorecard_services
from pms.org.models import Employee

SYSTEM = Actor.system()
_seq = itertools.count(1)


def period(
    name: str | None = None,
    *,
    start: dt.date = dt.date(2026, 1, 1),
    end: dt.date = dt.date(2026, 12, 31),
    kind: str = PeriodKind.YEAR,
    parent: Period | None = None,
    adjustment_limit: Decimal = Decimal(15),
) -> Period:
    return period_services.period_create(
        actor=SYSTEM,
        name=name or f"2026年度-{next(_seq)}",
        kind=kind,
        start=start,
        end=end,
        parent=parent,
        adjustment_limit=adjustment_limit,
    )


def indicator(
    name: str | None = None,
    *,
    code: str | None = None,
    unit: str = "万元",
    direction: str = "higher",
    scoring_rule: dict[str, Any] | None = None,
    employee_selectable: bool = True,
    enabled: bool = True,
) -> Indicator:
    """A plain library indicator (made directly: the library's services have their own
    tests; scorecard tests only need one to point at)."""
    n = next(_seq)
    return Indicator.objects.create(
        code=code or f"IND{n:04d}",
        name=name or f"指标{n}",
        unit=unit,
        direction=direction,
        scoring_rule=scoring_rule or {"type": "linear", "floor": "0", "cap": "120"},
        employee_selectable=employee_selectable,
        enabled=enabled,
    )


def scorecard(employee: Employee, the_period: Period) -> Scorecard:
    return scorecard_services.scorecard_create(actor=SYSTEM, employee=employee, period=the_period)


def kpi(
    card: Scorecard, title: str = "销售额达到500万元", weight: str = "50", **terms: Any
) -> Goal:
    terms.setdefault("target", Decimal(500))
    terms.setdefault("unit", "万元")
    terms.setdefault("metric", "销售额")
    return scorecard_services.goal_add(
        actor=SYSTEM,
        scorecard=card,
        title=title,
        kind=GoalKind.KPI,
        weight=Decimal(weight),
        **terms,
    )


def task(
    card: Scorecard, title: str = "Q3前完成X产品V2.0上线", weight: str = "50", **terms: Any
) -> Goal:
    terms.setdefault("due_date", dt.date(2026, 9, 30))
    terms.setdefault("completion_standard", "3轮用户测试且Bug率≤0.3%")
    terms.setdefault("scoring_rule", {"type": "pass_fail"})
    return scorecard_services.goal_add(
        actor=SYSTEM,
        scorecard=card,
        title=title,
        kind=GoalKind.TASK,
        weight=Decimal(weight),
        **terms,
    )


def complete_scorecard(employee: Employee, the_period: Period) -> Scorecard:
    """A scorecard with a KPI (60 %) and a key task (40 %), ready to submit."""
    card = scorecard(employee, the_period)
    kpi(card, weight="60")
    task(card, weight="40")
    return card


def agreed_scorecard(employee: Employee, the_period: Period, approver: Actor) -> Scorecard:
    """Submitted by the person, approved by ``approver`` (not yet signed)."""
    card = complete_scorecard(employee, the_period)
    scorecard_services.scorecard_submit(actor=SYSTEM, scorecard=card)
    scorecard_services.scorecard_approve(actor=approver, scorecard=card)
    return card


# --- scorecard templates -----------------------------------------------------------------


def scorecard_template(
    name: str | None = None,
    *,
    items: tuple[tuple[str, str], ...] = (("销售额", "60"), ("回款率", "40")),
    **fields: Any,
) -> Any:
    """A template in use with KPI items of the given (title, weight), 500 as target."""
    from pms.goals.services import templates as template_services

    made = template_services.template_create(
        actor=SYSTEM, name=name or f"模板{next(_seq)}", **fields
    )
    for title, weight in items:
        template_services.template_item_add(
            actor=SYSTEM,
            template=made,
            title=title,
            weight=Decimal(weight),
            metric=title,
            unit="万元",
            target=Decimal(500),
        )
    return made


def apply_template(
    the_template: Any,
    the_period: Period,
    *,
    department: Any = None,
    role_family: Any = None,
    position: Any = None,
    actor: Actor = SYSTEM,
    people_in_scope: Any = None,
) -> Any:
    """Start and run a template application at once (the task's work, without a queue)."""
    from pms.goals.services import templates as template_services

    return template_services.template_run_now(
        actor=actor,
        template=the_template,
        period=the_period,
        people_in_scope=people_in_scope if people_in_scope is not None else Employee.objects.all(),
        department=department,
        role_family=role_family,
        position=position,
    )


# --- adjustments (目标调整) --------------------------------------------------------------


def actor_of(person: Employee | Any) -> Actor:
    """The actor for a persona: an Employee (through their account) or a User."""
    user = person.user if isinstance(person, Employee) else person
    return Actor(user=user)


def adjustment(
    card: Scorecard,
    requester: Actor,
    *changes: Any,
    effective_from: dt.date = dt.date(2026, 5, 1),
    reason_category: str = "external",
    reason_code: str = "market",
    reason: str = "竞品降价，市场需求下滑",
) -> Any:
    """A request through the service; ``changes`` are ``ChangeSpec``s."""
    from pms.goals.services import adjustments as adjustment_services

    return adjustment_services.adjustment_request(
        actor=requester,
        scorecard=card,
        changes=list(changes),
        reason_category=reason_category,
        reason_code=reason_code,
        reason=reason,
        effective_from=effective_from,
    )


def agreed_plan_goal(the_period: Period, department: Any = None, **terms: Any) -> Goal:
    """A department goal (or, without department, a company goal) drafted, submitted and
    approved through the cascade's services, with its version 1 (target 15 resp. 20 %)."""
    from pms.goals.services import plan as plan_services

    terms.setdefault("metric", "增长率")
    terms.setdefault("unit", "%")
    if department is not None:
        terms.setdefault("target", Decimal(15))
        goal = plan_services.department_goal_create(
            actor=SYSTEM,
            period=the_period,
            department=department,
            title=terms.pop("title", "主营业务A增长15%"),
            **terms,
        )
    else:
        terms.setdefault("target", Decimal(20))
        goal = plan_services.company_goal_create(
            actor=SYSTEM,
            period=the_period,
            title=terms.pop("title", "营收增长20%"),
            perspective="financial",
            **terms,
        )
    plan_services.plan_goal_submit(actor=SYSTEM, goal=goal)
    return plan_services.plan_goal_approve(actor=SYSTEM, goal=goal)


# --- strategy cascade: company and department goals ----------------------------------------


def company_goal(
    the_period: Period, title: str = "营收增长20%", *, perspective: str = "financial", **terms: Any
) -> Goal:
    """A strategic goal (draft), measured and complete enough to submit."""
    from pms.goals.services import plan as plan_services

    terms.setdefault("metric", "营收增长率")
    terms.setdefault("unit", "%")
    terms.setdefault("target", Decimal(20))
    return plan_services.company_goal_create(
        actor=SYSTEM, period=the_period, title=title, perspective=perspective, **terms
    )


def department_goal(
    the_period: Period,
    department: Any,
    title: str = "主营业务A增长15%",
    *,
    parent: Goal | None = None,
    contribution: str | None = None,
    **terms: Any,
) -> Goal:
    """A department goal (draft) aligned to ``parent`` with ``contribution`` percent."""
    from pms.goals.services import plan as plan_services

    terms.setdefault("metric", "销售额增长率")
    terms.setdefault("unit", "%")
    terms.setdefault("target", Decimal(15))
    return plan_services.department_goal_create(
        actor=SYSTEM,
        period=the_period,
        department=department,
        title=title,
        parent=parent,
        contribution=Decimal(contribution) if contribution is not None else None,
        **terms,
    )


def approved_plan_goal(goal: Goal, approver: Actor) -> Goal:
    """Submitted, then approved by ``approver`` (the committee or an executive)."""
    from pms.goals.services import plan as plan_services

    plan_services.plan_goal_submit(actor=SYSTEM, goal=goal)
    return plan_services.plan_goal_approve(actor=approver, goal=goal)


# --- indicator library ---------------------------------------------------------------------


def library_indicator(
    name: str = "回款率",
    *,
    code: str | None = None,
    families: tuple[str, ...] = ("sales",),
    rule: str = "linear 0-120",
    **fields: Any,
) -> Indicator:
    """A library indicator made through the library's service, tagged with role families
    (by code, created when missing); ``rule`` in the compact text form."""
    from pms.goals.rules import rule_from_text
    from pms.goals.services import indicators as indicator_services
    from pms.org.tests.factories import role_family

    names = {"sales": "销售", "rnd": "研发", "service": "客服", "production": "生产"}
    fields.setdefault("direction", "higher")
    fields.setdefault("data_source", "manual")
    fields.setdefault("frequency", "monthly")
    return indicator_services.indicator_create(
        actor=SYSTEM,
        code=code or f"LIB{next(_seq):04d}",
        name=name,
        role_families=[role_family(c, names.get(c, c)) for c in families],
        scoring_rule=rule_from_text(rule),
        **fields,
    )
