"""Appeals (申诉) against published results.

- ``appeal_file``: the person, within the window, with reasons and evidence (a link and/or
  a file of at most 10 MB of a known type). One open appeal per result; a decided appeal
  is final. The result's confirmation becomes "appealed". The appeal goes to an HR
  handler straight away (``default_handler``: an HRBP whose scope covers the department
  most closely, then company-wide HR; never the person or one of their managers; among
  equals the one with fewest open appeals) and is due ``appeal_sla_days`` later.
- ``appeal_assign``: HR who may handle it gives it to another such handler.
- ``appeal_take_up``: the handler starts on it ("being handled").
- ``appeal_decide``: upheld, or adjusted with a new score and/or grade, always with the
  reasons; an adjustment flows into the result (``result_change_apply``). The person is
  told the outcome.
- ``appeal_withdraw``: the person takes back an open appeal; the result waits for
  confirmation again.

Who may do what is checked by the callers through ``pms.outcomes.access``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pms.accounts.models import User
from pms.comms.notify import notify
from pms.core.audit import Actor, audit_record, json_value
from pms.core.models import AuditAction
from pms.org.models import GrantedRole, RoleGrant
from pms.outcomes import access, events
from pms.outcomes.models import (
    OPEN_APPEAL,
    AckStatus,
    Appeal,
    AppealStatus,
    PerformanceResult,
    ResultSource,
)
from pms.outcomes.services.results import (
    check_new_values,
    coefficient_table,
    outcome_settings,
    result_change_apply,
)
from pms.scoring.decimals import plain

MAX_REASONS = 5000
MAX_LINK = 200
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "xlsx", "xls", "csv", "docx", "doc", "txt")
# the first bytes of the types that have a signature; text files have none
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "xlsx": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
    "xls": (b"\xd0\xcf\x11\xe0",),
    "doc": (b"\xd0\xcf\x11\xe0",),
}
DECIDED = (AppealStatus.UPHELD, AppealStatus.ADJUSTED)


def _text(name: str, value: str, *, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({name: [_("Fill this in.")]})
    if len(text) > limit:
        raise ValidationError({name: [_("Keep this under %(max)s characters.") % {"max": limit}]})
    return text


def check_evidence_link(link: str) -> str:
    text = (link or "").strip()
    if not text:
        return ""
    if len(text) > MAX_LINK:
        raise ValidationError(
            {"evidence_link": [_("Keep the link under %(max)s characters.") % {"max": MAX_LINK}]}
        )
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        raise ValidationError(
            {"evidence_link": [_("Enter a web address (http or https).")]}
        ) from None
    return text


def check_evidence_file(upload: UploadedFile[bytes] | None) -> UploadedFile[bytes] | None:
    """At most 10 MB, of a known type, whose first bytes agree with its name."""
    if upload is None:
        return None
    if upload.size is not None and upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence_file": [_("The file is larger than 10 MB.")]})
    extension = PurePath(upload.name or "").suffix.lower().lstrip(".")
    if extension not in EVIDENCE_EXTENSIONS:
        raise ValidationError(
            {
                "evidence_file": [
                    _("Attach a file of one of these types: %(types)s.")
                    % {"types": ", ".join(EVIDENCE_EXTENSIONS)}
                ]
            }
        )
    signatures = _SIGNATURES.get(extension)
    if signatures:
        upload.seek(0)
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(s) for s in signatures):
            raise ValidationError(
                {"evidence_file": [_("The file's content is not what its name says.")]}
            )
    return upload


def _day(value: dt.date) -> str:
    return date_format(value, "Y-m-d")


def default_handler(result: PerformanceResult) -> User | None:
    """The HR user an appeal goes to first (see the module's docstring)."""
    candidates = list(access.appeal_handlers(result))
    if not candidates:
        return None
    path = result.department.path
    scopes: dict[int, int] = {}
    for user_id, scope in RoleGrant.objects.filter(
        role=GrantedRole.HR_ADMIN,
        user__in=candidates,
        departments__is_active=True,
    ).values_list("user_id", "departments__path"):
        if scope and path.startswith(scope):
            scopes[user_id] = max(scopes.get(user_id, 0), len(scope))
    open_counts = dict(
        Appeal.objects.filter(handler__in=candidates, status__in=OPEN_APPEAL)
        .values("handler_id")
        .annotate(n=Count("pk"))
        .values_list("handler_id", "n")
    )
    return min(
        candidates,
        key=lambda u: (-scopes.get(u.pk, 0), open_counts.get(u.pk, 0), u.username),
    )


def _tell_handler(appeal: Appeal) -> None:
    if appeal.handler is None:
        return
    notify(
        event=events.APPEAL_ASSIGNED,
        recipients=[appeal.handler],
        params={"cycle": appeal.result.cycle.name, "due": _day(appeal.due_on)},
        url=reverse("outcomes:appeal", args=[appeal.uuid]),
        key=f"appeal:{appeal.uuid}:handler:{appeal.handler_id}",
    )


def _locked_appeal(appeal: Appeal) -> Appeal:
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("result__employee__user", "result__cycle", "result__department", "handler")
        .get(pk=appeal.pk)
    )


def appeal_file(
    *,
    actor: Actor,
    result: PerformanceResult,
    reasons: str,
    evidence_link: str = "",
    evidence_file: UploadedFile[bytes] | None = None,
    today: dt.date | None = None,
) -> Appeal:
    today = today or timezone.localdate()
    text = _text("reasons", reasons, limit=MAX_REASONS)
    link = check_evidence_link(evidence_link)
    upload = check_evidence_file(evidence_file)
    if actor.user is None:
        raise ValueError("an appeal is filed by its person")
    settings = outcome_settings()
    with transaction.atomic():
        locked = (
            PerformanceResult.objects.select_for_update(of=("self",))
            .select_related("cycle__release", "employee", "department", "review")
            .get(pk=result.pk)
        )
        until = access.appeal_until(locked)
        if until is None or today > until:
            raise ValidationError(_("The time to appeal this result is over."))
        if locked.ack_status == AckStatus.CONFIRMED:
            raise ValidationError(_("You confirmed this result, so it can no longer be appealed."))
        if locked.appeals.filter(status__in=OPEN_APPEAL).exists():
            raise ValidationError(_("An appeal against this result is open already."))
        if locked.appeals.filter(status__in=DECIDED).exists():
            raise ValidationError(_("An appeal against this result has been decided already."))
        appeal = Appeal(
            result=locked,
            filed_by=actor.user,
            reasons=text,
            evidence_link=link,
            handler=default_handler(locked),
            due_on=today + dt.timedelta(days=settings.appeal_sla_days),
        )
        if upload is not None:
            appeal.evidence_file.save(upload.name or "evidence", upload, save=False)
        appeal.save()
        before_ack = locked.ack_status
        locked.ack_status = AckStatus.APPEALED
        locked.save(update_fields=["ack_status", "updated_at"])
        audit_record(
            actor=actor,
            instance=appeal,
            action=AuditAction.SUBMIT,
            after={
                "result": str(locked),
                "evidence_link": link,
                "evidence_file": appeal.evidence_file.name or "",
                "handler": str(appeal.handler or ""),
                "due_on": json_value(appeal.due_on),
            },
        )
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={"ack_status": before_ack},
            after={"ack_status": AckStatus.APPEALED},
        )
        _tell_handler(appeal)
    return appeal


def appeal_withdraw(*, actor: Actor, appeal: Appeal) -> Appeal:
    with transaction.atomic():
        locked = _locked_appeal(appeal)
        if locked.status not in OPEN_APPEAL:
            raise ValidationError(_("Only an open appeal can be withdrawn."))
        before = locked.status
        locked.status = AppealStatus.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        result = PerformanceResult.objects.select_for_update().get(pk=locked.result_id)
        if result.ack_status == AckStatus.APPEALED:
            result.ack_status = AckStatus.PENDING
            result.save(update_fields=["ack_status", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.WITHDRAW,
            before={"status": before},
            after={"status": AppealStatus.WITHDRAWN, "ack_status": result.ack_status},
        )
    return locked


def appeal_assign(*, actor: Actor, appeal: Appeal, handler: User | None) -> Appeal:
    """Give an open appeal to ``handler``, one of ``access.appeal_handlers``."""
    with transaction.atomic():
        locked = _locked_appeal(appeal)
        if locked.status not in OPEN_APPEAL:
            raise ValidationError(_("This appeal is closed."))
        result = PerformanceResult.objects.select_related("employee", "department", "review").get(
            pk=locked.result_id
        )
        if handler is None or not access.appeal_handlers(result).filter(pk=handler.pk).exists():
            raise ValidationError(
                {
                    "handler": [
                        _(
                            "Choose HR who covers the person's department and is not one of "
                            "their managers."
                        )
                    ]
                }
            )
        if locked.handler_id == handler.pk:
            return locked
        before = str(locked.handler or "")
        locked.handler = handler
        locked.save(update_fields=["handler", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={"handler": before},
            after={"handler": str(handler)},
        )
        _tell_handler(locked)
    return locked


def appeal_take_up(*, actor: Actor, appeal: Appeal) -> Appeal:
    with transaction.atomic():
        locked = _locked_appeal(appeal)
        if locked.status != AppealStatus.FILED:
            raise ValidationError(_("This appeal is not waiting to be taken up."))
        locked.status = AppealStatus.IN_REVIEW
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={"status": AppealStatus.FILED},
            after={"status": AppealStatus.IN_REVIEW},
        )
    return locked


class Outcome:
    UPHELD = AppealStatus.UPHELD
    ADJUSTED = AppealStatus.ADJUSTED


def appeal_decide(
    *,
    actor: Actor,
    appeal: Appeal,
    outcome: str,
    decision: str,
    new_score: Decimal | None = None,
    new_grade: str = "",
) -> Appeal:
    """Decide an open appeal: ``Outcome.UPHELD`` keeps the result, ``Outcome.ADJUSTED``
    changes its score and/or grade. ``decision`` (the reasons) is always needed."""
    if outcome not in (Outcome.UPHELD, Outcome.ADJUSTED):
        raise ValidationError({"outcome": [_("Choose whether the result stands or changes.")]})
    text = _text("decision", decision, limit=MAX_REASONS)
    now = timezone.now()
    table = coefficient_table()
    with transaction.atomic():
        locked = _locked_appeal(appeal)
        if locked.status not in OPEN_APPEAL:
            raise ValidationError(_("This appeal is closed."))
        result = (
            PerformanceResult.objects.select_for_update(of=("self",))
            .select_related("employee", "cycle")
            .get(pk=locked.result_id)
        )
        fields = ["status", "decision", "decided_at", "updated_at"]
        if outcome == Outcome.ADJUSTED:
            if new_score is None and not (new_grade or "").strip():
                raise ValidationError(_("Give the new score, the new grade, or both."))
            score, grade = check_new_values(
                result,
                score=new_score,
                grade=new_grade,
                table=table,
                score_field="new_score",
                grade_field="new_grade",
            )
            result_change_apply(
                actor=actor,
                result=result,
                source=ResultSource.APPEAL,
                score=score,
                grade=grade,
                reason=text[:500],
            )
            locked.new_score, locked.new_grade = score, grade
            fields += ["new_score", "new_grade"]
        before = locked.status
        locked.status = outcome
        locked.decision = text
        locked.decided_at = now
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.APPROVE if outcome == Outcome.ADJUSTED else AuditAction.REJECT,
            before={"status": before},
            after={
                "status": outcome,
                "new_score": json_value(locked.new_score),
                "new_grade": locked.new_grade,
            },
            reason=text[:500],
        )
        user = result.employee.user
        if user is not None:
            params: dict[str, str | int | float] = {"cycle": result.cycle.name, "decision": text}
            if outcome == Outcome.ADJUSTED:
                params |= {
                    "grade": result.grade or "—",
                    "score": plain(result.score) if result.score is not None else "—",
                }
            notify(
                event=events.APPEAL_ADJUSTED
                if outcome == Outcome.ADJUSTED
                else events.APPEAL_UPHELD,
                recipients=[user],
                params=params,
                url=reverse("outcomes:appeal", args=[locked.uuid]),
                key=f"appeal:{locked.uuid}:decided",
            )
    return locked


__all__ = [
    "EVIDENCE_EXTENSIONS",
    "EVIDENCE_MAX_BYTES",
    "Outcome",
    "appeal_assign",
    "appeal_decide",
    "appeal_file",
    "appeal_take_up",
    "appeal_withdraw",
    "check_evidence_file",
    "check_evidence_link",
    "default_handler",
]
