"""Accounts: people who sign in, and API tokens for integrations."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.core.models import BaseModel


class User(AbstractUser):
    """A sign-in account. The person behind it, if any, is ``org.Employee.user``."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=100, blank=True)

    class Meta(AbstractUser.Meta):
        ordering = ["username"]
        verbose_name = _("user")  # type: ignore[assignment]
        verbose_name_plural = _("users")  # type: ignore[assignment]

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username


class TokenScope(models.TextChoices):
    """What an integration token may do; later capabilities add their scopes here."""

    READ_ORG = "read_org", _("Read organisation")
    WRITE_ORG = "write_org", _("Change organisation")
    WRITE_ACTUALS = "write_actuals", _("Write actual values")
    READ_GOALS = "read_goals", _("Read goals")
    READ_TRACKING = "read_tracking", _("Read actual values, progress and check-ins")
    WRITE_TRACKING = "write_tracking", _("Update check-ins and action items")
    WRITE_FEEDBACK = "write_feedback", _("Give and request feedback")
    READ_REVIEWS = "read_reviews", _("Read review cycles, templates and ratings")
    WRITE_REVIEWS = "write_reviews", _("Submit ratings and run review cycles")
    READ_RESULTS = "read_results", _("Read results")
    READ_PLANS = "read_plans", _("Read improvement and development plans")
    READ_PAY = "read_pay", _("Read bonus and raise plan lines")
    READ_CALIBRATION = "read_calibration", _("Read calibration sessions and their people")
    WRITE_CALIBRATION = "write_calibration", _("Change scores, grades and potential in calibration")


TOKEN_PREFIX = "pms_"  # noqa: S105 (a public prefix, not a secret)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(BaseModel):
    """A bearer token for an ERP/CRM/OA system. Only the hash is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("acts as"),
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(_("starts with"), max_length=12, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return self.is_active and scope in self.scopes

    def mark_used(self) -> None:
        now = timezone.now()
        # Writing on every request would serialise integrations on SQLite; once a minute is enough.
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
