"""Set-up for the improvement (PIP) and development (IDP) plan tests.

A published result is written as a row (publishing has its own tests); plans are made
through their services, the way managers, HR and the person reach them. Time stands still
on Monday 2026-03-02, 10:00 in Shanghai (``frozen``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.models import Employee
from pms.outcomes.models import (
    ActionKind,
    DevelopmentPlan,
    ImprovementPlan,
    PerformanceResult,
    PipTrigger,
)
from pms.outcomes.services import idp as idp_services
from pms.outcomes.services import pip as pip_services
from pms.reviews.models import Cycle, Phase
from pms.reviews.tests import factories as rf

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
TODAY = dt.date(2026, 3, 2)

_seq = itertools.count(1)


@pytest.fixture
def frozen() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def actor_for(who: Employee | User) -> Actor:
    user = who if isinstance(who, User) else who.user
    assert user is not None
    return Actor(user=user)


def results_cycle(name: str | None = None) -> Cycle:
    return rf.cycle(
        name or f"2025年度考核-{next(_seq)}", default_template=rf.template(), phase=Phase.RESULTS
    )


def published_result(
    person: Employee, grade: str = "C", *, cycle: Cycle | None = None, published: bool = True
) -> PerformanceResult:
    """``person``'s result of ``grade`` in a cycle at its results phase (published now)."""
    the_cycle = cycle or results_cycle()
    review = rf.review(the_cycle, person)
    return PerformanceResult.objects.create(
        review=review,
        cycle=the_cycle,
        employee=person,
        department=person.department,
        score=Decimal("58.00"),
        grade=grade,
        published_at=timezone.now() if published else None,
    )


GOALS = (
    pip_services.GoalInput(title="月度回款率达到90%", measure="财务系统回款报表"),
    pip_services.GoalInput(title="客户投诉不超过1起", measure="客服工单统计"),
)


def pip(
    person: Employee,
    by: Employee | User,
    *,
    owner: Employee | None = None,
    result: PerformanceResult | None = None,
    reason: str = "连续两个季度销售额未达目标的70%",
    goals: Sequence[pip_services.GoalInput] = GOALS,
    start: dt.date | None = None,
    end: dt.date | None = None,
    training: str = "参加《顾问式销售》内训，3月10日",
    reassignment: str = "",
    started: bool = False,
) -> ImprovementPlan:
    """A plan for ``person`` made by ``by`` (led by their direct manager unless ``owner``);
    started when asked."""
    plan = pip_services.pip_create(
        actor=actor_for(by),
        employee=person,
        owner=owner or person.manager,
        trigger=PipTrigger.GRADE if result is not None else PipTrigger.CHOICE,
        result=result,
        reason=reason,
        goals=goals,
        start=start,
        end=end,
        training=training,
        coaching="主管每周一对一辅导",
        reassignment=reassignment,
    )
    if started:
        plan = pip_services.pip_start(actor=actor_for(by), plan=plan)
    return plan


def idp(
    person: Employee,
    *,
    title: str = "成长为区域销售经理",
    actions: Sequence[idp_services.ActionInput] | None = None,
    submitted: bool = False,
    agreed_by: Employee | None = None,
    mentor: Employee | None = None,
) -> DevelopmentPlan:
    """The person's own plan with one course (and a mentoring action when ``mentor``),
    submitted by the person when ``submitted`` or ``agreed_by``, and agreed by
    ``agreed_by`` when given."""
    rows = list(
        actions
        if actions is not None
        else [
            idp_services.ActionInput(
                kind=ActionKind.COURSE,
                goal="完成谈判技巧课程",
                competency="谈判能力",
                due_on=TODAY + dt.timedelta(days=60),
            )
        ]
    )
    if mentor is not None:
        rows.append(
            idp_services.ActionInput(
                kind=ActionKind.MENTOR,
                goal="每月与导师复盘一次大客户拜访",
                competency="客户管理",
                mentor=mentor,
            )
        )
    plan = idp_services.idp_create(
        actor=actor_for(person), employee=person, title=title, actions=rows
    )
    if submitted or agreed_by is not None:
        plan = idp_services.idp_submit(actor=actor_for(person), plan=plan)
    if agreed_by is not None:
        plan = idp_services.idp_agree(actor=actor_for(agreed_by), plan=plan)
    return plan


def audit_of(plan: ImprovementPlan | DevelopmentPlan) -> list[AuditEntry]:
    """The plan's audit entries, oldest first."""
    return list(
        AuditEntry.objects.filter(
            object_type=plan._meta.label_lower, object_id=str(plan.pk)
        ).order_by("at", "id")
    )
