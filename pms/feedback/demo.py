"""Feedback for the demo company: recognition (some on the praise wall) and constructive
feedback between colleagues, requests, observations by managers (most talked about within
24 hours, some late, some still open or overdue), and anonymous upward feedback to the
demo manager — enough for the summary to show.

A fixed number of items whatever the company's size, written through the services; the
same seed gives the same feedback."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.org.models import CURRENT_STATUSES, Employee

from . import services
from .anonymity import anonymity_min
from .models import Feedback, FeedbackKind, ObservationKind

RECOGNITION = (
    ("季度客户回访会上", "主动整理了客户的12条改进建议并逐条回复", "客户当场续签了明年的框架协议"),
    ("新产品上线周", "连续三天协助测试团队复现线上问题", "上线比计划提前两天完成"),
    ("部门周会", "把复杂的数据分析讲得清楚易懂", "大家很快就下一步方案达成一致"),
    ("跨部门项目", "及时同步进度并提前提示风险", "避免了一次交付延期"),
)
CONSTRUCTIVE = (
    ("周一的客户提案会", "报价单中有两处数字与合同不一致", "客户对我们的专业性提出了疑问"),
    ("项目评审会", "没有提前准备材料，现场临时查找数据", "会议延长了40分钟"),
    ("月度复盘", "只讲了结果，没有分析未达成的原因", "团队无法据此调整下月计划"),
)
SUGGESTIONS = ("下次可以提前一天请同事交叉检查", "继续保持！", "建议会前准备一页纸摘要")
UPWARD = (
    (FeedbackKind.RECOGNITION, "每周一对一沟通很有帮助，问题能及时得到支持"),
    (FeedbackKind.CONSTRUCTIVE, "任务安排有时变化太快，希望提前说明优先级"),
    (FeedbackKind.RECOGNITION, "遇到客户投诉时总是第一时间站出来"),
    (FeedbackKind.CONSTRUCTIVE, "希望复盘会上多给具体的改进建议"),
)
OBSERVED = (
    (ObservationKind.EXCELLENT, "在客户现场快速解决了系统故障，客户非常满意"),
    (ObservationKind.PROBLEM, "今天的投标文件晚交了两小时"),
    (ObservationKind.EXCELLENT, "主动带新同事熟悉了CRM系统"),
    (ObservationKind.PROBLEM, "周报中的回款数据与财务口径不一致"),
)


@dataclass
class FeedbackDemoSummary:
    feedback: int = 0
    public: int = 0
    anonymous: int = 0
    requests: int = 0
    observations: int = 0

    def line(self) -> str:
        return (
            f"Feedback: {self.feedback} items ({self.public} on the praise wall, "
            f"{self.anonymous} anonymous upward), {self.requests} requests, "
            f"{self.observations} observations."
        )


def _actor(person: Employee) -> Actor:
    return Actor(user=person.user, channel=AuditChannel.COMMAND)


def _people() -> list[Employee]:
    return list(
        Employee.objects.filter(status__in=CURRENT_STATUSES, user__isnull=False)
        .select_related("department", "user", "manager")
        .order_by("id")[:400]
    )


def _demo_manager(people: list[Employee]) -> Employee | None:
    """The demo "manager" login if it has enough reports, else the manager with most."""
    k = anonymity_min()
    reports: dict[int, list[Employee]] = {}
    for person in people:
        if person.manager_id is not None:
            reports.setdefault(person.manager_id, []).append(person)
    candidates = [m for m in people if len(reports.get(m.pk, [])) >= k]
    named = [m for m in candidates if m.user is not None and m.user.username == "manager"]
    if named:
        return named[0]
    return max(candidates, key=lambda m: (len(reports[m.pk]), -m.pk), default=None)


def seed_feedback_demo(*, seed: int = 1, now: dt.datetime | None = None) -> FeedbackDemoSummary:
    now = now or timezone.now()
    rng = random.Random(f"feedback:{seed}")  # noqa: S311 (reproducible demo data per seed)
    summary = FeedbackDemoSummary()
    people = _people()
    if len(people) < 4:
        return summary
    with transaction.atomic():
        # recognition and constructive feedback between colleagues, over the last 60 days
        for n in range(min(60, len(people) * 2)):
            giver, receiver = rng.sample(people, 2)
            constructive = n % 3 == 2
            situation, behaviour, impact = rng.choice(CONSTRUCTIVE if constructive else RECOGNITION)
            public = not constructive and n % 2 == 0
            item = services.feedback_give(
                actor=_actor(giver),
                giver=giver,
                receiver=receiver,
                kind=FeedbackKind.CONSTRUCTIVE if constructive else FeedbackKind.RECOGNITION,
                situation=situation,
                behaviour=behaviour,
                impact=impact,
                suggestion=rng.choice(SUGGESTIONS),
                public=public,
            )
            when = now - dt.timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
            Feedback.objects.filter(pk=item.pk).update(created_at=when, updated_at=when)
            summary.feedback += 1
            summary.public += int(public)
        # requests: some answered, one declined, the rest open
        for n in range(min(12, len(people))):
            requester, asked = rng.sample(people, 2)
            request = services.feedback_request_create(
                actor=_actor(requester),
                requester=requester,
                asked=asked,
                about=rng.choice(("上周提交的季度经营分析报告", "新客户开发方案", "培训课件初稿")),
            )
            summary.requests += 1
            if n % 3 == 0:
                services.feedback_request_answer(
                    actor=_actor(asked),
                    request=request,
                    kind=FeedbackKind.RECOGNITION,
                    situation="阅读了你的材料",
                    behaviour="结构清晰、数据翔实",
                    impact="可以直接用于管理层汇报",
                    suggestion="结论部分可以再精炼一些",
                )
                summary.feedback += 1
            elif n % 5 == 1:
                services.feedback_request_decline(
                    actor=_actor(asked),
                    request=request,
                    reason="不了解这项工作，建议请直接上级评价",
                )
        manager = _demo_manager(people)
        if manager is not None:
            _observations(rng, manager, people, now, summary)
            _anonymous_upward(manager, people, summary)
    services.anonymous_release(now)
    return summary


def _observations(
    rng: random.Random,
    manager: Employee,
    people: list[Employee],
    now: dt.datetime,
    summary: FeedbackDemoSummary,
) -> None:
    """Observations by the demo manager and a few others: met, late, overdue and open."""
    reports_by_manager: dict[int, list[Employee]] = {}
    for person in people:
        if person.manager_id is not None:
            reports_by_manager.setdefault(person.manager_id, []).append(person)
    others = [m for m in people if m.pk != manager.pk and m.pk in reports_by_manager][:3]
    for boss in [manager, *others]:
        reports = reports_by_manager[boss.pk]
        for n in range(min(10, len(reports) * 3)):
            report = reports[n % len(reports)]
            kind, what = OBSERVED[n % len(OBSERVED)]
            observed = now - dt.timedelta(days=n * 2 + 2, hours=rng.randint(0, 8))
            if n == 0:
                observed = now - dt.timedelta(hours=3)  # still within its 24 hours
            observation = services.observation_record(
                actor=_actor(boss),
                manager=boss,
                report=report,
                kind=kind,
                what=what,
                observed_at=observed,
            )
            summary.observations += 1
            if n in (0, 3):
                continue  # open, and one overdue
            late = n % 4 == 1
            talked = observed + dt.timedelta(hours=30 if late else rng.randint(1, 20))
            if n % 2 == 0:
                services.observation_talk(
                    actor=_actor(boss),
                    observation=observation,
                    note="当面沟通并确认了改进措施",
                    talked_at=talked,
                )
            else:
                item = services.feedback_give(
                    actor=_actor(boss),
                    giver=boss,
                    receiver=report,
                    kind=(
                        FeedbackKind.RECOGNITION
                        if kind == ObservationKind.EXCELLENT
                        else FeedbackKind.CONSTRUCTIVE
                    ),
                    situation=what,
                    behaviour=what,
                    impact="影响到客户体验" if kind == ObservationKind.PROBLEM else "客户给予表扬",
                    observation=observation,
                )
                # the conversation took place when the demo says, not when the demo ran
                type(observation).objects.filter(pk=observation.pk).update(talked_at=talked)
                Feedback.objects.filter(pk=item.pk).update(created_at=talked, updated_at=talked)
                summary.feedback += 1


def _anonymous_upward(
    manager: Employee, people: list[Employee], summary: FeedbackDemoSummary
) -> None:
    reports = [p for p in people if p.manager_id == manager.pk][: len(UPWARD)]
    for person, (kind, text) in zip(reports, UPWARD, strict=False):
        services.feedback_give(
            actor=_actor(person),
            giver=person,
            receiver=manager,
            kind=kind,
            behaviour=text,
            impact="团队的工作节奏受到影响" if kind == FeedbackKind.CONSTRUCTIVE else "",
            anonymous=True,
        )
        summary.anonymous += 1


def run_demo_step(seed: int) -> str:
    if not Employee.objects.exists() or Feedback.objects.exists():
        return "Feedback: nothing to do."
    return seed_feedback_demo(seed=seed).line()


__all__ = ["FeedbackDemoSummary", "run_demo_step", "seed_feedback_demo"]
