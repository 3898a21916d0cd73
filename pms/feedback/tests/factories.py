"""Factories for feedback, made through the services the way users reach them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from pms.core.audit import Actor
from pms.feedback import services
from pms.feedback.models import Feedback, FeedbackRequest, Observation
from pms.org.models import Employee


def actor(person: Employee) -> Actor:
    return Actor(user=person.user)


def give(giver: Employee, receiver: Employee, **fields: Any) -> Feedback:
    fields.setdefault("kind", "recognition")
    fields.setdefault("situation", "客户回访会")
    fields.setdefault("behaviour", "主动整理客户建议")
    fields.setdefault("impact", "客户续签")
    return services.feedback_give(actor=actor(giver), giver=giver, receiver=receiver, **fields)


def anonymous(giver: Employee, manager: Employee, text: str = "希望提前说明优先级") -> Feedback:
    return services.feedback_give(
        actor=actor(giver),
        giver=giver,
        receiver=manager,
        kind="constructive",
        behaviour=text,
        impact="节奏被打乱",
        anonymous=True,
    )


def ask(requester: Employee, asked: Employee, about: str = "季度经营分析报告") -> FeedbackRequest:
    return services.feedback_request_create(
        actor=actor(requester), requester=requester, asked=asked, about=about
    )


def observe(
    manager: Employee,
    report: Employee,
    *,
    observed_at: dt.datetime | None = None,
    kind: str = "excellent",
) -> Observation:
    return services.observation_record(
        actor=actor(manager),
        manager=manager,
        report=report,
        kind=kind,
        what="客户现场快速解决故障",
        observed_at=observed_at or timezone.now(),
    )
