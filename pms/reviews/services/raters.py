"""Who rates whom: peers nominated by the reviewee and decided by the manager, raters HR
assigns, declining, reassignment and withdrawal.

Nominating is the reviewee's draft until they send it (``peers_send``, within the
template's fewest and most): only then does the manager see it and decide. A sent list is
the manager's: the reviewee changes nothing until the manager returns it by rejecting a
nominee (``peer_reject`` clears ``Review.peers_sent_at``; the reviewee nominates again and
sends again). Replacing a nominee keeps the list with the manager: the place is filled, the
count unchanged, and the manager goes on to approve.

Who may do what is checked by the callers through ``pms.reviews.access``; the services keep
what holds whoever calls: nobody nominates themself or their manager, only current
employees, no one twice, the template's fewest and most peers, a reason where one is due.

Anonymity: the reviewee is told what the manager decided about the people they nominated,
never who declined or answered. A declined anonymous rating reaches the manager as "a
reviewer declined", without the name or the reason; HR in scope sees both on the raters
page. The audit log (company-wide HR and system admins only) keeps who was asked and who
declined, never what anybody answered.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.accounts.models import User
from pms.comms.notify import notify
from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.org.models import Employee, GrantedRole, RoleGrant
from pms.reviews import events
from pms.reviews.models import (
    MANAGER_TYPES,
    CyclePhase,
    RaterType,
    Rating,
    RatingStatus,
    Review,
    ReviewStatus,
)
from pms.reviews.phases import PHASE_OF_TYPE

__all__ = [
    "peer_add",
    "peer_nominate",
    "peer_nomination_remove",
    "peer_reject",
    "peer_replace",
    "peers_approve",
    "peers_send",
    "rater_assign",
    "rating_decline",
    "rating_reassign",
    "rating_withdraw",
]

RATING_AUDIT_FIELDS = ("rater", "rater_type", "status", "reason")
MAX_REASON = 500
# peers that count against the template's fewest and most
LIVE_PEER = (
    RatingStatus.NOMINATED,
    RatingStatus.PENDING,
    RatingStatus.DRAFT,
    RatingStatus.SUBMITTED,
)
LIVE_ANY = LIVE_PEER


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _users(*people: Employee | None) -> list[User]:
    return [p.user for p in people if p is not None and p.user is not None and p.user.is_active]


def _reason(value: str, errors: dict[str, list[str]], *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        errors.setdefault("reason", []).append(_("Give a reason."))
    elif len(text) > MAX_REASON:
        errors.setdefault("reason", []).append(
            _("Keep this under %(max)d characters.") % {"max": MAX_REASON}
        )
    return text


def _check_review_open(review: Review) -> None:
    if review.status != ReviewStatus.ACTIVE:
        raise ValidationError(_("This person is no longer in the review cycle."))


def _waiting_message() -> str:
    return _(
        "Your nominations wait for your manager's decision; you can change them once your "
        "manager returns them."
    )


def _live_peer_count(review: Review) -> int:
    return Rating.objects.filter(
        review=review, rater_type=RaterType.PEER, status__in=LIVE_PEER
    ).count()


def _check_rater(
    review: Review,
    rater: Employee,
    rater_type: str,
    errors: dict[str, list[str]],
    *,
    field: str = "rater",
) -> None:
    """Nobody rates themself except in their self review, only current employees, and
    nobody holds two live ratings of one type in one review; the manager already rates,
    so is never a peer."""
    if rater_type == RaterType.SELF:
        if rater.pk != review.employee_id:
            errors.setdefault(field, []).append(_("Only the person themself writes a self review."))
    elif rater.pk == review.employee_id:
        errors.setdefault(field, []).append(_("Nobody can review themself as a colleague."))
    if not rater.is_current:
        errors.setdefault(field, []).append(
            _("%(name)s no longer works here.") % {"name": rater.name}
        )
    if rater_type == RaterType.PEER:
        manager_rates = rater.pk == review.manager_id or (
            Rating.objects.filter(
                review=review, rater=rater, rater_type__in=MANAGER_TYPES, status__in=LIVE_ANY
            ).exists()
        )
        if manager_rates:
            errors.setdefault(field, []).append(
                _("%(name)s reviews as a manager already.") % {"name": rater.name}
            )
    taken = Rating.objects.filter(
        review=review, rater=rater, rater_type=rater_type, status__in=LIVE_ANY
    ).exists()
    if taken:
        errors.setdefault(field, []).append(
            _("%(name)s is on the list already.") % {"name": rater.name}
        )


def _deadline(review: Review, rater_type: str) -> str:
    deadline = (
        CyclePhase.objects.filter(cycle_id=review.cycle_id, phase=PHASE_OF_TYPE[rater_type])
        .values_list("deadline", flat=True)
        .first()
    )
    return deadline.isoformat() if deadline is not None else "—"


def _ask(rating: Rating) -> None:
    """Tell a rater they are asked (once per rating)."""
    review = rating.review
    notify(
        event=events.RATING_REQUESTED,
        recipients=_users(rating.rater),
        params={
            "person": review.employee.name,
            "cycle": review.cycle.name,
            "deadline": _deadline(review, rating.rater_type),
        },
        url=reverse("reviews:rating", args=[rating.uuid]),
        key=f"rating:{rating.uuid}",
    )


def _create(
    *,
    actor: Actor,
    review: Review,
    rater: Employee,
    rater_type: str,
    status: str,
    reason: str = "",
    decided: bool = False,
) -> Rating:
    rating = Rating(
        review=review,
        rater=rater,
        rater_type=rater_type,
        anonymous=rater_type in (review.template.anonymous_types or []),
        status=status,
        nominated_by=actor.user,
        decided_by=actor.user if decided else None,
    )
    rating.full_clean()
    rating.save()
    audit_record(
        actor=actor,
        instance=rating,
        action=AuditAction.CREATE,
        after=snapshot(rating, RATING_AUDIT_FIELDS),
        reason=reason,
    )
    return rating


def _set_status(
    *,
    actor: Actor,
    rating: Rating,
    status: str,
    action: str,
    reason: str = "",
    fields: Sequence[str] = (),
) -> None:
    before = snapshot(rating, RATING_AUDIT_FIELDS)
    rating.status = status
    rating.save(update_fields=["status", *fields, "updated_at"])
    audit_record(
        actor=actor,
        instance=rating,
        action=action,
        before=before,
        after=snapshot(rating, RATING_AUDIT_FIELDS),
        reason=reason,
    )


def _peers_url(review: Review) -> str:
    return reverse("reviews:peers", args=[review.uuid])


def _decide_url(review: Review) -> str:
    return reverse("reviews:peers_decide", args=[review.uuid])


# --- the reviewee nominates ----------------------------------------------------------------


@transaction.atomic
def peer_nominate(*, actor: Actor, review: Review, rater: Employee) -> Rating:
    """The reviewee nominates a colleague as a peer reviewer, up to the template's most."""
    _check_review_open(review)
    errors: dict[str, list[str]] = {}
    if review.peers_approved_at is not None:
        errors.setdefault("rater", []).append(_("Your peer reviewers are approved already."))
    elif review.peers_sent_at is not None:
        errors.setdefault("rater", []).append(_waiting_message())
    _check_rater(review, rater, RaterType.PEER, errors)
    most = review.template.peer_max
    if _live_peer_count(review) >= most:
        errors.setdefault("rater", []).append(
            _("You may nominate at most %(max)d peers.") % {"max": most}
        )
    _raise(errors)
    return _create(
        actor=actor,
        review=review,
        rater=rater,
        rater_type=RaterType.PEER,
        status=RatingStatus.NOMINATED,
    )


@transaction.atomic
def peer_nomination_remove(*, actor: Actor, rating: Rating) -> None:
    """The reviewee takes a nominee off the list before sending it."""
    if rating.status != RatingStatus.NOMINATED:
        raise ValidationError(_("The manager has decided on this colleague already."))
    if rating.review.peers_sent_at is not None:
        raise ValidationError(_waiting_message())
    audit_record(
        actor=actor,
        instance=rating,
        action=AuditAction.DELETE,
        before=snapshot(rating, RATING_AUDIT_FIELDS),
    )
    rating.delete()


@transaction.atomic
def peers_send(*, actor: Actor, review: Review) -> int:
    """Send the nominated peers to the manager for approval: their number must lie within
    the template's fewest and most, and a list is sent once (until the manager returns
    it). From now on the manager sees the nominees, and the reviewee cannot change them.
    Returns how many nominees wait for the decision."""
    _check_review_open(review)
    if review.peers_approved_at is not None:
        raise ValidationError(_("Your peer reviewers are approved already."))
    if review.peers_sent_at is not None:
        raise ValidationError(_waiting_message())
    counts = Rating.objects.filter(review=review, rater_type=RaterType.PEER).aggregate(
        nominated=Count("pk", filter=Q(status=RatingStatus.NOMINATED)),
        live=Count("pk", filter=Q(status__in=LIVE_PEER)),
    )
    template = review.template
    if not counts["nominated"]:
        raise ValidationError(_("Nominate your peer reviewers first."))
    if not template.peer_min <= counts["live"] <= template.peer_max:
        raise ValidationError(
            _("Nominate between %(min)d and %(max)d peers; you have %(count)d.")
            % {"min": template.peer_min, "max": template.peer_max, "count": counts["live"]}
        )
    sent_at = timezone.now()
    # a conditional update: of two sends at once (a double click), one wins
    claimed = Review.objects.filter(
        pk=review.pk, peers_sent_at__isnull=True, peers_approved_at__isnull=True
    ).update(peers_sent_at=sent_at, updated_at=sent_at)
    if not claimed:
        raise ValidationError(_waiting_message())
    review.peers_sent_at = sent_at
    audit_record(
        actor=actor,
        instance=review,
        action=AuditAction.SUBMIT,
        before={"peers_sent_at": None},
        after={"peers_sent_at": sent_at.isoformat(), "peers_nominated": counts["nominated"]},
    )
    notify(
        event=events.PEERS_REQUESTED,
        recipients=_users(review.manager),
        params={
            "person": review.employee.name,
            "count": counts["nominated"],
            "cycle": review.cycle.name,
        },
        url=_decide_url(review),
        key=f"peers:{review.uuid}:{timezone.now().isoformat()}",
    )
    nominated: int = counts["nominated"]
    return nominated


# --- the manager decides -------------------------------------------------------------------


@transaction.atomic
def peers_approve(*, actor: Actor, review: Review) -> list[Rating]:
    """Approve every nominated peer: each is asked (and told) now, the reviewee is told,
    and the review's peers count as decided. Nominations the reviewee has not sent are
    theirs still: approving waits until they are sent."""
    _check_review_open(review)
    if review.peers_sent_at is None and (
        Rating.objects.filter(
            review=review, rater_type=RaterType.PEER, status=RatingStatus.NOMINATED
        ).exists()
    ):
        raise ValidationError(
            _("%(name)s has not sent their nominations for approval yet.")
            % {"name": review.employee.name}
        )
    template = review.template
    live = _live_peer_count(review)
    if not template.peer_min <= live <= template.peer_max:
        raise ValidationError(
            _(
                "A review needs between %(min)d and %(max)d peers; %(count)d are nominated "
                "or approved. Add or reject some first."
            )
            % {"min": template.peer_min, "max": template.peer_max, "count": live}
        )
    approved = list(
        Rating.objects.select_for_update(of=("self",))
        .filter(review=review, rater_type=RaterType.PEER, status=RatingStatus.NOMINATED)
        .select_related("rater__user", "review__employee", "review__cycle")
    )
    for rating in approved:
        rating.decided_by = actor.user
        _set_status(
            actor=actor,
            rating=rating,
            status=RatingStatus.PENDING,
            action=AuditAction.APPROVE,
            fields=["decided_by"],
        )
    review.peers_approved_at = timezone.now()
    review.save(update_fields=["peers_approved_at", "updated_at"])
    audit_record(
        actor=actor,
        instance=review,
        action=AuditAction.APPROVE,
        after={"peers_approved_at": review.peers_approved_at.isoformat(), "peers": live},
    )
    notify(
        event=events.PEERS_APPROVED,
        recipients=_users(review.employee),
        params={"cycle": review.cycle.name, "count": live},
        url=_peers_url(review),
        key=f"peers-approved:{review.uuid}",
    )
    for rating in approved:
        _ask(rating)
    return approved


def _check_sent(rating: Rating, errors: dict[str, list[str]]) -> None:
    if rating.status != RatingStatus.NOMINATED:
        errors.setdefault("__all__", []).append(_("This colleague is decided on already."))
    elif rating.review.peers_sent_at is None:
        errors.setdefault("__all__", []).append(
            _("These nominations have not been sent for approval yet.")
        )


@transaction.atomic
def peer_reject(*, actor: Actor, rating: Rating, reason: str) -> Rating:
    """The manager does not approve one nominee, saying why, and returns the list: the
    reviewee is told, may change their nominations again and sends them again."""
    errors: dict[str, list[str]] = {}
    reason = _reason(reason, errors)
    _check_sent(rating, errors)
    _raise(errors)
    rating.reason = reason
    rating.decided_by = actor.user
    _set_status(
        actor=actor,
        rating=rating,
        status=RatingStatus.REJECTED,
        action=AuditAction.REJECT,
        reason=reason,
        fields=["reason", "decided_by"],
    )
    review = rating.review
    sent_at = review.peers_sent_at
    review.peers_sent_at = None
    review.save(update_fields=["peers_sent_at", "updated_at"])
    audit_record(
        actor=actor,
        instance=review,
        action=AuditAction.RETURN,
        before={"peers_sent_at": sent_at.isoformat() if sent_at is not None else None},
        after={"peers_sent_at": None},
        reason=reason,
    )
    notify(
        event=events.PEER_REJECTED,
        recipients=_users(review.employee),
        params={"name": rating.rater.name, "reason": reason, "cycle": review.cycle.name},
        url=_peers_url(review),
        key=f"peer-rejected:{rating.uuid}",
    )
    return rating


@transaction.atomic
def peer_replace(*, actor: Actor, rating: Rating, rater: Employee, reason: str) -> Rating:
    """The manager puts another colleague in a nominee's place, saying why: the nominee
    is not approved, the new peer is asked now. The list stays with the manager (the
    count is unchanged). Returns the new rating."""
    review = rating.review
    _check_review_open(review)
    errors: dict[str, list[str]] = {}
    reason = _reason(reason, errors)
    _check_sent(rating, errors)
    _check_rater(review, rater, RaterType.PEER, errors)
    _raise(errors)
    new = _create(
        actor=actor,
        review=review,
        rater=rater,
        rater_type=RaterType.PEER,
        status=RatingStatus.PENDING,
        reason=reason,
        decided=True,
    )
    rating.reason = reason
    rating.decided_by = actor.user
    rating.replaced_by = new
    _set_status(
        actor=actor,
        rating=rating,
        status=RatingStatus.REJECTED,
        action=AuditAction.REJECT,
        reason=reason,
        fields=["reason", "decided_by", "replaced_by"],
    )
    notify(
        event=events.PEER_REPLACED,
        recipients=_users(review.employee),
        params={
            "name": rating.rater.name,
            "other": rater.name,
            "reason": reason,
            "cycle": review.cycle.name,
        },
        url=_peers_url(review),
        key=f"peer-replaced:{rating.uuid}",
    )
    _ask(new)
    return new


@transaction.atomic
def peer_add(*, actor: Actor, review: Review, rater: Employee) -> Rating:
    """The manager (or HR) adds a peer directly, up to the template's most; asked now."""
    _check_review_open(review)
    errors: dict[str, list[str]] = {}
    _check_rater(review, rater, RaterType.PEER, errors)
    most = review.template.peer_max
    if _live_peer_count(review) >= most:
        errors.setdefault("rater", []).append(
            _("A review has at most %(max)d peers.") % {"max": most}
        )
    _raise(errors)
    rating = _create(
        actor=actor,
        review=review,
        rater=rater,
        rater_type=RaterType.PEER,
        status=RatingStatus.PENDING,
        decided=True,
    )
    _ask(rating)
    return rating


# --- HR assigns ----------------------------------------------------------------------------


@transaction.atomic
def rater_assign(
    *, actor: Actor, review: Review, rater: Employee, rater_type: str, reason: str
) -> Rating:
    """HR asks anybody (cross-department partners too) to rate as any type, saying why.
    HR is not bound by the peer counts."""
    _check_review_open(review)
    errors: dict[str, list[str]] = {}
    reason = _reason(reason, errors)
    if rater_type not in RaterType.values:
        errors.setdefault("rater_type", []).append(_("Choose a rater type."))
    else:
        _check_rater(review, rater, rater_type, errors)
    _raise(errors)
    rating = _create(
        actor=actor,
        review=review,
        rater=rater,
        rater_type=rater_type,
        status=RatingStatus.PENDING,
        reason=reason,
        decided=True,
    )
    _ask(rating)
    return rating


# --- declining, reassignment, withdrawal ---------------------------------------------------


def _hr_in_scope(review: Review) -> list[User]:
    """HR whose grant covers the review's department: HRBPs first, else company-wide HR."""
    grants = RoleGrant.objects.filter(role=GrantedRole.HR_ADMIN, user__is_active=True)
    grants = grants.select_related("user").prefetch_related("departments")
    path = review.department.path
    scoped, company = [], []
    for grant in grants:
        departments = list(grant.departments.all())
        if not departments:
            company.append(grant.user)
        elif any(path.startswith(d.path) for d in departments):
            scoped.append(grant.user)
    return scoped or company


@transaction.atomic
def rating_decline(*, actor: Actor, rating: Rating, reason: str) -> Rating:
    """A rater (never the person themself) declines, saying why. The manager is told —
    for an anonymous rating only that "a reviewer declined" — or HR when the manager is
    the one declining or there is none. The reviewee is told nothing."""
    errors: dict[str, list[str]] = {}
    reason = _reason(reason, errors)
    if rating.rater_type == RaterType.SELF:
        errors.setdefault("__all__", []).append(_("A self review cannot be declined."))
    elif rating.status not in (RatingStatus.PENDING, RatingStatus.DRAFT):
        errors.setdefault("__all__", []).append(_("This review can no longer be declined."))
    _raise(errors)
    rating.reason = reason
    _set_status(
        actor=actor,
        rating=rating,
        status=RatingStatus.DECLINED,
        action=AuditAction.REJECT,
        reason=reason,
        fields=["reason"],
    )
    review = rating.review
    manager = review.manager if review.manager_id != rating.rater_id else None
    recipients = _users(manager) or _hr_in_scope(review)
    if rating.anonymous:
        notify(
            event=events.RATING_DECLINED_ANONYMOUS,
            recipients=recipients,
            params={"person": review.employee.name, "cycle": review.cycle.name},
            url=_decide_url(review),
            key=f"declined:{rating.uuid}",
        )
    else:
        notify(
            event=events.RATING_DECLINED,
            recipients=recipients,
            params={
                "rater": rating.rater.name,
                "person": review.employee.name,
                "cycle": review.cycle.name,
                "reason": reason,
            },
            url=_decide_url(review),
            key=f"declined:{rating.uuid}",
        )
    return rating


@transaction.atomic
def rating_reassign(*, actor: Actor, rating: Rating, rater: Employee, reason: str = "") -> Rating:
    """A declined rating goes to somebody else of the same type (anonymous as before); the
    new rater is asked now. Returns the new rating."""
    review = rating.review
    _check_review_open(review)
    errors: dict[str, list[str]] = {}
    reason = _reason(reason, errors, required=False)
    if rating.status != RatingStatus.DECLINED:
        errors.setdefault("__all__", []).append(_("Only a declined review can be reassigned."))
    _check_rater(review, rater, rating.rater_type, errors)
    _raise(errors)
    new = Rating(
        review=review,
        rater=rater,
        rater_type=rating.rater_type,
        anonymous=rating.anonymous,
        status=RatingStatus.PENDING,
        nominated_by=actor.user,
        decided_by=actor.user,
    )
    new.full_clean()
    new.save()
    audit_record(
        actor=actor,
        instance=new,
        action=AuditAction.CREATE,
        after=snapshot(new, RATING_AUDIT_FIELDS),
        reason=reason,
    )
    rating.replaced_by = new
    _set_status(
        actor=actor,
        rating=rating,
        status=RatingStatus.REASSIGNED,
        action=AuditAction.UPDATE,
        reason=reason,
        fields=["replaced_by"],
    )
    _ask(new)
    return new


@transaction.atomic
def rating_withdraw(*, actor: Actor, rating: Rating, reason: str) -> Rating:
    """HR takes a rating back, saying why; it no longer counts. The rater is told."""
    errors: dict[str, list[str]] = {}
    reason = _reason(reason, errors)
    if rating.status in (
        RatingStatus.REJECTED,
        RatingStatus.DECLINED,
        RatingStatus.REASSIGNED,
        RatingStatus.WITHDRAWN,
    ):
        errors.setdefault("__all__", []).append(_("This rating does not count already."))
    _raise(errors)
    was_asked = rating.status != RatingStatus.NOMINATED
    rating.reason = reason
    _set_status(
        actor=actor,
        rating=rating,
        status=RatingStatus.WITHDRAWN,
        action=AuditAction.WITHDRAW,
        reason=reason,
        fields=["reason"],
    )
    if was_asked:
        review = rating.review
        notify(
            event=events.RATING_WITHDRAWN,
            recipients=_users(rating.rater),
            params={"person": review.employee.name, "cycle": review.cycle.name, "reason": reason},
            url=reverse("reviews:my_ratings"),
            key=f"withdrawn:{rating.uuid}",
        )
    return rating
