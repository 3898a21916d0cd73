"""HR looks up who wrote anonymous ratings: only where the company allows it, and every
look is recorded with its reason (``IdentityAccess``) and audited before anything is
shown."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record
from pms.core.models import AuditAction
from pms.reviews.models import IdentityAccess, Review

REASON_MIN = 10
REASON_MAX = 500


def identity_access_record(*, actor: Actor, review: Review, reason: str) -> IdentityAccess:
    """Record that ``actor`` looks at who wrote the review's anonymous ratings, and why.

    The caller has checked ``access.can_access_identities``."""
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise ValidationError(
            {
                "reason": [
                    _(
                        "Say why you need to see who wrote these ratings (at least %(min)s "
                        "characters)."
                    )
                    % {"min": REASON_MIN}
                ]
            }
        )
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": [_("Keep the reason under %(max)s characters.") % {"max": REASON_MAX}]}
        )
    if actor.user is None:
        raise ValidationError(_("Only a signed-in person may look up rater identities."))
    with transaction.atomic():
        look = IdentityAccess(review=review, viewer=actor.user, reason=reason)
        look.full_clean()
        look.save()
        audit_record(
            actor=actor,
            instance=look,
            action=AuditAction.CREATE,
            after={"review": str(review.uuid), "viewer": actor.label},
            reason=reason,
        )
    return look
