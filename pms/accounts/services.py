"""Writes to accounts: API tokens (created, revoked) with an audit entry each."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.accounts.models import ApiToken, TokenScope, User, generate_token, hash_token
from pms.core.audit import Actor, audit_record
from pms.core.models import AuditAction


@transaction.atomic
def api_token_create(
    *, actor: Actor, user: User, name: str, scopes: list[str]
) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    unknown = sorted(set(scopes) - set(TokenScope.values))
    if unknown:
        raise ValidationError(
            {"scopes": _("Unknown scope: %(scopes)s") % {"scopes": ", ".join(unknown)}}
        )
    if not scopes:
        raise ValidationError({"scopes": _("Choose at least one scope.")})
    if not name.strip():
        raise ValidationError({"name": _("Give the token a name.")})
    raw = generate_token()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        key_hash=hash_token(raw),
        key_hint=raw[:8],
        scopes=sorted(set(scopes)),
        created_by=actor.user,
    )
    audit_record(
        actor=actor,
        instance=token,
        action=AuditAction.CREATE,
        after={"user": user.username, "name": token.name, "scopes": token.scopes},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken, reason: str = "") -> ApiToken:
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        instance=token,
        action=AuditAction.REVOKE,
        before={"revoked": False},
        after={"revoked": True},
        reason=reason,
    )
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token with this value, if any (used by the API's bearer auth)."""
    if not raw.startswith("pms_"):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is not None:
        token.mark_used()
    return token
