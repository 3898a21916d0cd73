"""Reminders to those behind with their scorecards (HR's status board).

Who is reminded depends on where the scorecard waits: the person while it is a draft,
returned or lacks their signature; the manager while it is submitted or lacks the
manager's signature; both when the person has no scorecard at all. Each recipient gets
one e-mail listing everything that waits for them, sent through Django's mail API once
the transaction commits. A scorecard (or a person without one) reminded today is not
reminded again the same day, so a second click changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_bulk, build_entry
from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import Period, Scorecard, ScorecardStatus, Signature, SignerRole
from pms.org.models import CURRENT_STATUSES, Employee

__all__ = ["RemindResult", "people_remind", "scorecards_remind"]


@dataclass
class RemindResult:
    reminded: int = 0  # scorecards (or people without one) reminded now
    emails: int = 0  # e-mails sent
    already_today: int = 0  # skipped: reminded earlier today
    no_address: int = 0  # skipped: nobody to write to has an e-mail address


@dataclass
class _Letter:
    """One e-mail to one recipient, listing what waits for them."""

    address: str
    name: str
    lines: list[str] = field(default_factory=list)


def _start_of_today() -> dt.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def _address(person: Employee | None) -> str:
    if person is None:
        return ""
    if person.email:
        return person.email
    user = person.user
    return user.email if user is not None else ""


def _add(letters: dict[str, _Letter], person: Employee | None, line: str) -> bool:
    address = _address(person)
    if not address or person is None:
        return False
    letter = letters.setdefault(address, _Letter(address=address, name=person.name))
    letter.lines.append(line)
    return True


def _send(letters: Iterable[_Letter], subject: str) -> int:
    messages = []
    for letter in letters:
        body = "\n".join(
            [
                _("Hello %(name)s,") % {"name": letter.name},
                "",
                *(f"- {line}" for line in letter.lines),
            ]
        )
        messages.append(EmailMessage(subject=subject, body=body, to=[letter.address]))
    if messages:
        connection = get_connection()
        transaction.on_commit(lambda: connection.send_messages(messages))
    return len(messages)


def _signed_roles(cards: list[Scorecard]) -> dict[int, set[str]]:
    roles: dict[int, set[str]] = {card.pk: set() for card in cards}
    versions = {card.pk: card.version for card in cards}
    rows = Signature.objects.filter(scorecard__in=cards).values_list(
        "scorecard_id", "version", "role"
    )
    for card_id, version, role in rows:
        if versions[card_id] == version:
            roles[card_id].add(role)
    return roles


@transaction.atomic
def scorecards_remind(
    *, actor: Actor, scorecards: Iterable[Scorecard], base_url: str = ""
) -> RemindResult:
    """Remind whoever each scorecard waits for; signed scorecards wait for nobody."""
    ids = [card.pk for card in scorecards]
    cards = list(
        Scorecard.objects.filter(pk__in=ids)
        .exclude(status=ScorecardStatus.SIGNED)
        .select_related("employee__user", "employee__manager__user", "period")
        .order_by("pk")
    )
    result = RemindResult()
    today = _start_of_today()
    signed = _signed_roles(cards)
    letters: dict[str, _Letter] = {}
    reminded: list[tuple[Scorecard, list[str]]] = []
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Goals waiting for you")
        for card in cards:
            if card.reminded_at is not None and card.reminded_at >= today:
                result.already_today += 1
                continue
            person, manager = card.employee, card.employee.manager
            link = base_url + reverse("goals:scorecard", args=[card.uuid])
            names = {"name": person.name, "period": card.period.name}
            to: list[str] = []
            if card.status in (ScorecardStatus.DRAFT, ScorecardStatus.RETURNED):
                line = _("Your scorecard for %(period)s is not submitted yet: %(link)s")
                if _add(letters, person, line % {**names, "link": link}):
                    to.append(person.number)
            elif card.status == ScorecardStatus.SUBMITTED:
                line = _("The scorecard of %(name)s for %(period)s awaits your approval: %(link)s")
                if _add(letters, manager, line % {**names, "link": link}):
                    to.append(manager.number if manager else "")
            elif card.status == ScorecardStatus.APPROVED:
                if SignerRole.EMPLOYEE not in signed[card.pk]:
                    line = _(
                        "Please sign your target responsibility letter for %(period)s: %(link)s"
                    )
                    if _add(letters, person, line % {**names, "link": link}):
                        to.append(person.number)
                if SignerRole.MANAGER not in signed[card.pk]:
                    line = _(
                        "Please sign the target responsibility letter of %(name)s for "
                        "%(period)s: %(link)s"
                    )
                    if _add(letters, manager, line % {**names, "link": link}):
                        to.append(manager.number if manager else "")
            if not to:
                result.no_address += 1
                continue
            reminded.append((card, to))
        result.emails = _send(letters.values(), subject)
    if reminded:
        now = timezone.now()
        Scorecard.objects.filter(pk__in=[card.pk for card, _to in reminded]).update(reminded_at=now)
        audit_bulk(
            build_entry(
                actor=actor,
                instance=card,
                action=AuditAction.REMIND,
                after={"status": card.status, "to": to},
            )
            for card, to in reminded
        )
    result.reminded = len(reminded)
    return result


@transaction.atomic
def people_remind(
    *, actor: Actor, employees: Iterable[Employee], period: Period, base_url: str = ""
) -> RemindResult:
    """Remind people who have no scorecard for ``period`` yet, and their managers. People
    with a scorecard are left to ``scorecards_remind``; people who left are skipped."""
    ids = [person.pk for person in employees]
    people = list(
        Employee.objects.filter(pk__in=ids, status__in=CURRENT_STATUSES)
        .exclude(scorecards__period=period)
        .select_related("user", "manager__user")
        .order_by("pk")
    )
    result = RemindResult()
    done_today = set(
        AuditEntry.objects.filter(
            Q(object_type=Employee._meta.label_lower)
            & Q(object_id__in=[str(p.pk) for p in people])
            & Q(action=AuditAction.REMIND)
            & Q(at__gte=_start_of_today())
            & Q(after__period=str(period.uuid))
        ).values_list("object_id", flat=True)
    )
    letters: dict[str, _Letter] = {}
    reminded: list[tuple[Employee, list[str]]] = []
    my_goals = base_url + reverse("goals:my") + f"?period={period.uuid}"
    team = base_url + reverse("goals:team") + f"?period={period.uuid}"
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Goals waiting for you")
        for person in people:
            if str(person.pk) in done_today:
                result.already_today += 1
                continue
            names = {"name": person.name, "period": period.name}
            to: list[str] = []
            line = _("You have no scorecard for %(period)s yet; please start one: %(link)s")
            if _add(letters, person, line % {**names, "link": my_goals}):
                to.append(person.number)
            manager = person.manager
            line = _("%(name)s has no scorecard for %(period)s yet: %(link)s")
            if _add(letters, manager, line % {**names, "link": team}):
                to.append(manager.number if manager else "")
            if not to:
                result.no_address += 1
                continue
            reminded.append((person, to))
        result.emails = _send(letters.values(), subject)
    audit_bulk(
        build_entry(
            actor=actor,
            instance=person,
            action=AuditAction.REMIND,
            after={"period": str(period.uuid), "period_name": period.name, "to": to},
        )
        for person, to in reminded
    )
    result.reminded = len(reminded)
    return result


@transaction.atomic
def behind_remind(
    *,
    actor: Actor,
    period: Period,
    people: Iterable[Employee],
    base_url: str = "",
) -> RemindResult:
    """Remind a selection of people behind on goal setting: those with a scorecard about
    what it waits for, those without one (``card_status`` None on the status board's
    rows) to start it. One result for both."""
    people = list(people)
    without = [p for p in people if getattr(p, "card_status", None) is None]
    with_card = Scorecard.objects.filter(
        period=period,
        employee_id__in=[p.pk for p in people if getattr(p, "card_status", None) is not None],
    )
    first = scorecards_remind(actor=actor, scorecards=with_card, base_url=base_url)
    second = people_remind(actor=actor, employees=without, period=period, base_url=base_url)
    return RemindResult(
        reminded=first.reminded + second.reminded,
        emails=first.emails + second.emails,
        already_today=first.already_today + second.already_today,
        no_address=first.no_address + second.no_address,
    )
