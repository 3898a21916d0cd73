"""Placeholder: replaced by the real views."""

from typing import Any

from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return HttpResponse("todo")


position_list = create = detail = edit = _todo
