"""Page-number pagination for pages: one COUNT and one slice, whatever the size."""

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(request: HttpRequest, queryset: "QuerySet[Any]", per_page: int | None = None) -> Page:  # type: ignore[type-arg]
    paginator = Paginator(queryset, per_page or settings.PMS_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
