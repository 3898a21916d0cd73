"""Demo adjustments: a few agreed scorecards changed during the year, made through the real
adjustment services so decisions, versions and audit rows are as a user would leave them.
Called by ``pms.goals.demo`` (which skips this step when the module is missing)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.goals.models import Decision, Goal, GoalAdjustment, GoalKind, Scorecard
from pms.goals.services import adjustments as services
from pms.goals.services.adjustments import ChangeSpec
from pms.org.models import GrantedRole, RoleGrant

REASONS = (
    ("external", "market", "竞品大幅降价，区域市场需求下滑"),
    ("external", "supplier", "核心供应商交付延迟两个月"),
    ("external", "policy", "行业监管政策调整，部分业务暂停"),
    ("internal", "workload", "团队两名成员调岗，人手不足"),
    ("internal", "strategy", "公司调整年度重点，资源向新业务倾斜"),
)


def _actor(user: User | None) -> Actor:
    return Actor(user=user, channel=AuditChannel.COMMAND)


def _effective(card: Scorecard) -> dt.date:
    """The first of a month about a third into the period."""
    period = card.period
    day = period.start + (period.end - period.start) / 3
    first = day.replace(day=1)
    return first if first > period.start else period.start + dt.timedelta(days=1)


def _target_change(goals: Sequence[Goal], factor: Decimal) -> ChangeSpec | None:
    for goal in goals:
        if goal.target is not None and goal.target > 0 and goal.kind == GoalKind.KPI:
            return ChangeSpec.change(goal, target=(goal.target * factor).quantize(Decimal("0.01")))
    return None


def _weight_move(goals: Sequence[Goal], points: Decimal) -> list[ChangeSpec]:
    heavy = next((g for g in goals if g.weight is not None and g.weight >= points + 5), None)
    light = next(
        (g for g in goals if g is not heavy and g.weight is not None and g.weight + points <= 100),
        None,
    )
    if heavy is None or light is None or heavy.weight is None or light.weight is None:
        return []
    return [
        ChangeSpec.change(heavy, weight=heavy.weight - points),
        ChangeSpec.change(light, weight=light.weight + points),
    ]


def _decide(
    user: User | None, adjustment: GoalAdjustment, decision: str, comment: str = ""
) -> GoalAdjustment:
    return services.adjustment_decide(
        actor=_actor(user), adjustment=adjustment, decision=decision, comment=comment
    )


def _one(card: Scorecard, scenario: int, rng: random.Random, hr: User | None) -> bool:
    manager = card.employee.manager
    if manager is None or manager.user is None or card.employee.user is None:
        return False
    goals = list(
        card.goals.filter(is_active=True).exclude(kind=GoalKind.KEY_RESULT).order_by("sort_order")
    )
    category, code, reason = rng.choice(REASONS)
    if scenario == 2:
        changes = _weight_move(goals, Decimal(20))
    else:
        factor = {0: Decimal("0.9"), 1: Decimal("0.92"), 3: Decimal("1.05")}[scenario]
        change = _target_change(goals, factor)
        changes = [change] if change is not None else []
    if not changes:
        return False
    # the manager asks on the person's behalf in two cases, the person in the others
    requester = manager.user if scenario in (0, 2) else card.employee.user
    adjustment = services.adjustment_request(
        actor=_actor(requester),
        scorecard=card,
        changes=changes,
        reason_category=category,
        reason_code=code,
        reason=reason,
        effective_from=_effective(card),
    )
    if scenario == 1:  # waits for the manager
        return True
    if adjustment.status == "manager":
        adjustment = _decide(manager.user, adjustment, Decision.APPROVE, "情况属实，同意调整")
    if scenario == 3:
        _decide(hr, adjustment, Decision.REJECT, "影响不足以调整目标，请通过绩效辅导跟进")
        return True
    # within the limit this approves it; beyond (scenario 2) it goes before the committee
    _decide(hr, adjustment, Decision.APPROVE)
    return True


def seed_adjustments(scorecards: list[Scorecard], rng: random.Random) -> int:
    """One adjustment per scorecard given, in turn: approved within the limit, waiting for
    the manager, beyond the limit waiting for the committee, rejected by HR. Returns how many
    were made (a scorecard whose goals do not suit its turn is skipped)."""
    hr_grant = (
        RoleGrant.objects.filter(role=GrantedRole.HR_ADMIN, departments__isnull=True)
        .select_related("user")
        .order_by("id")
        .first()
    )
    hr = hr_grant.user if hr_grant is not None else None
    made = 0
    for index, card in enumerate(scorecards):
        try:
            with transaction.atomic():
                made += _one(card, index % 4, rng, hr)
        except ValidationError:
            continue
    return made
