"""The performance interview (绩效面谈) and the guides managers hold it with.

- ``interview_schedule`` sets the time and place (one interview per result that is not
  cancelled); the person is told. ``interview_reschedule`` / ``interview_cancel`` while
  it is only scheduled.
- ``interview_record`` is the manager's structured record: achievements, gaps, support
  needed, next period's focus. ``interview_opinion`` is the person's opinion.
- ``interview_sign`` signs for the interviewer or the person; signed by both, the record
  is locked. Changing the record or the opinion takes back the other party's signature:
  a signature covers what was there when it was given.
- ``guide_create`` / ``guide_update`` / ``guide_delete``: HR's talking points, for one
  grade or for all.

Who may do what is checked by the callers through ``pms.outcomes.access``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pms.comms.notify import notify
from pms.core.audit import Actor, audit_record, json_value, snapshot
from pms.core.models import AuditAction
from pms.org.models import Employee
from pms.outcomes import events
from pms.outcomes.models import (
    Interview,
    InterviewGuide,
    InterviewStatus,
    PerformanceResult,
)
from pms.outcomes.services.results import coefficient_table

MAX_PLACE = 200
MAX_TEXT = 5000
RECORD_FIELDS = ("achievements", "gaps", "support_needed", "next_focus")
GUIDE_FIELDS = ("grade", "title", "talking_points")


class Party:
    INTERVIEWER = "interviewer"
    EMPLOYEE = "employee"


def _when(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i")


def _place(place: str) -> str:
    text = (place or "").strip()
    if len(text) > MAX_PLACE:
        raise ValidationError(
            {"place": [_("Keep the place under %(max)s characters.") % {"max": MAX_PLACE}]}
        )
    return text


def _time(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        raise ValidationError({"scheduled_at": [_("Choose the day and time.")]})
    return value


def _locked(interview: Interview) -> Interview:
    return (
        Interview.objects.select_for_update(of=("self",))
        .select_related("result__employee__user", "result__cycle", "interviewer")
        .get(pk=interview.pk)
    )


def _tell_scheduled(interview: Interview) -> None:
    user = interview.result.employee.user
    if user is None:
        return
    notify(
        event=events.INTERVIEW_SCHEDULED,
        recipients=[user],
        params={
            "manager": interview.interviewer.name,
            "cycle": interview.result.cycle.name,
            "when": _when(interview.scheduled_at),
            "place": interview.place or "—",
        },
        url=reverse("outcomes:interview", args=[interview.uuid]),
        key=f"interview:{interview.uuid}:{interview.scheduled_at.isoformat()}",
    )


def interview_schedule(
    *,
    actor: Actor,
    result: PerformanceResult,
    interviewer: Employee,
    scheduled_at: dt.datetime | None,
    place: str = "",
) -> Interview:
    """Set the interview of ``result`` with ``interviewer`` (one of the person's managers)."""
    when = _time(scheduled_at)
    where = _place(place)
    with transaction.atomic():
        locked = PerformanceResult.objects.select_for_update().get(pk=result.pk)
        if locked.interviews.exclude(status=InterviewStatus.CANCELLED).exists():
            raise ValidationError(_("This result already has its interview."))
        interview = Interview.objects.create(
            result=locked, interviewer=interviewer, scheduled_at=when, place=where
        )
        interview = _locked(interview)
        audit_record(
            actor=actor,
            instance=interview,
            action=AuditAction.CREATE,
            after={
                "scheduled_at": json_value(when),
                "place": where,
                "interviewer": str(interviewer),
            },
        )
        _tell_scheduled(interview)
    return interview


def interview_reschedule(
    *, actor: Actor, interview: Interview, scheduled_at: dt.datetime | None, place: str = ""
) -> Interview:
    when = _time(scheduled_at)
    where = _place(place)
    with transaction.atomic():
        locked = _locked(interview)
        if locked.status != InterviewStatus.SCHEDULED:
            raise ValidationError(_("Only an interview that has not been held can be moved."))
        before = {"scheduled_at": json_value(locked.scheduled_at), "place": locked.place}
        if (locked.scheduled_at, locked.place) == (when, where):
            return locked
        locked.scheduled_at, locked.place = when, where
        locked.save(update_fields=["scheduled_at", "place", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before=before,
            after={"scheduled_at": json_value(when), "place": where},
        )
        _tell_scheduled(locked)
    return locked


def interview_cancel(*, actor: Actor, interview: Interview) -> Interview:
    with transaction.atomic():
        locked = _locked(interview)
        if locked.status != InterviewStatus.SCHEDULED:
            raise ValidationError(_("Only an interview that has not been held can be cancelled."))
        locked.status = InterviewStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.CLOSE,
            before={"status": InterviewStatus.SCHEDULED},
            after={"status": InterviewStatus.CANCELLED},
        )
    return locked


def _long_text(name: str, value: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({name: [_("Fill this in.")]})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {name: [_("Keep this under %(max)s characters.") % {"max": MAX_TEXT}]}
        )
    return text


def interview_record(
    *,
    actor: Actor,
    interview: Interview,
    achievements: str,
    gaps: str,
    support_needed: str,
    next_focus: str,
) -> Interview:
    """The interviewer's record. Achievements, gaps and next period's focus are needed;
    support needed may be empty."""
    values = {
        "achievements": _long_text("achievements", achievements, required=True),
        "gaps": _long_text("gaps", gaps, required=True),
        "support_needed": _long_text("support_needed", support_needed, required=False),
        "next_focus": _long_text("next_focus", next_focus, required=True),
    }
    with transaction.atomic():
        locked = _locked(interview)
        if locked.status not in (InterviewStatus.SCHEDULED, InterviewStatus.RECORDED):
            raise ValidationError(_("This interview record is signed by both and locked."))
        before = snapshot(locked, RECORD_FIELDS)
        first = locked.status == InterviewStatus.SCHEDULED
        if not first and before == values:
            return locked
        for name, value in values.items():
            setattr(locked, name, value)
        fields = [*RECORD_FIELDS, "status", "updated_at"]
        if locked.employee_signed_at is not None:
            locked.employee_signed_at = None  # the person signed another text
            fields.append("employee_signed_at")
        locked.status = InterviewStatus.RECORDED
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={**before, "status": InterviewStatus.SCHEDULED} if first else before,
            after={**values, "status": InterviewStatus.RECORDED},
        )
        user = locked.result.employee.user
        if first and user is not None:
            notify(
                event=events.INTERVIEW_RECORDED,
                recipients=[user],
                params={"manager": locked.interviewer.name, "cycle": locked.result.cycle.name},
                url=reverse("outcomes:interview", args=[locked.uuid]),
                key=f"interview:{locked.uuid}:recorded",
            )
    return locked


def interview_opinion(*, actor: Actor, interview: Interview, opinion: str) -> Interview:
    """The person's opinion on the record."""
    text = _long_text("employee_opinion", opinion, required=True)
    with transaction.atomic():
        locked = _locked(interview)
        if locked.status != InterviewStatus.RECORDED:
            raise ValidationError(
                _("Your opinion is added once the record is written and until both have signed.")
            )
        if locked.employee_opinion == text:
            return locked
        before = {"employee_opinion": locked.employee_opinion}
        locked.employee_opinion = text
        fields = ["employee_opinion", "updated_at"]
        if locked.interviewer_signed_at is not None:
            locked.interviewer_signed_at = None  # the manager signed another text
            fields.append("interviewer_signed_at")
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before=before,
            after={"employee_opinion": text},
        )
    return locked


def interview_sign(*, actor: Actor, interview: Interview, party: str) -> Interview:
    """Sign the record as ``party`` (``Party.INTERVIEWER`` or ``Party.EMPLOYEE``)."""
    if party not in (Party.INTERVIEWER, Party.EMPLOYEE):
        raise ValueError(party)
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(interview)
        if locked.status != InterviewStatus.RECORDED:
            raise ValidationError(_("Only a written record that is not locked can be signed."))
        name = f"{party}_signed_at"
        if getattr(locked, name) is not None:
            raise ValidationError(_("You have signed this record already."))
        setattr(locked, name, now)
        fields = [name, "updated_at"]
        if locked.interviewer_signed_at is not None and locked.employee_signed_at is not None:
            locked.status = InterviewStatus.SIGNED
            fields.append("status")
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.SIGN,
            after={"party": party, "status": locked.status},
        )
    return locked


# --- guides --------------------------------------------------------------------------------


def _guide_values(grade: str, title: str, talking_points: str) -> dict[str, str]:
    grade = (grade or "").strip()
    table = coefficient_table()
    if grade and grade not in table:
        raise ValidationError(
            {"grade": [_("Choose one of the grades %(grades)s.") % {"grades": ", ".join(table)}]}
        )
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("Give the guide a title.")]})
    if len(title) > 100:
        raise ValidationError(
            {"title": [_("Keep the title under %(max)s characters.") % {"max": 100}]}
        )
    return {
        "grade": grade,
        "title": title,
        "talking_points": _long_text("talking_points", talking_points, required=True),
    }


def guide_create(*, actor: Actor, grade: str, title: str, talking_points: str) -> InterviewGuide:
    values = _guide_values(grade, title, talking_points)
    with transaction.atomic():
        guide = InterviewGuide.objects.create(**values)
        audit_record(actor=actor, instance=guide, action=AuditAction.CREATE, after=values)
    return guide


def guide_update(
    *, actor: Actor, guide: InterviewGuide, grade: str, title: str, talking_points: str
) -> InterviewGuide:
    values = _guide_values(grade, title, talking_points)
    with transaction.atomic():
        locked = InterviewGuide.objects.select_for_update().get(pk=guide.pk)
        before = snapshot(locked, GUIDE_FIELDS)
        if before == values:
            return locked
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*GUIDE_FIELDS, "updated_at"])
        audit_record(
            actor=actor, instance=locked, action=AuditAction.UPDATE, before=before, after=values
        )
    return locked


def guide_delete(*, actor: Actor, guide: InterviewGuide) -> None:
    with transaction.atomic():
        locked = InterviewGuide.objects.select_for_update().get(pk=guide.pk)
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.DELETE,
            before=snapshot(locked, GUIDE_FIELDS),
        )
        locked.delete()


__all__ = [
    "Party",
    "guide_create",
    "guide_delete",
    "guide_update",
    "interview_cancel",
    "interview_opinion",
    "interview_record",
    "interview_reschedule",
    "interview_schedule",
    "interview_sign",
]
