"""The demo company's calibration: the finished quarterly cycle is calibrated in one
session before its results are released (``pms.reviews.demo`` runs this step while the
cycle is in its calibration phase).

HR facilitates; the head of sales sits as a department head, the committee member as a
committee member, the CEO observes. A few grades move with reasons a committee would
give, potential is rated for most people (the nine-box), and the session closes — with
the reason written down where the distribution stays off target.
"""

from __future__ import annotations

import random

from django.core.exceptions import ValidationError

from pms.accounts.models import User
from pms.calibration.models import CalibrationEntry, MemberRole
from pms.calibration.services.entries import entry_change
from pms.calibration.services.sessions import (
    member_add,
    session_close,
    session_create,
    session_open,
)
from pms.core.audit import Actor
from pms.org.models import Department
from pms.reviews.models import Cycle

UP_REASONS = (
    "跨部门项目贡献未体现在指标中，委员会一致同意上调",
    "季度末签下重点客户，对标同级表现更突出",
)
DOWN_REASONS = (
    "与同级横向比较，业绩完成质量偏弱，下调一档",
    "自评与上级评差距大，复核证据后按上级意见调整",
)
POTENTIAL_REASON = "校准会评估潜力"
CLOSE_REASON = "样本人数较少，部分等级未达目标比例，经委员会确认后关闭"
BETTER = {"A": "S", "B": "A", "C": "B", "D": "C"}
WORSE = {"S": "A", "A": "B", "B": "C", "C": "D"}


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def run_calibration_demo(cycle: Cycle, hr: Actor, _rng: random.Random) -> str:
    """Calibrate ``cycle`` (in its calibration phase) in one session; a summary line.

    Draws from its own generator, seeded by the cycle, so that the reviews demo's draws
    after this step stay what they were."""
    rng = random.Random(f"calibration:{cycle.name}")  # noqa: S311  (demo data)
    if cycle.calibration_sessions.exists() or hr.user is None:
        return ""
    root = Department.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        return ""
    session = session_create(
        actor=hr,
        cycle=cycle,
        name=f"{cycle.name} 全公司校准会",
        departments=[root],
        subtree=True,
        role_family=None,
        facilitator=hr.user,
        allowed_departments=[root],
        note="对照强制分布比例，逐部门复核上级评价结果",
    )
    for username, role in (
        ("head", MemberRole.HEAD),
        ("committee", MemberRole.COMMITTEE),
        ("ceo", MemberRole.OBSERVER),
        ("hrbp", MemberRole.HRBP),
    ):
        user = _user(username)
        if user is not None:
            member_add(actor=hr, session=session, user=user, role=role)
    try:
        report = session_open(actor=hr, session=session)
    except ValidationError:
        session.delete()
        return ""
    entries = list(
        CalibrationEntry.objects.filter(session=session, score__isnull=False).order_by("pk")
    )
    moved = 0
    ups = [e for e in entries if e.grade in BETTER]
    downs = [e for e in entries if e.grade in WORSE]
    for entry, reason in zip(rng.sample(ups, min(2, len(ups))), UP_REASONS, strict=False):
        entry_change(actor=hr, entry=entry, grade=BETTER[entry.grade], reason=reason)
        moved += 1
    taken = {e.pk for e in ups}
    downs = [e for e in downs if e.pk not in taken]
    for entry, reason in zip(rng.sample(downs, min(2, len(downs))), DOWN_REASONS, strict=False):
        entry_change(actor=hr, entry=entry, grade=WORSE[entry.grade], reason=reason)
        moved += 1
    rated = 0
    for entry in CalibrationEntry.objects.filter(session=session).order_by("pk"):
        if rng.random() < 0.8:
            potential = rng.choices(("low", "mid", "high"), weights=(2, 5, 3))[0]
            entry_change(actor=hr, entry=entry, potential=potential, reason=POTENTIAL_REASON)
            rated += 1
    try:
        session_close(actor=hr, session=session)
    except ValidationError:
        session_close(actor=hr, session=session, reason=CLOSE_REASON)
    return (
        f"Calibration: {session.name} with {report.added} people, {moved} grades moved, "
        f"potential rated for {rated}; closed."
    )
