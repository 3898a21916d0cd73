"""Shared model bases and the append-only audit log."""

import uuid
from typing import Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every domain model: a public UUID for URLs, creation and update times."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    MOVE = "move", _("Moved")
    CLOSE = "close", _("Closed")
    DELETE = "delete", _("Deleted")
    IMPORT = "import", _("Imported")
    GRANT = "grant", _("Granted")
    REVOKE = "revoke", _("Revoked")
    LOGIN = "login", _("Signed in")
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned")
    REJECT = "reject", _("Rejected")
    WITHDRAW = "withdraw", _("Withdrawn")
    SIGN = "sign", _("Signed")
    REMIND = "remind", _("Reminded")


class AuditChannel(models.TextChoices):
    WEB = "web", _("Web page")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    COMMAND = "command", _("Command")
    SYSTEM = "system", _("System")


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only.")


def object_type_label(label: str) -> str:
    """The translated name of a model given as ``app_label.model_name``."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


class AuditEntry(models.Model):
    """One change to one object: who, when, what, before, after and why. Never changed."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=200)
    channel = models.CharField(_("channel"), max_length=16, choices=AuditChannel.choices)
    object_type = models.CharField(_("object type"), max_length=64, db_index=True)
    object_id = models.CharField(_("object"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300)
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    batch = models.CharField(_("batch"), max_length=64, blank=True, db_index=True)

    objects: ClassVar[AuditQuerySet] = AuditQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only.")

    @property
    def object_type_label(self) -> str:
        return object_type_label(self.object_type)

    @property
    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for every field that differs."""
        before = self.before or {}
        after = self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    VALIDATING = "validating", _("Checking")
    VALID = "valid", _("Ready to apply")
    INVALID = "invalid", _("Has errors")
    APPLYING = "applying", _("Applying")
    APPLIED = "applied", _("Applied")
    FAILED = "failed", _("Failed")


class ImportJob(BaseModel):
    """One uploaded file of one kind: checked first (preview), then applied in one go.

    Apps register an importer per ``kind`` (see ``pms.core.imports``); the job keeps
    progress for the page and the error list for the person who uploaded the file.
    """

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    error_count = models.PositiveIntegerField(_("bad rows"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    validated_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(processed_rows__lte=models.F("total_rows"))
                | models.Q(total_rows=0),
                name="import_processed_within_total",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name}"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_running(self) -> bool:
        return self.status in {ImportStatus.VALIDATING, ImportStatus.APPLYING}


class ImportRowError(models.Model):
    """One problem in one cell (or row) of an uploaded file."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField(_("line"))
    column = models.CharField(_("column"), max_length=100, blank=True)
    message = models.CharField(_("reason"), max_length=500)

    class Meta:
        ordering = ["line", "id"]
        indexes = [models.Index(fields=["job", "line"])]

    def __str__(self) -> str:
        return f"{self.line} {self.column}: {self.message}"


class PeriodicRun(BaseModel):
    """The last slot of one periodic job (``pms.core.periodic``) the scheduler has claimed,
    and how its last run went. The claim is a conditional update of ``slot``, so two
    schedulers, or one restarted, never enqueue the same slot twice."""

    name = models.CharField(_("job"), max_length=100, unique=True)
    slot = models.DateTimeField(_("last slot"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    last_result = models.IntegerField(_("things done"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")

    def __str__(self) -> str:
        return self.name


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(BaseModel):
    """One file an app builds in the background (``pms.core.exports``): what was asked
    (``kind`` and ``params``), by whom, how far it has got, and the file once it is ready.

    Only the person who started it may look at it or download the file, and only while the
    kind's access rule still lets them have it; the file is deleted after a few days.
    """

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    # the language the person read the page in: headers and labels are written in it
    language = models.CharField(_("language"), max_length=16, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by"),
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [models.Index(fields=["created_by", "kind", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")) | models.Q(total=0),
                name="export_done_within_total",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[ExportStatus.DONE, ExportStatus.FAILED], finished_at__isnull=False
                )
                | models.Q(
                    status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING], finished_at__isnull=True
                ),
                name="export_finished_once_ended",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name or self.uuid}"

    @property
    def is_running(self) -> bool:
        return self.status in {ExportStatus.QUEUED, ExportStatus.RUNNING}

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 0
        return min(100, round(100 * self.done / self.total))

    @property
    def kind_label(self) -> str:
        from pms.core.exports import get_export

        found = get_export(self.kind)
        return str(found.label) if found is not None else self.kind
