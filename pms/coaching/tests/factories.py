"""Factories for check-ins and coaching, made through the services the way users reach them.

Append new factories at the end."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pms.coaching.models import CheckIn, CoachingPlan, Obstacle, ResourceRequest
from pms.coaching.services import checkins as checkin_services
from pms.coaching.services import obstacles as obstacle_services
from pms.coaching.services import plans as plan_services
from pms.core.audit import Actor
from pms.goals.models import Goal
from pms.org.models import Department, Employee


def actor_of(person: Employee | Any) -> Actor:
    user = person.user if isinstance(person, Employee) else person
    return Actor(user=user)


def checkin(
    employee: Employee,
    *,
    due: dt.date = dt.date(2026, 3, 31),
    by: Employee | None = None,
    start: dt.date | None = None,
) -> CheckIn:
    """A check-in set up by hand by ``by`` (the person's manager unless given)."""
    manager = by or employee.manager
    assert manager is not None
    return checkin_services.checkin_create(
        actor=actor_of(manager), employee=employee, due_date=due, period_start=start
    )


def obstacle(
    the_checkin: CheckIn,
    *,
    kind: str = "external",
    category: str = "supplier",
    description: str = "核心供应商交付延迟三周",
    goal: Goal | None = None,
    by: Employee | None = None,
) -> Obstacle:
    return obstacle_services.obstacle_add(
        actor=actor_of(by or the_checkin.employee),
        checkin=the_checkin,
        description=description,
        kind=kind,
        category=category,
        goal=goal,
    )


def resource_request(
    the_obstacle: Obstacle, department: Department, *, by: Employee | None = None
) -> ResourceRequest:
    return obstacle_services.resource_request_create(
        actor=actor_of(by or the_obstacle.checkin.employee),
        obstacle=the_obstacle,
        department=department,
        need="请协调备用供应商",
    )


def plan(
    employee: Employee,
    *,
    coach: Employee | None = None,
    by: Employee | None = None,
    the_obstacle: Obstacle | None = None,
    milestones: tuple[tuple[str, dt.date], ...] = (
        ("2周内掌握客户需求挖掘技巧", dt.date(2026, 4, 14)),
    ),
) -> CoachingPlan:
    manager = by or employee.manager
    assert manager is not None
    return plan_services.plan_create(
        actor=actor_of(manager),
        employee=employee,
        coach=coach or manager,
        target_skill="客户需求挖掘",
        obstacle=the_obstacle,
        actions=[("mentor", "每周导师辅导"), ("course", "参加销售技巧课程")],
        milestones=list(milestones),
    )
