"""Goals for the demo company: this year's strategy, department goals agreed by the
committee, and scorecards for most people — most approved and signed, some submitted or in
draft, a few adjusted during the year.

Written in bulk (ids assigned up front, ``bulk_create`` in batches), so the benchmark's
100,000 people with ten goals each load in minutes, not hours. The same seed gives the same
goals. Goals are derived from each person's position (the indicators of its job analysis),
aligned to their department's goals, with weights totalling 100 %.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.goals.models import (
    Direction,
    Goal,
    GoalKind,
    GoalLevel,
    GoalStatus,
    GoalVersion,
    Indicator,
    Period,
    PeriodKind,
    PeriodStatus,
    Perspective,
    Scorecard,
    ScorecardStatus,
    ScorecardTemplate,
    Section,
    Signature,
    SignerRole,
)
from pms.goals.services import periods as period_services
from pms.goals.services.scorecards import letter_fingerprint
from pms.goals.services.versions import goal_terms
from pms.org.models import CURRENT_STATUSES, Department, Employee, GrantedRole, RoleGrant

BATCH = 2000

# 战略目标: title, perspective, metric, unit, baseline, target, direction
STRATEGY: tuple[tuple[str, str, str, str, int, int, str], ...] = (
    ("营收增长20%", Perspective.FINANCIAL, "营业收入", "万元", 50000, 60000, Direction.HIGHER),
    ("净利润率提升至12%", Perspective.FINANCIAL, "净利润率", "%", 10, 12, Direction.HIGHER),
    ("市场份额提升5%", Perspective.CUSTOMER, "市场占有率", "%", 18, 23, Direction.HIGHER),
    ("客户满意度达到92%", Perspective.CUSTOMER, "客户满意度", "%", 88, 92, Direction.HIGHER),
    ("研发周期缩短15%", Perspective.PROCESS, "平均研发周期", "天", 120, 102, Direction.LOWER),
    ("良品率达到99%", Perspective.PROCESS, "良品率", "%", 97, 99, Direction.HIGHER),
    (
        "核心人才保留率不低于90%",
        Perspective.LEARNING,
        "核心人才保留率",
        "%",
        85,
        90,
        Direction.HIGHER,
    ),
)

# department goals by the first word of the unit's position codes: (title, strategy index,
# metric, unit, target, direction)
UNIT_GOALS: dict[str, tuple[tuple[str, int, str, str, int, str], ...]] = {
    "SAL": (
        ("主营业务销售额增长15%", 0, "销售额", "万元", 46000, Direction.HIGHER),
        ("新业务销售额增长30%", 0, "新业务销售额", "万元", 6500, Direction.HIGHER),
        ("重点区域市场份额提升4%", 2, "区域市场占有率", "%", 22, Direction.HIGHER),
    ),
    "RND": (
        ("版本平均交付周期缩短15%", 4, "平均交付周期", "天", 102, Direction.LOWER),
        ("线上Bug率不高于0.3%", 3, "Bug率", "%", Decimal("0.3"), Direction.LOWER),  # type: ignore[dict-item]
    ),
    "PRD": (
        ("良品率达到99%", 5, "良品率", "%", 99, Direction.HIGHER),
        ("单位成本下降5%", 1, "单位成本", "元", 95, Direction.LOWER),
    ),
    "SVC": (
        ("客户满意度达到93%", 3, "客户满意度", "%", 93, Direction.HIGHER),
        ("投诉处理及时率达到98%", 3, "客户投诉处理及时率", "%", 98, Direction.HIGHER),
    ),
    "MKT": (("销售线索数量增长25%", 2, "销售线索数量", "条", 12000, Direction.HIGHER),),
    "HR": (("核心人才保留率达到90%", 6, "核心人才保留率", "%", 90, Direction.HIGHER),),
    "FIN": (("预算执行偏差率控制在5%以内", 1, "预算执行偏差率", "%", 5, Direction.LOWER),),
    "PUR": (("采购成本降低3%", 1, "采购成本降低率", "%", 3, Direction.HIGHER),),
    "QA": (("客户质量投诉减少20%", 3, "客户质量投诉次数", "次", 40, Direction.LOWER),),
}
DEFAULT_UNIT_GOAL = (
    ("重点工作按期完成率达到95%", 6, "重点工作按期完成率", "%", 95, Direction.HIGHER),
)

GOAL_STATUS_OF: dict[str, str] = {
    ScorecardStatus.DRAFT: GoalStatus.DRAFT,
    ScorecardStatus.SUBMITTED: GoalStatus.SUBMITTED,
}
LOWER_WORDS = ("故障", "投诉", "偏差", "流失", "Bug", "差错", "事故", "漏检", "成本", "周期")
STATUS_MIX = (
    (ScorecardStatus.SIGNED, 0.72),
    (ScorecardStatus.APPROVED, 0.10),
    (ScorecardStatus.SUBMITTED, 0.08),
    (ScorecardStatus.DRAFT, 0.06),
)  # the rest: no scorecard yet


@dataclass
class GoalsDemoSummary:
    periods: int = 0
    strategy: int = 0
    department_goals: int = 0
    scorecards: int = 0
    goals: int = 0
    adjustments: int = 0
    seconds: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"Goals: {self.strategy} strategic goals, {self.department_goals} department goals, "
            f"{self.scorecards} scorecards with {self.goals} goals, {self.adjustments} "
            f"adjustments in {self.seconds:.1f} s."
        )


class _Ids:
    def __init__(self, model: type[Goal] | type[Scorecard]) -> None:
        self.next = int(model.objects.aggregate(top=Max("id"))["top"] or 0) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def _periods(year: int, today: dt.date, actor: Actor) -> Period:
    existing = Period.objects.filter(name=f"{year}年度").first()
    if existing is not None:
        return existing
    annual = period_services.period_create(
        actor=actor,
        name=f"{year}年度",
        kind=PeriodKind.YEAR,
        start=dt.date(year, 1, 1),
        end=dt.date(year, 12, 31),
    )
    period_services.period_update(
        actor=actor, period=annual, changes={"status": PeriodStatus.ACTIVE}
    )
    for quarter in range(1, 5):
        start = dt.date(year, 3 * quarter - 2, 1)
        end = (
            dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)
            if quarter < 4
            else dt.date(year, 12, 31)
        )
        period = period_services.period_create(
            actor=actor,
            name=f"{year}年第{quarter}季度",
            kind=PeriodKind.QUARTER,
            start=start,
            end=end,
            parent=annual,
        )
        status = (
            PeriodStatus.CLOSED
            if end < today
            else PeriodStatus.ACTIVE
            if start <= today
            else PeriodStatus.PLANNING
        )
        if status != PeriodStatus.PLANNING:
            period_services.period_update(actor=actor, period=period, changes={"status": status})
    return annual


def _load_library(actor: Actor) -> None:
    from pms.goals.library import load_library

    load_library(actor=actor)


# 考核表模板 per role family (seed 003): sales weighted on results, R&D on delivery,
# innovation and quality, managers on the team's results and talent.
# (template name, role family code, [(indicator code, weight, target)])
STARTER_TEMPLATES: tuple[tuple[str, str, tuple[tuple[str, int, str | None], ...]], ...] = (
    (
        "销售岗考核表",
        "sales",
        (
            ("SAL-REVENUE", 40, "500"),
            ("SAL-COLLECTION", 30, "95"),
            ("SAL-NEW-CUSTOMERS", 20, "20"),
            ("SAL-AVG-DEAL", 10, "25"),
        ),
    ),
    (
        "研发岗考核表",
        "rnd",
        (
            ("RND-ON-TIME-RELEASE", 35, None),
            ("RND-BUG-RATE", 25, "0.3"),
            ("RND-LEAD-TIME", 20, "15"),
            ("RND-PATENTS", 20, "2"),
        ),
    ),
    (
        "管理岗考核表",
        "management",
        (
            ("MGT-TEAM-ATTAINMENT", 40, "90"),
            ("MGT-TRAINING", 20, "95"),
            ("MGT-RETENTION", 25, "90"),
            ("MGT-SUCCESSION", 15, "80"),
        ),
    ),
)


def _templates(actor: Actor) -> int:
    """The starter templates, made through the services (skipped when the library or the
    role family is missing)."""
    from pms.goals.services.templates import template_create, template_item_add
    from pms.org.models import RoleFamily

    library = {i.code: i for i in Indicator.objects.all()}
    made = 0
    for name, family_code, items in STARTER_TEMPLATES:
        family = RoleFamily.objects.filter(code=family_code).first()
        if family is None or not all(code in library for code, _, _ in items):
            continue
        template = template_create(actor=actor, name=name, role_family=family)
        for code, weight, target in items:
            indicator = library[code]
            template_item_add(
                actor=actor,
                template=template,
                title=indicator.name,
                weight=Decimal(weight),
                kind=GoalKind.TASK
                if indicator.scoring_rule.get("type") == "pass_fail"
                else GoalKind.KPI,
                indicator=indicator,
                target=Decimal(target) if target is not None else None,
                completion_standard="按计划上线且通过验收测试"
                if indicator.scoring_rule.get("type") == "pass_fail"
                else "",
            )
        made += 1
    return made


def _direction_for(name: str) -> str:
    return Direction.LOWER if any(word in name for word in LOWER_WORDS) else Direction.HIGHER


def _target_for(name: str, direction: str, rng: random.Random) -> tuple[Decimal, str]:
    if name.endswith("率") or name.endswith("度"):
        if direction == Direction.LOWER:
            return Decimal(rng.choice((2, 3, 5))), "%"
        return Decimal(rng.choice((90, 92, 95, 98))), "%"
    if "次数" in name or "事故" in name:
        return Decimal(rng.choice((0, 1, 2))), "次"
    if "平均" in name:
        return Decimal(rng.randrange(5, 50)), "万元"
    if "额" in name or "成本" in name or "收入" in name:
        return Decimal(rng.randrange(50, 800, 10)), "万元"
    return Decimal(rng.randrange(5, 60)), "个"


def _weights(count: int, rng: random.Random) -> list[Decimal]:
    """``count`` weights in steps of 5 (at least 10 each) that total 100."""
    base = [10] * count
    spare = 100 - 10 * count
    while spare > 0:
        base[rng.randrange(count)] += 5
        spare -= 5
    return [Decimal(w) for w in base]


def _status(rng: random.Random) -> str | None:
    roll = rng.random()
    for status, share in STATUS_MIX:
        if roll < share:
            return status
        roll -= share
    return None


def _plan_goals(
    period: Period, actor_user: User | None, now: dt.datetime
) -> tuple[list[Goal], dict[int, list[Goal]]]:
    """Strategy and one to three goals per department, aligned upward. Returns the strategy
    and the department goals by department id."""
    ids = _Ids(Goal)
    ceo = Employee.objects.filter(manager__isnull=True, status__in=CURRENT_STATUSES).first()
    strategy = [
        Goal(
            id=ids.take(),
            period=period,
            level=GoalLevel.COMPANY,
            kind=GoalKind.KPI,
            title=title,
            perspective=perspective,
            metric=metric,
            unit=unit,
            baseline=Decimal(baseline),
            target=Decimal(target),
            direction=direction,
            owner=ceo,
            due_date=period.end,
            status=GoalStatus.APPROVED,
            approved_at=now,
            approved_by=actor_user,
            sort_order=index,
        )
        for index, (title, perspective, metric, unit, baseline, target, direction) in enumerate(
            STRATEGY
        )
    ]
    Goal.objects.bulk_create(strategy)
    by_department: dict[int, list[Goal]] = defaultdict(list)
    departments = list(
        Department.objects.filter(is_active=True).select_related("head").order_by("path")
    )
    goals: list[Goal] = []
    # the unit's code prefix: positions are coded like SAL-REP; departments carry the unit
    unit_of: dict[int, str] = {}
    for department in departments:
        prefix = department.code.split("-")[0].upper()
        if department.depth == 1:
            unit_of[department.pk] = prefix
        elif department.parent_id in unit_of:
            unit_of[department.pk] = unit_of[department.parent_id]
    for index, department in enumerate(d for d in departments if d.depth >= 1):
        unit = unit_of.get(department.pk, "")
        specs = UNIT_GOALS.get(unit, DEFAULT_UNIT_GOAL)
        parent_goals = by_department.get(department.parent_id or 0, [])
        # the committee still has a few before it
        status = GoalStatus.SUBMITTED if index % 17 == 5 else GoalStatus.APPROVED
        for order, (title, strategy_index, metric, unit_name, target, direction) in enumerate(
            specs[: 3 if department.depth == 1 else 1]
        ):
            parent = parent_goals[order % len(parent_goals)] if parent_goals else None
            goal = Goal(
                id=ids.take(),
                period=period,
                level=GoalLevel.DEPARTMENT,
                kind=GoalKind.KPI,
                title=title if department.depth == 1 else f"{department.name}：{title}",
                perspective=strategy[strategy_index].perspective,
                department=department,
                owner=department.head,
                parent=parent if parent is not None else strategy[strategy_index],
                contribution=Decimal(60 if parent is None else 30),
                metric=metric,
                unit=unit_name,
                direction=direction,
                target=Decimal(target),
                due_date=period.end,
                status=status,
                submitted_at=now,
                approved_at=now if status == GoalStatus.APPROVED else None,
                approved_by=actor_user if status == GoalStatus.APPROVED else None,
                sort_order=order,
            )
            goals.append(goal)
            by_department[department.pk].append(goal)
    Goal.objects.bulk_create(goals, batch_size=BATCH)
    approved = [g for g in [*strategy, *goals] if g.status == GoalStatus.APPROVED]
    GoalVersion.objects.bulk_create(
        [
            GoalVersion(goal=g, number=1, valid_from=period.start, terms=goal_terms(g))
            for g in approved
        ],
        batch_size=BATCH,
    )
    return strategy, by_department


def _department_goal_for(
    department: Department, by_department: dict[int, list[Goal]], paths: dict[int, str]
) -> list[Goal]:
    """The nearest department goals up the tree (a team without its own aligns upward)."""
    for pk in reversed([int(p) for p in paths[department.pk].strip("/").split("/")]):
        goals = [g for g in by_department.get(pk, []) if g.status == GoalStatus.APPROVED]
        if goals:
            return goals
    return []


def _scorecards(
    *,
    period: Period,
    by_department: dict[int, list[Goal]],
    rng: random.Random,
    now: dt.datetime,
    goals_per_person: int | None,
    summary: GoalsDemoSummary,
) -> list[Scorecard]:
    library = {i.name: i for i in Indicator.objects.filter(enabled=True)}
    paths = dict(Department.objects.values_list("id", "path"))
    departments = {d.pk: d for d in Department.objects.all()}
    people = list(
        Employee.objects.filter(status__in=CURRENT_STATUSES)
        .select_related("position", "user", "manager__user")
        .order_by("id")
    )
    hr_user = (
        RoleGrant.objects.filter(role=GrantedRole.HR_ADMIN)
        .values_list("user_id", flat=True)
        .first()
    )
    card_ids = _Ids(Scorecard)
    goal_ids = _Ids(Goal)
    agreed_cards: list[Scorecard] = []
    for start in range(0, len(people), BATCH):
        cards: list[Scorecard] = []
        goals: list[Goal] = []
        versions: list[GoalVersion] = []
        signatures: list[Signature] = []
        card_goals: dict[int, list[Goal]] = {}
        for person in people[start : start + BATCH]:
            status = _status(rng)
            if status is None:
                continue
            approver = person.manager.user_id if person.manager else hr_user
            agreed = status in (ScorecardStatus.APPROVED, ScorecardStatus.SIGNED)
            card = Scorecard(
                id=card_ids.take(),
                period=period,
                employee=person,
                department_id=person.department_id,
                position_id=person.position_id,
                status=status,
                submitted_at=now if status != ScorecardStatus.DRAFT else None,
                approved_at=now if agreed else None,
                approved_by_id=approver if agreed else None,
                signed_at=now if status == ScorecardStatus.SIGNED else None,
            )
            cards.append(card)
            names = _indicator_names(person, rng, goals_per_person)
            weights = _weights(len(names), rng)
            aligned = _department_goal_for(departments[person.department_id], by_department, paths)
            goal_status: str = GOAL_STATUS_OF.get(status, GoalStatus.APPROVED)
            mine: list[Goal] = []
            for order, (name, weight) in enumerate(zip(names, weights, strict=True)):
                mine.append(
                    _individual_goal(
                        goal_ids.take(),
                        card,
                        person,
                        name,
                        weight,
                        order,
                        library.get(name),
                        aligned[order % len(aligned)] if aligned and order < 2 else None,
                        goal_status,
                        rng,
                        period,
                    )
                )
            goals.extend(mine)
            card_goals[card.id] = mine
            if agreed:
                agreed_cards.append(card)
                versions.extend(
                    GoalVersion(goal=g, number=1, valid_from=period.start, terms=goal_terms(g))
                    for g in mine
                )
            if status == ScorecardStatus.SIGNED or (
                status == ScorecardStatus.APPROVED and rng.random() < 0.5
            ):
                digest = letter_fingerprint(card, mine)
                if person.user_id:
                    signatures.append(
                        Signature(
                            scorecard=card,
                            version=1,
                            role=SignerRole.EMPLOYEE,
                            signer_id=person.user_id,
                            signer_name=person.name,
                            signed_at=now,
                            content_hash=digest,
                        )
                    )
                if status == ScorecardStatus.SIGNED and approver:
                    signatures.append(
                        Signature(
                            scorecard=card,
                            version=1,
                            role=SignerRole.MANAGER,
                            signer_id=approver,
                            signer_name=person.manager.name if person.manager else "HR",
                            signed_at=now,
                            content_hash=digest,
                        )
                    )
            summary.by_status[status] = summary.by_status.get(status, 0) + 1
        Scorecard.objects.bulk_create(cards, batch_size=BATCH)
        Goal.objects.bulk_create(goals, batch_size=BATCH)
        GoalVersion.objects.bulk_create(versions, batch_size=BATCH)
        Signature.objects.bulk_create(signatures, batch_size=BATCH)
        summary.scorecards += len(cards)
        summary.goals += len(goals)
    return agreed_cards


def _indicator_names(
    person: Employee, rng: random.Random, goals_per_person: int | None
) -> list[str]:
    names = [n for n in (person.position.key_indicators.split() if person.position else []) if n]
    if not names:
        names = ["重点工作按期完成率", "工作质量达标率"]
    if goals_per_person is not None:
        extra = ["工作质量达标率", "协作满意度", "流程改进建议数", "培训学时完成率", "知识分享次数"]
        while len(names) < goals_per_person:
            names.append(f"{extra[len(names) % len(extra)]}{len(names) + 1}")
        return names[:goals_per_person]
    return names[:8]


def _individual_goal(  # noqa: PLR0917 (one row of a bulk insert, called in one place)
    pk: int,
    card: Scorecard,
    person: Employee,
    name: str,
    weight: Decimal,
    order: int,
    indicator: Indicator | None,
    parent: Goal | None,
    status: str,
    rng: random.Random,
    period: Period,
) -> Goal:
    direction = indicator.direction if indicator else _direction_for(name)
    target, unit = _target_for(name, direction, rng)
    is_task = name.startswith("版本按期上线") and indicator is None
    return Goal(
        id=pk,
        period=period,
        level=GoalLevel.INDIVIDUAL,
        kind=GoalKind.TASK if is_task else GoalKind.KPI,
        title=f"{name}{'不高于' if direction == Direction.LOWER else '达到'}{target.normalize():f}"
        f"{unit}",
        department_id=person.department_id,
        employee=person,
        owner=person,
        parent=parent,
        contribution=Decimal(10) if parent else None,
        scorecard=card,
        section=Section.TASKS if is_task else Section.RESULTS,
        weight=weight,
        indicator=indicator,
        metric=name,
        unit=indicator.unit if indicator and indicator.unit else unit,
        direction=direction,
        target=target,
        due_date=period.end,
        completion_standard="按计划完成并通过验收" if is_task else "",
        scoring_rule=indicator.scoring_rule
        if indicator
        else {"type": "linear", "floor": "0", "cap": "120"},
        status=status,
        approved_at=card.approved_at,
        approved_by_id=card.approved_by_id,
        submitted_at=card.submitted_at,
        sort_order=order,
    )


def _adjustments(
    agreed: Iterable[Scorecard], rng: random.Random, summary: GoalsDemoSummary
) -> None:
    """A few goals changed during the year through the adjustment flow."""
    from pms.goals.demo_adjustments import seed_adjustments

    summary.adjustments = seed_adjustments(list(agreed), rng)


def seed_goals_demo(
    *, seed: int = 1, today: dt.date | None = None, goals_per_person: int | None = None
) -> GoalsDemoSummary:
    """Write the demo goals into a database that has the demo company and no goals."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    rng = random.Random(f"goals:{seed}")
    summary = GoalsDemoSummary()
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    actor = Actor(user=admin, channel=AuditChannel.COMMAND)
    now = timezone.now()
    with transaction.atomic():
        if Goal.objects.exists():
            raise ValueError("The demo goals go into a database without goals.")
        annual = _periods(today.year, today, actor)
        summary.periods = Period.objects.count()
        _load_library(actor)
        if not ScorecardTemplate.objects.exists():
            _templates(actor)
        strategy, by_department = _plan_goals(annual, admin, now)
        summary.strategy = len(strategy)
        summary.department_goals = sum(len(g) for g in by_department.values())
        agreed = _scorecards(
            period=annual,
            by_department=by_department,
            rng=rng,
            now=now,
            goals_per_person=goals_per_person,
            summary=summary,
        )
    _adjustments(agreed[:: max(1, len(agreed) // 6)][:6], rng, summary)
    summary.seconds = time.perf_counter() - started
    return summary


def run_demo_step(seed: int) -> str:
    if not Employee.objects.exists() or Goal.objects.exists():
        return "Goals: nothing to do."
    return seed_goals_demo(seed=seed).line()


__all__ = ["GoalsDemoSummary", "run_demo_step", "seed_goals_demo"]
