"""The working calendar pace by working days reads: public holidays and the weekend days
worked in exchange (调休)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.tracking.models import CalendarDay

FIELDS = ["date", "is_working_day", "name"]


def calendar_day_set(
    *, actor: Actor, date: dt.date, is_working_day: bool, name: str = ""
) -> CalendarDay:
    """Mark a day as a holiday or a make-up working day (replacing what it was)."""
    weekend = date.weekday() >= 5
    if is_working_day and not weekend:
        raise ValidationError(
            {"is_working_day": [_("A weekday is a working day anyway; mark weekend days only.")]}
        )
    if not is_working_day and weekend:
        raise ValidationError({"date": [_("A weekend day is a day off anyway.")]})
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(date=date).first()
        before = snapshot(day, FIELDS) if day is not None else None
        day = day or CalendarDay(date=date)
        day.is_working_day = is_working_day
        day.name = name.strip()
        day.full_clean()
        day.save()
        audit_record(
            actor=actor,
            instance=day,
            action=AuditAction.UPDATE if before else AuditAction.CREATE,
            before=before,
            after=snapshot(day, FIELDS),
        )
    return day


def calendar_day_remove(*, actor: Actor, day: CalendarDay) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor, instance=day, action=AuditAction.DELETE, before=snapshot(day, FIELDS)
        )
        day.delete()
