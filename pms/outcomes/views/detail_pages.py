"""What the pages of one thing with forms on it share (an improvement plan, a development
plan, an appeal, a result, an interview): its page, shown again with the form that failed
(status 400), and the two ways a change on it ends — a form handed to a service, or a plain
action — each back on its page with a message.

Each kind is described by one ``DetailPages`` (template, URL name, how the thing is found
for a user, how its page context is built); the views stay in their modules and read as
what they do: which right, which form, which service, which message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from pms.core.access import Forbidden
from pms.org.forms import add_service_errors
from pms.org.roles import Principal
from pms.org.views import principal_of

ObjT = TypeVar("ObjT", bound=Model)
May = Callable[[Principal, Any], bool]


@dataclass(frozen=True)
class DetailPages(Generic[ObjT]):
    template: str
    url_name: str
    find: Callable[[Principal, str], ObjT]
    context: Callable[..., dict[str, Any]]

    def page(self, request: HttpRequest, principal: Principal, obj: ObjT) -> HttpResponse:
        return render(request, self.template, self.context(principal, obj))

    def again(
        self, request: HttpRequest, principal: Principal, obj: ObjT, **bound: Any
    ) -> HttpResponse:
        """Its page with the form that failed, as sent, and its errors."""
        obj.refresh_from_db()
        return render(request, self.template, self.context(principal, obj, **bound), status=400)

    def done(self, request: HttpRequest, obj: ObjT, message: str) -> HttpResponse:
        messages.success(request, message)
        return redirect(self.url_name, uuid=obj.uuid)  # type: ignore[attr-defined]

    def refused(self, request: HttpRequest, obj: ObjT, error: ValidationError) -> HttpResponse:
        for message in error.messages:
            messages.error(request, message)
        return redirect(self.url_name, uuid=obj.uuid)  # type: ignore[attr-defined]

    def find_for(self, request: HttpRequest, uuid: str, may: May) -> tuple[Principal, ObjT]:
        """The thing the user may see (else "not found") and act on (else "forbidden")."""
        principal = principal_of(request)
        found = self.find(principal, uuid)
        if not may(principal, found):
            raise Forbidden
        return principal, found

    def act(
        self, request: HttpRequest, obj: ObjT, write: Callable[[], object], message: str
    ) -> HttpResponse:
        """A change without a form: done, or refused with the service's reasons."""
        try:
            write()
        except ValidationError as error:
            return self.refused(request, obj, error)
        return self.done(request, obj, message)

    def submit(
        self,
        request: HttpRequest,
        principal: Principal,
        obj: ObjT,
        form: forms.Form,
        write: Callable[[dict[str, Any]], object],
        *,
        message: str,
        bound: Callable[[forms.Form], dict[str, Any]],
    ) -> HttpResponse:
        """A change from a form: written when the form and the service accept it, else the
        page again with the form (``bound`` says under which name it is shown)."""
        if form.is_valid():
            try:
                write(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return self.done(request, obj, message)
        return self.again(request, principal, obj, **bound(form))


def as_form(name: str) -> Callable[[forms.Form], dict[str, Any]]:
    """The failed form shown as the page's ``name`` form."""
    return lambda form: {name: form}


def as_row(name: str, pk: int) -> Callable[[forms.Form], dict[str, Any]]:
    """The failed form shown on the row ``pk`` of a list (a goal, a checkpoint, an action)."""
    return lambda form: {name: (pk, form)}


__all__ = ["DetailPages", "as_form", "as_row"]
