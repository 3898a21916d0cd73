"""Every write about feedback: giving it, asking for it, answering or declining a request,
observations and the conversations about them, and the two periodic jobs.

Who may do what is checked by the callers through ``pms.feedback.access``; the services
keep the invariants that hold whoever calls (no self-feedback, SBI fields by kind,
anonymity only upward, one anonymous item per person, manager and quarter…).

Anonymous items are written without an actor: no audit entry is made at the time (see
``anonymous_release``), no notification names anybody, and the ``Actor`` passed in is used
only to find the author's employee record for the anonymity token, never stored.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.accounts.models import User
from pms.comms.notify import notify
from pms.core.audit import Actor, audit_bulk, audit_record, build_entry, snapshot
from pms.core.models import AuditAction
from pms.goals.models import Goal, GoalLevel
from pms.org.models import Employee

from . import events
from .access import is_upward
from .anonymity import anonymity_min, author_token, released_count, window_of, window_start
from .models import (
    Feedback,
    FeedbackKind,
    FeedbackRequest,
    Observation,
    ObservationKind,
    RequestStatus,
)

FEEDBACK_AUDIT_FIELDS = (
    "giver",
    "receiver",
    "kind",
    "situation",
    "behaviour",
    "impact",
    "suggestion",
    "goal",
    "public",
    "upward",
)
# what the audit log keeps of an anonymous item: nothing that could point at its author
ANONYMOUS_AUDIT_FIELDS = ("receiver", "kind", "window")
REQUEST_AUDIT_FIELDS = ("requester", "asked", "about", "goal", "due_date", "status")
OBSERVATION_AUDIT_FIELDS = ("manager", "report", "kind", "what", "observed_at", "talked_at")

MAX_TEXT = 4000
CONVERSATION_WINDOW = dt.timedelta(hours=24)
# a clock a little ahead on the phone is not "the future"
CLOCK_SLACK = dt.timedelta(minutes=5)


def _text(value: str) -> str:
    return (value or "").strip()


def _check_lengths(errors: dict[str, list[str]], **texts: str) -> None:
    for name, value in texts.items():
        if len(value) > MAX_TEXT:
            errors.setdefault(name, []).append(
                _("Keep this under %(max)d characters.") % {"max": MAX_TEXT}
            )


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _user_of(person: Employee) -> list[User]:
    return [person.user] if person.user is not None and person.user.is_active else []


# --- feedback ----------------------------------------------------------------------------


def _check_feedback(
    *,
    giver: Employee,
    receiver: Employee,
    kind: str,
    situation: str,
    behaviour: str,
    impact: str,
    suggestion: str,
    goal: Goal | None,
    public: bool,
    anonymous: bool,
    observation: Observation | None,
    request: FeedbackRequest | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if giver.pk == receiver.pk:
        errors.setdefault("receiver", []).append(_("You cannot give feedback to yourself."))
    elif not receiver.is_current:
        errors.setdefault("receiver", []).append(_("This person no longer works here."))
    if kind not in FeedbackKind.values:
        errors.setdefault("kind", []).append(_("Choose recognition or constructive feedback."))
    if not behaviour:
        errors.setdefault("behaviour", []).append(_("Describe the behaviour you saw."))
    if kind == FeedbackKind.CONSTRUCTIVE and not impact:
        errors.setdefault("impact", []).append(
            _("Constructive feedback says what impact the behaviour had.")
        )
    _check_lengths(
        errors, situation=situation, behaviour=behaviour, impact=impact, suggestion=suggestion
    )
    if public and kind != FeedbackKind.RECOGNITION:
        errors.setdefault("public", []).append(
            _("Only recognition can be shown on the praise wall.")
        )
    if anonymous:
        if not is_upward(giver, receiver):
            errors.setdefault("anonymous", []).append(
                _("Only feedback to your own managers can be anonymous.")
            )
        if public:
            errors.setdefault("public", []).append(
                _("Anonymous feedback is never shown on the praise wall.")
            )
        if goal is not None or observation is not None or request is not None:
            errors.setdefault("anonymous", []).append(
                _("Anonymous feedback cannot be linked to a goal, an observation or a request.")
            )
    if goal is not None and (goal.employee_id != receiver.pk or goal.level != GoalLevel.INDIVIDUAL):
        errors.setdefault("goal", []).append(_("Choose one of the receiver's own goals."))
    if observation is not None and (
        observation.manager_id != giver.pk or observation.report_id != receiver.pk
    ):
        errors.setdefault("observation", []).append(_("This observation is about somebody else."))
    if request is not None:
        if request.asked_id != giver.pk or request.requester_id != receiver.pk:
            errors.setdefault("request", []).append(_("This request was made to somebody else."))
        elif request.status != RequestStatus.OPEN:
            errors.setdefault("request", []).append(_("This request is closed already."))
    _raise(errors)


@transaction.atomic
def feedback_give(
    *,
    actor: Actor,
    giver: Employee,
    receiver: Employee,
    kind: str,
    situation: str = "",
    behaviour: str = "",
    impact: str = "",
    suggestion: str = "",
    goal: Goal | None = None,
    public: bool = False,
    anonymous: bool = False,
    observation: Observation | None = None,
    request: FeedbackRequest | None = None,
) -> Feedback:
    """Give feedback. Recognition needs the behaviour; constructive feedback the behaviour
    and its impact. Linked to an observation, it is the conversation the 24-hour rule asks
    for; linked to a request, it answers it. Anonymous feedback (upward only) is stored
    without its author, counted in this quarter's window and neither audited nor announced
    now (see ``anonymous_release``)."""
    situation, behaviour = _text(situation), _text(behaviour)
    impact, suggestion = _text(impact), _text(suggestion)
    _check_feedback(
        giver=giver,
        receiver=receiver,
        kind=kind,
        situation=situation,
        behaviour=behaviour,
        impact=impact,
        suggestion=suggestion,
        goal=goal,
        public=public,
        anonymous=anonymous,
        observation=observation,
        request=request,
    )
    if anonymous:
        return _give_anonymously(
            giver=giver,
            receiver=receiver,
            kind=kind,
            situation=situation,
            behaviour=behaviour,
            impact=impact,
            suggestion=suggestion,
        )
    feedback = Feedback(
        giver=giver,
        receiver=receiver,
        kind=kind,
        situation=situation,
        behaviour=behaviour,
        impact=impact,
        suggestion=suggestion,
        goal=goal,
        public=public,
        upward=is_upward(giver, receiver),
        observation=observation,
        request=request,
    )
    feedback.full_clean()
    feedback.save()
    audit_record(
        actor=actor,
        instance=feedback,
        action=AuditAction.CREATE,
        after=snapshot(feedback, FEEDBACK_AUDIT_FIELDS),
    )
    now = timezone.now()
    if observation is not None and observation.talked_at is None:
        _record_talk(actor=actor, observation=observation, at=max(now, observation.observed_at))
    if request is not None:
        before = snapshot(request, REQUEST_AUDIT_FIELDS)
        request.status = RequestStatus.ANSWERED
        request.closed_at = now
        request.save(update_fields=["status", "closed_at", "updated_at"])
        audit_record(
            actor=actor,
            instance=request,
            action=AuditAction.CLOSE,
            before={"status": before["status"]},
            after={"status": request.status},
        )
    notify(
        event=events.RECEIVED,
        recipients=_user_of(receiver),
        params={"giver": giver.name},
        url=reverse("feedback:detail", args=[feedback.uuid]),
        key=f"feedback:{feedback.uuid}",
    )
    return feedback


def _give_anonymously(
    *,
    giver: Employee,
    receiver: Employee,
    kind: str,
    situation: str,
    behaviour: str,
    impact: str,
    suggestion: str,
) -> Feedback:
    window = window_of(timezone.now())
    token = author_token(author_id=giver.pk, receiver_id=receiver.pk, window=window)
    if Feedback.objects.filter(receiver=receiver, anonymous=True, author_token=token).exists():
        raise ValidationError(
            {
                "anonymous": [
                    _(
                        "You have given this manager anonymous feedback this quarter already; "
                        "give it with your name, or wait for the next quarter."
                    )
                ]
            }
        )
    feedback = Feedback(
        giver=None,
        receiver=receiver,
        kind=kind,
        situation=situation,
        behaviour=behaviour,
        impact=impact,
        suggestion=suggestion,
        upward=True,
        anonymous=True,
        window=window,
        author_token=token,
        audited=False,
    )
    feedback.full_clean(exclude=["author_token"])
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError:
        # two submissions at once: the constraint decides, the message is the same
        raise ValidationError(
            {"anonymous": [_("You have given this manager anonymous feedback this quarter.")]}
        ) from None
    # no time is kept that could be matched to the author's activity
    start = window_start(window)
    Feedback.objects.filter(pk=feedback.pk).update(created_at=start, updated_at=start)
    feedback.created_at = feedback.updated_at = start
    return feedback


# --- requests ----------------------------------------------------------------------------


@transaction.atomic
def feedback_request_create(
    *,
    actor: Actor,
    requester: Employee,
    asked: Employee,
    about: str,
    goal: Goal | None = None,
    due_date: dt.date | None = None,
) -> FeedbackRequest:
    """Ask a colleague for feedback on a piece of work; they are notified."""
    about = _text(about)
    errors: dict[str, list[str]] = {}
    if requester.pk == asked.pk:
        errors.setdefault("asked", []).append(_("Ask somebody else than yourself."))
    elif not asked.is_current:
        errors.setdefault("asked", []).append(_("This person no longer works here."))
    if not about:
        errors.setdefault("about", []).append(_("Say which piece of work you want feedback on."))
    _check_lengths(errors, about=about)
    if goal is not None and goal.employee_id != requester.pk:
        errors.setdefault("goal", []).append(_("Choose one of your own goals."))
    if due_date is not None and due_date < timezone.localdate():
        errors.setdefault("due_date", []).append(_("The date must not be in the past."))
    _raise(errors)
    request = FeedbackRequest(
        requester=requester, asked=asked, about=about, goal=goal, due_date=due_date
    )
    request.full_clean()
    request.save()
    audit_record(
        actor=actor,
        instance=request,
        action=AuditAction.CREATE,
        after=snapshot(request, REQUEST_AUDIT_FIELDS),
    )
    notify(
        event=events.REQUESTED,
        recipients=_user_of(asked),
        params={"requester": requester.name, "about": about[:200]},
        url=reverse("feedback:answer", args=[request.uuid]),
        key=f"request:{request.uuid}",
    )
    return request


def feedback_request_answer(
    *,
    actor: Actor,
    request: FeedbackRequest,
    kind: str,
    situation: str = "",
    behaviour: str = "",
    impact: str = "",
    suggestion: str = "",
    public: bool = False,
) -> Feedback:
    """Answer a request: feedback from the asked person to the requester, about the goal
    the request names."""
    return feedback_give(
        actor=actor,
        giver=request.asked,
        receiver=request.requester,
        kind=kind,
        situation=situation,
        behaviour=behaviour,
        impact=impact,
        suggestion=suggestion,
        goal=request.goal,
        public=public,
        request=request,
    )


@transaction.atomic
def feedback_request_decline(
    *, actor: Actor, request: FeedbackRequest, reason: str = ""
) -> FeedbackRequest:
    reason = _text(reason)
    errors: dict[str, list[str]] = {}
    if request.status != RequestStatus.OPEN:
        errors.setdefault("__all__", []).append(_("This request is closed already."))
    _check_lengths(errors, reason=reason)
    _raise(errors)
    request.status = RequestStatus.DECLINED
    request.decline_reason = reason
    request.closed_at = timezone.now()
    request.full_clean()
    request.save(update_fields=["status", "decline_reason", "closed_at", "updated_at"])
    audit_record(
        actor=actor,
        instance=request,
        action=AuditAction.REJECT,
        before={"status": RequestStatus.OPEN.value},
        after={"status": request.status},
        reason=reason,
    )
    return request


# --- observations and the 24-hour rule ---------------------------------------------------


@transaction.atomic
def observation_record(
    *,
    actor: Actor,
    manager: Employee,
    report: Employee,
    kind: str,
    what: str,
    observed_at: dt.datetime,
) -> Observation:
    """Record what a manager saw; a feedback conversation is due within 24 hours."""
    what = _text(what)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if manager.pk == report.pk:
        errors.setdefault("report", []).append(_("Observations are about somebody else."))
    if kind not in ObservationKind.values:
        errors.setdefault("kind", []).append(_("Choose excellent work or a problem."))
    if not what:
        errors.setdefault("what", []).append(_("Say what happened."))
    _check_lengths(errors, what=what)
    if observed_at > now + CLOCK_SLACK:
        errors.setdefault("observed_at", []).append(_("The time must not be in the future."))
    _raise(errors)
    observation = Observation(
        manager=manager,
        report=report,
        kind=kind,
        what=what,
        observed_at=observed_at,
        due_at=observed_at + CONVERSATION_WINDOW,
    )
    observation.full_clean()
    observation.save()
    audit_record(
        actor=actor,
        instance=observation,
        action=AuditAction.CREATE,
        after=snapshot(observation, OBSERVATION_AUDIT_FIELDS),
    )
    return observation


def _record_talk(
    *, actor: Actor, observation: Observation, at: dt.datetime, note: str = ""
) -> None:
    observation.talked_at = at
    observation.talk_note = note
    observation.full_clean()
    observation.save(update_fields=["talked_at", "talk_note", "updated_at"])
    audit_record(
        actor=actor,
        instance=observation,
        action=AuditAction.CLOSE,
        before={"talked_at": None},
        after={"talked_at": at.isoformat()},
        reason=note,
    )


@transaction.atomic
def observation_talk(
    *, actor: Actor, observation: Observation, note: str, talked_at: dt.datetime | None = None
) -> Observation:
    """Mark "talked about it": the feedback conversation happened, with a note and when."""
    note = _text(note)
    now = timezone.now()
    at = talked_at or now
    errors: dict[str, list[str]] = {}
    if observation.talked_at is not None:
        errors.setdefault("__all__", []).append(_("The conversation is recorded already."))
    if not note:
        errors.setdefault("note", []).append(_("Note what you talked about."))
    _check_lengths(errors, note=note)
    if at > now + CLOCK_SLACK:
        errors.setdefault("talked_at", []).append(_("The time must not be in the future."))
    elif at < observation.observed_at:
        errors.setdefault("talked_at", []).append(
            _("The conversation cannot be before the observation.")
        )
    _raise(errors)
    _record_talk(actor=actor, observation=observation, at=at, note=note)
    return observation


# --- periodic jobs -----------------------------------------------------------------------


def remind_24h(now: dt.datetime) -> int:
    """``feedback.remind_24h``: tell each manager once about every observation whose 24
    hours passed without a conversation. Marked as reminded in the same transaction, so a
    second run (or two at once) reminds nobody again."""
    reminded = 0
    while True:
        with transaction.atomic():
            batch = list(
                Observation.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(talked_at__isnull=True, reminded_at__isnull=True, due_at__lte=now)
                .select_related("manager__user", "report")
                .order_by("due_at", "id")[:500]
            )
            if not batch:
                return reminded
            for observation in batch:
                notify(
                    event=events.OBSERVATION_OVERDUE,
                    recipients=_user_of(observation.manager),
                    params={"report": observation.report.name},
                    url=reverse("feedback:observations"),
                    key=f"observation:{observation.uuid}",
                )
            Observation.objects.filter(pk__in=[o.pk for o in batch]).update(reminded_at=now)
            audit_bulk(
                build_entry(
                    actor=Actor.system(),
                    instance=o,
                    action=AuditAction.REMIND,
                    after={"reminded_at": now.isoformat()},
                )
                for o in batch
            )
            reminded += len(batch)


def anonymous_release(now: dt.datetime) -> int:
    """``feedback.anonymous_release`` (daily): write the audit entries of anonymous items
    received since the last run (system actor, random order, no author), and tell each
    manager once per new complete group of k that anonymous feedback is ready. Returns
    the number of managers notified."""
    with transaction.atomic():
        pending = list(
            Feedback.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(anonymous=True, audited=False)
            .select_related("receiver")
        )
        random.SystemRandom().shuffle(pending)
        audit_bulk(
            build_entry(
                actor=Actor.system(),
                instance=item,
                action=AuditAction.CREATE,
                after=snapshot(item, ANONYMOUS_AUDIT_FIELDS),
            )
            for item in pending
        )
        Feedback.objects.filter(pk__in=[item.pk for item in pending]).update(audited=True)
    return _announce_groups(now)


def _recent_windows(now: dt.datetime) -> list[str]:
    current = window_of(now)
    previous = window_of(window_start(current) - dt.timedelta(days=1))
    return [previous, current]


def _announce_groups(now: dt.datetime) -> int:
    k = anonymity_min()
    counts = (
        Feedback.objects.filter(anonymous=True, window__in=_recent_windows(now))
        .values("receiver", "window")
        .annotate(n=Count("id"))
        .filter(n__gte=k)
        .order_by("receiver", "window")
    )
    ready = [(row["receiver"], row["window"], released_count(row["n"], k)) for row in counts]
    managers = Employee.objects.select_related("user").in_bulk([r for r, _, _ in ready])
    sent = 0
    for receiver_id, window, released in ready:
        manager = managers[receiver_id]
        sent += notify(
            event=events.UPWARD_THRESHOLD,
            recipients=_user_of(manager),
            params={},
            url=reverse("feedback:upward"),
            key=f"upward:{manager.uuid}:{window}:{released}",
        )
    return sent
