"""Check-ins and coaching for the demo company: cadences by role family, this window's
check-ins for everyone (the scheduler's own bulk job), and for a sample of people (the demo
"employee" login first) a past check-in that was held — preparation with notes per goal,
the manager's comments and minutes, obstacles diagnosed (an external one with a resource
request to another department, an internal one with a coaching plan and dated milestones)
and action items, some done, some open.

Everything but the bulk scheduling goes through the services, so statuses, history and
audit rows are as users would leave them. The same seed gives the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from pms.accounts.models import User
from pms.coaching.cadence import previous_windows
from pms.coaching.models import FREQUENCY_MONTHS, CheckIn, Frequency, ObstacleCategory
from pms.coaching.selectors import current_scorecard
from pms.coaching.services import cadence as cadence_services
from pms.coaching.services import checkins as checkin_services
from pms.coaching.services import obstacles as obstacle_services
from pms.coaching.services import plans as plan_services
from pms.coaching.services.cadence import effective_rules
from pms.coaching.services.scheduling import schedule_checkins
from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.goals.models import AGREED_SCORECARD, Goal
from pms.org.models import CURRENT_STATUSES, Department, Employee, RoleFamily

SAMPLE = 24  # people with a past check-in; bounded whatever the company's size

CADENCES = {"sales": Frequency.MONTHLY, "service": Frequency.MONTHLY, "rnd": Frequency.QUARTERLY}

EXTERNAL = (
    (ObstacleCategory.SUPPLIER, "核心供应商交付延迟三周，影响项目进度", "请采购部协调备用供应商"),
    (ObstacleCategory.COMPETITOR, "竞品降价15%，重点客户压价", "请市场部提供竞品分析和促销支持"),
    (ObstacleCategory.POLICY, "行业监管政策调整，部分订单暂缓", "请法务部解读新规对合同的影响"),
    (ObstacleCategory.MARKET, "区域市场需求下滑，新增线索减少", "请市场部增加本区域的线索投放"),
)
INTERNAL = (
    (
        ObstacleCategory.SKILLS,
        "客户需求挖掘不够深入，方案命中率低",
        "客户需求挖掘",
        "2周内掌握客户需求挖掘技巧",
    ),
    (
        ObstacleCategory.EFFICIENCY,
        "任务排期不合理，执行效率低",
        "时间管理与任务拆解",
        "1个月内建立周计划并按时完成90%",
    ),
    (
        ObstacleCategory.SKILLS,
        "新产品知识不足，演示时回答不了技术问题",
        "新产品技术要点",
        "3周内通过新产品知识考试",
    ),
)
IMPROVEMENTS = (
    "每周复盘一次重点客户进展，提前识别风险",
    "把大任务拆成周目标，周五自查完成情况",
    "向资深同事请教，每两周做一次案例分享",
)
DATA_COMMENTS = (
    "本期完成率低于进度要求，主要差距在新客户开发",
    "核心指标按进度推进，回款率略低于目标",
    "整体进度良好，个别任务有延期风险",
)
OBSERVATIONS = (
    "沟通积极，但跟进节奏偏慢",
    "主动承担难点工作，团队协作好",
    "执行力强，需要加强计划性",
)


@dataclass
class CoachingDemoSummary:
    cadences: int = 0
    scheduled: int = 0
    held: int = 0
    obstacles: int = 0
    resource_requests: int = 0
    plans: int = 0
    action_items: int = 0

    def line(self) -> str:
        return (
            f"Coaching: {self.cadences} cadences, {self.scheduled} check-ins scheduled, "
            f"{self.held} past check-ins held with {self.obstacles} obstacles, "
            f"{self.resource_requests} resource requests, {self.plans} coaching plans, "
            f"{self.action_items} action items."
        )


def _actor(user: User | None) -> Actor:
    return Actor(user=user, channel=AuditChannel.COMMAND)


def _sample(rng: random.Random) -> list[Employee]:
    """The demo "employee" login, then people with an account, a manager with an account and
    an agreed scorecard."""
    people = Employee.objects.filter(
        status__in=CURRENT_STATUSES, user__isnull=False, manager__user__isnull=False
    ).select_related("user", "manager__user", "department", "position")
    first = list(people.filter(user__username="employee")[:1])
    ids = list(
        people.filter(scorecards__status__in=AGREED_SCORECARD)
        .exclude(user__username="employee")
        .order_by("id")
        .values_list("id", flat=True)
        .distinct()[:2000]
    )
    chosen = sorted(rng.sample(ids, min(len(ids), SAMPLE - len(first))))
    return first + list(people.filter(id__in=chosen).order_by("id"))


def _other_department(
    person: Employee, departments: list[Department], rng: random.Random
) -> Department:
    others = [d for d in departments if d.pk != person.department_id]
    return rng.choice(others or departments)


def _past_checkin(
    person: Employee,
    *,
    today: dt.date,
    index: int,
    rng: random.Random,
    departments: list[Department],
    summary: CoachingDemoSummary,
) -> None:
    manager = person.manager
    assert manager is not None  # noqa: S101 (the sample has managers)
    me, boss = _actor(person.user), _actor(manager.user)
    family = person.position.role_family_id if person.position else None
    rules = effective_rules()
    months = FREQUENCY_MONTHS[Frequency(rules.for_family(family).frequency)]
    window = previous_windows(today, months, 1)[0]
    if CheckIn.objects.filter(employee=person, due_date=window.due_date).exists():
        return
    checkin = checkin_services.checkin_create(
        actor=boss,
        employee=person,
        due_date=window.due_date,
        period_start=window.start,
        scheduled_at=timezone.make_aware(
            dt.datetime.combine(window.due_date - dt.timedelta(days=1), dt.time(15, 0))
        ),
    )
    card = current_scorecard(person, window.end)
    goals: list[Goal] = []
    if card is not None:
        goals = list(Goal.objects.filter(scorecard=card, is_active=True).order_by("sort_order"))
    notes = [
        (g, rng.choice(("按计划推进", "进度偏慢，已有补救计划", "本月重点突破"))) for g in goals
    ]
    checkin_services.checkin_prepare(
        actor=me, checkin=checkin, notes=notes, improvement_plan=rng.choice(IMPROVEMENTS)
    )
    checkin_services.checkin_manager_update(
        actor=boss,
        checkin=checkin,
        data_comment=rng.choice(DATA_COMMENTS),
        observation=rng.choice(OBSERVATIONS),
        minutes="1. 回顾各目标进度\n2. 分析障碍并确定支持措施\n3. 约定下次复盘时间",
        scheduled_at=checkin.scheduled_at,
    )
    goal = goals[0] if goals else None
    category, problem, need = EXTERNAL[index % len(EXTERNAL)]
    external = obstacle_services.obstacle_add(
        actor=me,
        checkin=checkin,
        description=problem,
        kind="external",
        category=category,
        goal=goal,
    )
    request = obstacle_services.resource_request_create(
        actor=boss,
        obstacle=external,
        department=_other_department(person, departments, rng),
        need=need,
    )
    summary.obstacles += 1
    summary.resource_requests += 1
    head = request.department.head
    if index % 3 != 2 and head is not None and head.user is not None:
        obstacle_services.resource_request_answer(
            actor=_actor(head.user), request=request, status="accepted", comment="已安排专人对接"
        )
    category, problem, skill, milestone = INTERNAL[index % len(INTERNAL)]
    internal = obstacle_services.obstacle_add(
        actor=boss,
        checkin=checkin,
        description=problem,
        kind="internal",
        category=category,
        goal=goal,
    )
    summary.obstacles += 1
    plan = plan_services.plan_create(
        actor=boss,
        employee=person,
        coach=manager,
        target_skill=skill,
        obstacle=internal,
        actions=[
            ("mentor", "每周与导师一对一辅导30分钟"),
            ("course", "参加内部培训课程"),
            ("practice", "在两个真实客户项目中实践"),
        ],
        milestones=[
            (milestone, window.due_date + dt.timedelta(days=14)),
            ("独立完成一次完整实践并复盘", window.due_date + dt.timedelta(days=45)),
        ],
    )
    summary.plans += 1
    if index % 2 == 0:
        first = plan.milestones.order_by("due_date").first()
        if first is not None:
            plan_services.milestone_tick(actor=me, milestone=first, done=True)
        plan_services.plan_note_add(actor=boss, plan=plan, body="第一阶段进展顺利，继续保持")
    for offset, title, owner in (
        (7, "整理重点客户清单并排出拜访计划", person),
        (21, "协调其他部门资源支持", manager),
    ):
        item = checkin_services.action_item_add(
            actor=boss,
            checkin=checkin,
            title=title,
            owner=owner,
            due_date=window.due_date + dt.timedelta(days=offset),
        )
        summary.action_items += 1
        if offset == 7 and index % 2 == 1:
            checkin_services.action_item_complete(actor=me, item=item, note="已完成")
    held_at = timezone.make_aware(
        dt.datetime.combine(window.due_date - dt.timedelta(days=1), dt.time(16, 0))
    )
    checkin_services.checkin_hold(actor=boss, checkin=checkin, held_at=held_at)
    if index % 3 == 0:
        checkin_services.checkin_close(actor=boss, checkin=checkin)
    summary.held += 1


def seed_coaching_demo(*, seed: int = 1, today: dt.date | None = None) -> CoachingDemoSummary:
    today = today or timezone.localdate()
    rng = random.Random(f"coaching:{seed}")  # noqa: S311 (demo data, not secrets)
    summary = CoachingDemoSummary()
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    with transaction.atomic():
        families = {f.code: f for f in RoleFamily.objects.all()}
        cadence_services.cadence_set(
            actor=_actor(admin), role_family=None, frequency=Frequency.QUARTERLY
        )
        summary.cadences = 1
        for code, frequency in CADENCES.items():
            if code in families:
                cadence_services.cadence_set(
                    actor=_actor(admin), role_family=families[code], frequency=frequency
                )
                summary.cadences += 1
        departments = list(Department.objects.filter(is_active=True).order_by("id")[:200])
        for index, person in enumerate(_sample(rng)):
            _past_checkin(
                person,
                today=today,
                index=index,
                rng=rng,
                departments=departments,
                summary=summary,
            )
        now = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 0)))
        summary.scheduled = schedule_checkins(now, actor=_actor(admin))
    return summary


def run_demo_step(seed: int) -> str:
    if not Employee.objects.exists() or CheckIn.objects.exists():
        return "Coaching: nothing to do."
    return seed_coaching_demo(seed=seed).line()


__all__ = ["CoachingDemoSummary", "run_demo_step", "seed_coaching_demo"]
