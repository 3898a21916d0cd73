"""Obstacle diagnosis (问题诊断) and what follows from it: an external obstacle leads to a
resource request to another department or to a goal adjustment (through the goals flow),
an internal one to a coaching plan (``pms.coaching.services.plans``).

Resource requests have their own small state machine, with a history entry per step:

    open ──accept──► accepted ──done──► done
      │                  │
      ├──decline──► declined (with a reason)
      └──done──► done
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.coaching.models import (
    ACTIVE_CHECKIN,
    EXTERNAL_CATEGORIES,
    INTERNAL_CATEGORIES,
    CheckIn,
    CheckInStatus,
    Obstacle,
    ObstacleCategory,
    ObstacleKind,
    ResourceRequest,
    ResourceRequestEntry,
    ResourceStatus,
)
from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.goals.models import Goal, GoalAdjustment, ReasonCategory, ReasonCode
from pms.goals.services import adjustments as adjustment_services
from pms.goals.services.adjustments import ChangeSpec
from pms.org.models import Department

OBSTACLE_AUDIT_FIELDS = ("description", "kind", "category", "goal", "adjustment")
REQUEST_AUDIT_FIELDS = ("department", "need", "status", "handled_by", "decided_at", "done_at")

# the goal adjustment's reason for each external category
ADJUSTMENT_REASON = {
    ObstacleCategory.POLICY: ReasonCode.POLICY,
    ObstacleCategory.SUPPLIER: ReasonCode.SUPPLIER,
    ObstacleCategory.COMPETITOR: ReasonCode.COMPETITOR,
    ObstacleCategory.MARKET: ReasonCode.MARKET,
    ObstacleCategory.OTHER_EXTERNAL: ReasonCode.OTHER_EXTERNAL,
}
# from → allowed next statuses
TRANSITIONS = {
    ResourceStatus.OPEN: (ResourceStatus.ACCEPTED, ResourceStatus.DECLINED, ResourceStatus.DONE),
    ResourceStatus.ACCEPTED: (ResourceStatus.DONE,),
}


@transaction.atomic
def obstacle_add(
    *,
    actor: Actor,
    checkin: CheckIn,
    description: str,
    kind: str,
    category: str,
    goal: Goal | None = None,
) -> Obstacle:
    """Raise an obstacle in a check-in, classified external or internal."""
    if checkin.status not in ACTIVE_CHECKIN:
        raise ValidationError(_("Obstacles are raised while the check-in is under way."))
    if not description.strip():
        raise ValidationError({"description": _("Describe the obstacle.")})
    if kind not in ObstacleKind.values:
        raise ValidationError({"kind": _("Say whether the cause is external or internal.")})
    allowed = EXTERNAL_CATEGORIES if kind == ObstacleKind.EXTERNAL else INTERNAL_CATEGORIES
    if category not in allowed:
        label = ObstacleCategory(category).label if category in ObstacleCategory.values else "?"
        raise ValidationError(
            {
                "category": _("“%(category)s” is not an %(kind)s cause.")
                % {"category": label, "kind": ObstacleKind(kind).label.lower()}
            }
        )
    if goal is not None and goal.employee_id != checkin.employee_id:
        raise ValidationError({"goal": _("This goal is not one of this person's.")})
    obstacle = Obstacle(
        checkin=checkin,
        goal=goal,
        description=description.strip(),
        kind=kind,
        category=category,
        created_by=actor.user,
    )
    obstacle.full_clean()
    obstacle.save()
    audit_record(
        actor=actor,
        instance=obstacle,
        action=AuditAction.CREATE,
        after=snapshot(obstacle, OBSTACLE_AUDIT_FIELDS),
    )
    return obstacle


def _require_external(obstacle: Obstacle) -> None:
    if obstacle.kind != ObstacleKind.EXTERNAL:
        raise ValidationError(_("Only an external obstacle leads to this."))
    if obstacle.checkin.status == CheckInStatus.CANCELLED:
        raise ValidationError(_("The check-in was cancelled."))


@transaction.atomic
def obstacle_request_adjustment(
    *,
    actor: Actor,
    obstacle: Obstacle,
    changes: Sequence[ChangeSpec],
    effective_from: dt.date | None,
    reason: str = "",
) -> GoalAdjustment:
    """Ask the goals flow to adjust the obstacle's goal: the request is made by ``actor``
    as if on the adjustment page (so the goals app's rules and approvals apply), with the
    obstacle's category as the external reason, and linked to the obstacle."""
    _require_external(obstacle)
    if obstacle.adjustment_id is not None:
        raise ValidationError(_("A goal adjustment was requested for this obstacle already."))
    goal = obstacle.goal
    if goal is None or goal.scorecard is None:
        raise ValidationError(_("Link the obstacle to one of the person's goals first."))
    adjustment = adjustment_services.adjustment_request(
        actor=actor,
        scorecard=goal.scorecard,
        changes=changes,
        reason_category=ReasonCategory.EXTERNAL,
        reason_code=ADJUSTMENT_REASON[ObstacleCategory(obstacle.category)],
        reason=reason.strip() or obstacle.description,
        effective_from=effective_from,
    )
    before = snapshot(obstacle, OBSTACLE_AUDIT_FIELDS)
    obstacle.adjustment = adjustment
    obstacle.save(update_fields=["adjustment", "updated_at"])
    audit_record(
        actor=actor,
        instance=obstacle,
        before=before,
        after=snapshot(obstacle, OBSTACLE_AUDIT_FIELDS),
    )
    return adjustment


# --- resource requests ---------------------------------------------------------------------


@transaction.atomic
def resource_request_create(
    *, actor: Actor, obstacle: Obstacle, department: Department, need: str
) -> ResourceRequest:
    _require_external(obstacle)
    if actor.user is None:
        raise ValidationError(_("A resource request is made by a person."))
    if not need.strip():
        raise ValidationError({"need": _("Say what is needed.")})
    if not department.is_active:
        raise ValidationError({"department": _("This department is closed.")})
    request = ResourceRequest(
        obstacle=obstacle, department=department, need=need.strip(), requested_by=actor.user
    )
    request.full_clean()
    request.save()
    audit_record(
        actor=actor,
        instance=request,
        action=AuditAction.CREATE,
        after=snapshot(request, REQUEST_AUDIT_FIELDS),
    )
    return request


@transaction.atomic
def resource_request_answer(
    *, actor: Actor, request: ResourceRequest, status: str, comment: str = ""
) -> ResourceRequest:
    """The handling side moves the request on: accept, decline (saying why) or done."""
    if actor.user is None:
        raise ValidationError(_("A resource request is answered by a person."))
    allowed = TRANSITIONS.get(ResourceStatus(request.status), ())
    if status not in allowed:
        raise ValidationError(
            {
                "status": _("A request that is %(status)s cannot become that.")
                % {"status": request.get_status_display().lower()}
            }
        )
    if status == ResourceStatus.DECLINED and not comment.strip():
        raise ValidationError({"comment": _("Say why the request is declined.")})
    before = snapshot(request, REQUEST_AUDIT_FIELDS)
    now = timezone.now()
    fields = ["status", "handled_by", "updated_at"]
    previous = request.status
    request.status = status
    request.handled_by = actor.user
    if request.decided_at is None:
        request.decided_at = now
        fields.append("decided_at")
    if status == ResourceStatus.DONE:
        request.done_at = now
        fields.append("done_at")
    request.full_clean()
    request.save(update_fields=fields)
    ResourceRequestEntry.objects.create(
        request=request,
        author=actor.user,
        status_from=previous,
        status_to=status,
        body=comment.strip(),
    )
    action = {
        ResourceStatus.ACCEPTED: AuditAction.APPROVE,
        ResourceStatus.DECLINED: AuditAction.REJECT,
        ResourceStatus.DONE: AuditAction.CLOSE,
    }[ResourceStatus(status)]
    audit_record(
        actor=actor,
        instance=request,
        action=action,
        before=before,
        after=snapshot(request, REQUEST_AUDIT_FIELDS),
        reason=comment.strip(),
    )
    return request


@transaction.atomic
def resource_request_comment(
    *, actor: Actor, request: ResourceRequest, body: str
) -> ResourceRequestEntry:
    if actor.user is None:
        raise ValidationError(_("A comment is written by a person."))
    if not body.strip():
        raise ValidationError({"body": _("Write a comment.")})
    entry = ResourceRequestEntry(request=request, author=actor.user, body=body.strip())
    entry.full_clean()
    entry.save()
    audit_record(
        actor=actor,
        instance=entry,
        action=AuditAction.CREATE,
        after={"request": str(request.uuid), "body": entry.body},
    )
    return entry
