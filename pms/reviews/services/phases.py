"""A running cycle: moving through its phases, deadlines, one person's exceptions, reminders.

- ``cycle_advance`` closes the open phase and opens the next; the raters whose phase opens
  are told, one message per person however many reviews they owe.
- ``phase_deadline_set`` moves a phase's dates.
- ``phase_extend_for`` opens, extends or reopens a phase for one review until a day, with a
  reason (``PhaseExtension``): that person's raters of that phase may answer meanwhile.
- ``review_remove`` / ``review_restore`` take a person out of the cycle and back, with a
  reason; their ratings are kept (a removed review accepts no answers and is not counted).
- ``review_add`` brings a person into a running cycle with a reason, with the ratings a
  launch would have given them.
- ``cycle_close`` ends a cycle in its results phase.
- ``ratings_remind`` reminds raters who still owe ratings: one message per rater, at most
  one reminder a day per rating, nothing in it about anybody's answers.

Who may do what is checked by the callers through ``pms.reviews.access``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pms.accounts.models import User
from pms.comms.notify import notify
from pms.core.audit import Actor, audit_record, json_value
from pms.core.models import AuditAction
from pms.org.models import CURRENT_STATUSES, Employee
from pms.reviews import events, phase_hooks
from pms.reviews.models import (
    OPEN_RATING,
    Cycle,
    CyclePhase,
    CycleStatus,
    Phase,
    PhaseExtension,
    PhaseStatus,
    Rating,
    Review,
    ReviewStatus,
)
from pms.reviews.phases import next_phase
from pms.reviews.selectors.monitor import RATER_PHASES, actionable_q, types_of
from pms.reviews.services.cycles import check_deadlines, cycle_phase_dates, deadline_field
from pms.reviews.services.launch import (
    BATCH_SIZE,
    make_reviews,
    notify_participants,
    phases_ensure,
)
from pms.reviews.services.participation import template_choice

MAX_REASON = 500
REMIND_EVERY = dt.timedelta(days=1)


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": [_("Give the reason.")]})
    if len(text) > MAX_REASON:
        raise ValidationError(
            {"reason": [_("Keep the reason under %(max)s characters.") % {"max": MAX_REASON}]}
        )
    return text


def _running(cycle: Cycle) -> None:
    if cycle.status != CycleStatus.RUNNING:
        raise ValidationError(_("This cycle is not running."))


def _todo_url() -> str:
    """Where a rater finds what they owe (the raters' to-do list)."""
    return reverse("reviews:my_ratings")


def _day(value: dt.date | None) -> str:
    return date_format(value, "Y-m-d") if value is not None else _("no deadline")


# --- telling raters ---------------------------------------------------------------------------


def notify_raters(
    ratings: QuerySet[Rating],
    *,
    event: str,
    params: dict[str, str | int | float],
    url: str,
    key: str,
) -> int:
    """One message per rater of ``ratings`` with the number of reviews they owe
    (``count``). One grouped query, then one ``notify`` per distinct count."""
    rows = (
        ratings.filter(rater__user__isnull=False, rater__status__in=CURRENT_STATUSES)
        .values("rater__user_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_count: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        by_count[row["n"]].append(row["rater__user_id"])
    sent = 0
    for count, user_ids in sorted(by_count.items()):
        for start in range(0, len(user_ids), BATCH_SIZE):
            users = list(User.objects.filter(pk__in=user_ids[start : start + BATCH_SIZE]))
            sent += notify(
                event=event,
                recipients=users,
                params={**params, "count": count},
                url=url,
                key=key,
            )
    return sent


def _open_in_phase(cycle: Cycle, phase: str) -> QuerySet[Rating]:
    return Rating.objects.filter(
        review__cycle=cycle,
        review__status=ReviewStatus.ACTIVE,
        rater_type__in=types_of(phase),
        status__in=OPEN_RATING,
    )


# --- phases -----------------------------------------------------------------------------------


def _results_after_phase(actor: Actor, cycle: Cycle, closed: str) -> None:
    """Results follow the phases: once the peer and upward phase has passed, the anonymous
    answers count, so the whole cycle is recomputed; when the manager phase closes, the
    results are frozen with a snapshot of the values they used."""
    from pms.reviews.services import recompute

    if recompute.recompute_running(cycle):
        return
    if closed == Phase.PEER:
        recompute.recompute_start(actor=actor, cycle=cycle, reason="")
    elif closed == Phase.MANAGER and not recompute.cycle_has_frozen_results(cycle):
        recompute.results_freeze(actor=actor, cycle=cycle, reason="")


def cycle_advance(*, actor: Actor, cycle: Cycle) -> Cycle:
    """Close the open phase and open the next one."""
    now = timezone.now()
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        _running(locked)
        following = next_phase(locked.phase)
        if following is None:
            raise ValidationError(_("This is the last phase; close the cycle instead."))
        phases_ensure(locked)
        before = locked.phase
        phase_hooks.run_guards(locked, before, following)
        CyclePhase.objects.filter(cycle=locked, phase=before).update(
            status=PhaseStatus.CLOSED, closed_at=now, updated_at=now
        )
        CyclePhase.objects.filter(cycle=locked, phase=following).update(
            status=PhaseStatus.OPEN, opened_at=now, closed_at=None, updated_at=now
        )
        locked.phase = following
        locked.save(update_fields=["phase", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={"phase": before},
            after={"phase": following},
        )
        _results_after_phase(actor, locked, before)
        phase_hooks.run_opened(actor, locked, following)
        if following in RATER_PHASES:
            # one message per rater: for a large cycle that is many, sent by the worker
            cycle_id = locked.pk

            def enqueue() -> None:
                from pms.reviews.tasks import notify_phase_opened

                notify_phase_opened.enqueue(cycle_id, following)

            transaction.on_commit(enqueue)
    cycle.refresh_from_db()
    return cycle


def phase_opened_notify(*, cycle_id: int, phase: str) -> int:
    """Tell the raters who owe ratings of ``phase`` that it is open (the background part of
    ``cycle_advance``). Nothing once the cycle has moved on; nothing twice (keyed)."""
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is None or cycle.status != CycleStatus.RUNNING or cycle.phase != phase:
        return 0
    deadline = (
        CyclePhase.objects.filter(cycle=cycle, phase=phase)
        .values_list("deadline", flat=True)
        .first()
    )
    return notify_raters(
        _open_in_phase(cycle, phase),
        event=events.PHASE_OPENED,
        params={"cycle": cycle.name, "phase": str(Phase(phase).label), "deadline": _day(deadline)},
        url=_todo_url(),
        key=f"cycle:{cycle.uuid}:phase:{phase}",
    )


def phase_deadline_set(
    *,
    actor: Actor,
    cycle: Cycle,
    phase: str,
    opens_on: dt.date | None,
    deadline: dt.date | None,
    reason: str = "",
) -> CyclePhase:
    """Move a phase's dates (a draft or running cycle)."""
    if phase not in Phase.values:
        raise ValidationError({"phase": [_("Choose a phase.")]})
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.status == CycleStatus.CLOSED:
            raise ValidationError(_("This cycle is closed."))
        phases_ensure(locked)
        dates = cycle_phase_dates(locked)
        dates[phase] = (opens_on, deadline)
        errors = check_deadlines(dates)
        if errors:
            message = errors.get(deadline_field(phase)) or next(iter(errors.values()))
            raise ValidationError({"deadline": message})
        row = CyclePhase.objects.get(cycle=locked, phase=phase)
        before = {"opens_on": json_value(row.opens_on), "deadline": json_value(row.deadline)}
        row.opens_on, row.deadline = opens_on, deadline
        row.save(update_fields=["opens_on", "deadline", "updated_at"])
        after = {"opens_on": json_value(opens_on), "deadline": json_value(deadline)}
        if after != before:
            audit_record(
                actor=actor,
                instance=row,
                action=AuditAction.UPDATE,
                before=before,
                after=after,
                reason=(reason or "").strip(),
            )
    return row


def phase_extend_for(
    *,
    actor: Actor,
    review: Review,
    phase: str,
    until: dt.date,
    reason: str,
    today: dt.date | None = None,
) -> PhaseExtension:
    """Open (or keep open, or reopen) ``phase`` for one review until ``until``."""
    today = today or timezone.localdate()
    text = _reason(reason)
    if phase not in RATER_PHASES:
        raise ValidationError(
            {"phase": [_("Choose the self, peer and upward, or manager review.")]}
        )
    if until is None or until < today:
        raise ValidationError({"until": [_("Choose a day from today on.")]})
    if actor.user is None:
        raise ValueError("a phase is opened for a person by somebody")
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=review.cycle_id)
        _running(cycle)
        if Review.objects.filter(pk=review.pk, status=ReviewStatus.REMOVED).exists():
            raise ValidationError(_("This person has been removed from the cycle."))
        extension = PhaseExtension.objects.create(
            review=review, phase=phase, until=until, reason=text, granted_by=actor.user
        )
        audit_record(
            actor=actor,
            instance=extension,
            action=AuditAction.CREATE,
            after={"review": str(review), "phase": phase, "until": until.isoformat()},
            reason=text,
        )
        notify_raters(
            Rating.objects.filter(
                review=review, rater_type__in=types_of(phase), status__in=OPEN_RATING
            ),
            event=events.PHASE_EXTENDED,
            params={
                "cycle": cycle.name,
                "phase": str(Phase(phase).label),
                "until": _day(until),
            },
            url=_todo_url(),
            key=f"extension:{extension.uuid}",
        )
    return extension


# --- people -----------------------------------------------------------------------------------


def _set_review_status(
    *, actor: Actor, review: Review, status: str, reason: str, expect: tuple[str, ...]
) -> Review:
    text = _reason(reason)
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=review.cycle_id)
        _running(cycle)
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.status not in expect:
            if status == ReviewStatus.REMOVED:
                raise ValidationError(_("This person has already been removed from the cycle."))
            raise ValidationError(_("This person has not been removed from the cycle."))
        before = {"status": locked.status, "note": locked.note}
        locked.status = status
        locked.note = text
        locked.save(update_fields=["status", "note", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before=before,
            after={"status": status, "note": text},
            reason=text,
        )
    review.refresh_from_db()
    return review


def review_remove(*, actor: Actor, review: Review, reason: str) -> Review:
    return _set_review_status(
        actor=actor,
        review=review,
        status=ReviewStatus.REMOVED,
        reason=reason,
        expect=(ReviewStatus.ACTIVE, ReviewStatus.COMPLETE),
    )


def review_restore(*, actor: Actor, review: Review, reason: str) -> Review:
    return _set_review_status(
        actor=actor,
        review=review,
        status=ReviewStatus.ACTIVE,
        reason=reason,
        expect=(ReviewStatus.REMOVED,),
    )


def review_add(*, actor: Actor, cycle: Cycle, employee: Employee, reason: str) -> Review:
    """Bring one person into a running cycle, with the template and raters a launch gives."""
    text = _reason(reason)
    if employee.status not in CURRENT_STATUSES:
        raise ValidationError({"employee": [_("Only current employees can take part.")]})
    with transaction.atomic():
        locked = (
            Cycle.objects.select_for_update(of=("self",))
            .select_related("default_template")
            .get(pk=cycle.pk)
        )
        _running(locked)
        existing = Review.objects.filter(cycle=locked, employee=employee).first()
        if existing is not None:
            if existing.status == ReviewStatus.REMOVED:
                raise ValidationError(
                    {"employee": [_("This person was removed from the cycle; put them back.")]}
                )
            raise ValidationError({"employee": [_("This person already takes part.")]})
        choice = template_choice(locked)
        position = employee.position
        template = choice.for_person(
            employee.position_id, position.role_family_id if position is not None else None
        )
        if template is None:
            raise ValidationError(
                {
                    "employee": [
                        _(
                            "No template fits this person: link one to their position or role "
                            "family, or give the cycle a default template."
                        )
                    ]
                }
            )
        make_reviews(locked, [employee.pk], choice, note=text)
        locked.exclude.remove(employee)
        locked.include.add(employee)
        review = Review.objects.select_related("template").get(cycle=locked, employee=employee)
        audit_record(
            actor=actor,
            instance=review,
            action=AuditAction.CREATE,
            after={
                "cycle": locked.name,
                "employee": str(employee),
                "template": str(review.template),
                "ratings": review.ratings.count(),
            },
            reason=text,
        )
        notify_participants(locked, Review.objects.filter(pk=review.pk).values("employee_id"))
        if locked.phase in RATER_PHASES:
            notify_raters(
                _open_in_phase(locked, locked.phase).filter(review=review),
                event=events.PHASE_OPENED,
                params={
                    "cycle": locked.name,
                    "phase": str(Phase(locked.phase).label),
                    "deadline": _day(
                        CyclePhase.objects.filter(cycle=locked, phase=locked.phase)
                        .values_list("deadline", flat=True)
                        .first()
                    ),
                },
                url=_todo_url(),
                key=f"review:{review.uuid}:phase:{locked.phase}",
            )
    return review


def cycle_close(*, actor: Actor, cycle: Cycle, reason: str = "") -> Cycle:
    """End a cycle once it has reached its results phase."""
    now = timezone.now()
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        _running(locked)
        if locked.phase != Phase.RESULTS:
            raise ValidationError(
                _("A cycle closes in its results phase; move it on to results first.")
            )
        CyclePhase.objects.filter(cycle=locked).exclude(status=PhaseStatus.CLOSED).update(
            status=PhaseStatus.CLOSED, closed_at=now, updated_at=now
        )
        locked.status = CycleStatus.CLOSED
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.CLOSE,
            before={"status": CycleStatus.RUNNING},
            after={"status": CycleStatus.CLOSED},
            reason=(reason or "").strip(),
        )
    cycle.refresh_from_db()
    return cycle


# --- reminders --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminded:
    raters: int
    ratings: int


def ratings_remind(
    *,
    actor: Actor,
    cycle: Cycle,
    ratings: QuerySet[Rating],
    now: dt.datetime | None = None,
) -> Reminded:
    """Remind the raters of ``ratings`` (the caller's selection, within its scope) that
    they still owe ratings they may fill in now. A rating reminded in the last 24 hours is
    left out; each rater gets one message with the number of reviews they owe."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        _running(locked)
        due = ratings.filter(review__cycle=locked).filter(actionable_q(locked, today))
        due = due.exclude(reminded_at__gt=now - REMIND_EVERY)
        count = due.count()
        if not count:
            return Reminded(raters=0, ratings=0)
        raters = due.values("rater_id").distinct().count()
        Rating.objects.filter(pk__in=due.values("pk")).update(reminded_at=now, updated_at=now)
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.REMIND,
            after={"raters": raters, "ratings": count},
        )
        # the ratings reminded are those stamped ``now``: the worker writes to their raters
        cycle_id, stamp = locked.pk, now.isoformat()

        def enqueue() -> None:
            from pms.reviews.tasks import send_reminders

            send_reminders.enqueue(cycle_id, stamp)

        transaction.on_commit(enqueue)
    return Reminded(raters=raters, ratings=count)


def reminders_send(*, cycle_id: int, reminded_at: dt.datetime) -> int:
    """Write to the raters of the ratings ``ratings_remind`` stamped ``reminded_at``: one
    message per rater with their count (the background part; keyed by day, so never
    twice)."""
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is None:
        return 0
    return notify_raters(
        Rating.objects.filter(review__cycle=cycle, reminded_at=reminded_at),
        event=events.RATINGS_REMINDER,
        params={"cycle": cycle.name},
        url=_todo_url(),
        key=f"remind:{cycle.uuid}:{timezone.localdate(reminded_at).isoformat()}",
    )


__all__ = [
    "Reminded",
    "cycle_advance",
    "cycle_close",
    "notify_raters",
    "phase_deadline_set",
    "phase_extend_for",
    "phase_opened_notify",
    "ratings_remind",
    "reminders_send",
    "review_add",
    "review_remove",
    "review_restore",
]
