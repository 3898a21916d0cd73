"""Helpers shared by every app's ``access.py``.

An access function either returns the object the user may use, or raises ``NotFound``:
the same answer for an object that does not exist and one the user may not see, so that
nobody learns what exists by probing. ``Forbidden`` is for an action on an object the user
may see but not change.
"""

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from pms.core.models import ExportJob

if TYPE_CHECKING:
    from pms.org.roles import Principal

M = TypeVar("M", bound=models.Model)


class NotFound(Http404):
    """Missing or not visible: both answer the same."""

    def __init__(self, message: Any = None) -> None:
        super().__init__(message or _("Not found."))


class Forbidden(PermissionDenied):
    """Visible, but this action is not allowed for this user."""

    def __init__(self, message: Any = None) -> None:
        super().__init__(message or _("You may not do this."))


def get_visible(queryset: "models.QuerySet[M]", **lookup: Any) -> M:
    """The one object matching ``lookup`` inside an already access-filtered queryset."""
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
        # A malformed id is as unknown as a missing one.
        raise NotFound from None


def access_export_job(principal: "Principal", uuid: object) -> ExportJob:
    """An export and its file: the person who started it, nobody else ("not found" for
    everybody else), and only while the kind's access rule still lets them have what it
    holds ("forbidden" once they have lost it, e.g. an HRBP moved off the departments)."""
    from pms.core.exports import export_allowed

    if not principal.is_authenticated:
        raise NotFound
    job = get_visible(ExportJob.objects.filter(created_by=principal.user), uuid=uuid)
    if not export_allowed(principal, job.kind, job.params):
        raise Forbidden
    return job
