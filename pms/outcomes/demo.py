"""The demo company's results: the finished quarterly cycle's results are published as its
results phase opens (``pms.reviews.demo`` runs this step then, before closing the cycle).

Most people confirm; two appeal — one is upheld, one is still with HR; a few managers hold
their performance interviews, one of them signed by both; the people graded D get an
improvement plan (started and signed) and two people write a development plan, submit
it, and their manager agrees it. Everything goes through the services, as a user would.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.utils import timezone

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.outcomes.models import AckStatus, PerformanceResult, ResultRelease
from pms.outcomes.services.appeals import Outcome, appeal_decide, appeal_file, appeal_take_up
from pms.outcomes.services.idp import ActionInput, idp_agree, idp_create, idp_submit
from pms.outcomes.services.interviews import (
    Party,
    interview_opinion,
    interview_record,
    interview_schedule,
    interview_sign,
)
from pms.outcomes.services.pip import (
    GoalInput,
    pip_create,
    pip_sign,
    pip_start,
)
from pms.outcomes.services.results import result_confirm
from pms.reviews.models import Cycle

APPEAL_REASONS = (
    "本季度承接的两个临时项目没有纳入指标，业绩结果偏低，附项目周报为证。",
    "上级评价中“团队协作”为C，但本季度我牵头完成了跨部门交付，希望复核。",
)
UPHELD = "复核了项目周报与指标口径，临时项目已在关键任务中体现，维持原结果。"
INTERVIEW = {
    "achievements": "完成季度核心指标，重点客户回款提前两周。",
    "gaps": "新客户开拓数量不足，周报质量不稳定。",
    "support_needed": "希望参加大客户谈判培训，需要售前支持。",
    "next_focus": "下季度聚焦两家重点新客户的签约。",
}
OPINION = "认可评价结果，会按计划改进。"
PIP_REASON = "本季度绩效等级为D，销售额与回款均未达到岗位基本要求。"
PIP_GOALS = (
    GoalInput("月度销售额达到目标的80%", "每月财务确认的销售额"),
    GoalInput("按时提交客户拜访记录", "CRM中每周不少于10条有效拜访"),
)
PIP_TRAINING = "参加《顾问式销售》线上课程（8学时）"
PIP_COACHING = "直属上级每两周一次一对一辅导"


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _actor(user: User | None) -> Actor | None:
    return Actor(user) if user is not None and user.is_active else None


def run_outcomes_demo(cycle: Cycle, hr: Actor, _rng: random.Random) -> str:
    """Confirmations, appeals, interviews and plans on ``cycle``'s published results."""
    rng = random.Random(f"outcomes:{cycle.name}")  # noqa: S311  (demo data)
    results = list(
        PerformanceResult.objects.filter(cycle=cycle)
        .select_related("employee__user", "employee__manager__user", "review")
        .order_by("pk")
    )
    if not results or hr.user is None:
        return ""
    release = ResultRelease.objects.filter(cycle=cycle).first()
    published = release.published_at if release and release.published_at else timezone.now()
    appellants = [r for r in results if r.grade in {"C", "B"} and _actor(r.employee.user)]
    appellants = rng.sample(appellants, min(2, len(appellants)))
    appeals = 0
    for index, result in enumerate(appellants):
        person = _actor(result.employee.user)
        if person is None:
            continue
        try:
            appeal = appeal_file(
                actor=person,
                result=result,
                reasons=APPEAL_REASONS[index],
                today=timezone.localdate(published),
            )
        except ValidationError:
            continue
        appeals += 1
        handler = _actor(appeal.handler) or hr
        if index == 0:
            appeal_take_up(actor=handler, appeal=appeal)
            appeal_decide(actor=handler, appeal=appeal, outcome=Outcome.UPHELD, decision=UPHELD)
    taken = {r.pk for r in appellants}
    confirmed = 0
    for result in results:
        person = _actor(result.employee.user)
        if result.pk in taken or person is None or rng.random() > 0.85:
            continue
        result_confirm(actor=person, result=result, note="")
        confirmed += 1
    interviews = 0
    for result in rng.sample(results, min(5, len(results))):
        manager = result.employee.manager
        boss = _actor(manager.user) if manager is not None else None
        person = _actor(result.employee.user)
        if manager is None or boss is None or person is None:
            continue
        interview = interview_schedule(
            actor=boss,
            result=result,
            interviewer=manager,
            scheduled_at=published + dt.timedelta(days=3, hours=2),
            place="3楼小会议室",
        )
        interviews += 1
        if interviews <= 2:
            interview = interview_record(actor=boss, interview=interview, **INTERVIEW)
            if interviews == 1:
                interview = interview_opinion(actor=person, interview=interview, opinion=OPINION)
                interview = interview_sign(actor=boss, interview=interview, party=Party.INTERVIEWER)
                interview_sign(actor=person, interview=interview, party=Party.EMPLOYEE)
    plans = 0
    for result in [r for r in results if r.grade == "D"][:2]:
        manager = result.employee.manager
        boss = _actor(manager.user) if manager is not None else None
        if boss is None:
            continue
        try:
            plan = pip_create(
                actor=boss,
                employee=result.employee,
                owner=manager,
                trigger="grade",
                reason=PIP_REASON,
                goals=PIP_GOALS,
                result=result,
                start=timezone.localdate(published) + dt.timedelta(days=7),
                training=PIP_TRAINING,
                coaching=PIP_COACHING,
            )
            plan = pip_start(actor=boss, plan=plan)
        except ValidationError:
            continue
        plans += 1
        person = _actor(result.employee.user)
        if person is not None:
            pip_sign(actor=person, plan=plan)
    developing = 0
    for result in [r for r in results if r.grade in {"S", "A"}][:2]:
        person = _actor(result.employee.user)
        manager = result.employee.manager
        boss = _actor(manager.user) if manager is not None else None
        if person is None or boss is None:
            continue
        idp = idp_create(
            actor=person,
            employee=result.employee,
            title="向团队负责人发展",
            aspiration="两年内带领一个5人左右的小组",
            result=result,
            actions=(
                ActionInput(
                    kind="course", goal="完成《新经理的第一课》培训", competency="团队管理"
                ),
                ActionInput(kind="stretch", goal="牵头一个跨部门项目", competency="跨部门协作"),
            ),
        )
        idp = idp_submit(actor=person, plan=idp)
        idp_agree(actor=boss, plan=idp)
        developing += 1
    pending = PerformanceResult.objects.filter(cycle=cycle, ack_status=AckStatus.PENDING).count()
    return (
        f"Results: {len(results)} published, {confirmed} confirmed ({pending} waiting), "
        f"{appeals} appeals, {interviews} interviews, {plans} improvement plans, "
        f"{developing} development plans."
    )
