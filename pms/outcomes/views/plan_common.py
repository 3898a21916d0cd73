"""What the improvement plan and development plan pages share: a plan's page, shown again
with the form that failed (status 400), and the two ways a change on it ends — a form
handed to a service, or a plain action — each back on the plan with a message.

Both plan kinds are described by one ``PlanPages`` (template, URL name, how a plan is
found for a user, how its page context is built); the views stay in ``pip.py`` and
``idp.py`` and read as what they do: which right, which form, which service, which message.
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

PlanT = TypeVar("PlanT", bound=Model)
May = Callable[[Principal, Any], bool]


@dataclass(frozen=True)
class PlanPages(Generic[PlanT]):
    template: str
    url_name: str
    find: Callable[[Principal, str], PlanT]
    context: Callable[..., dict[str, Any]]

    def page(self, request: HttpRequest, principal: Principal, plan: PlanT) -> HttpResponse:
        return render(request, self.template, self.context(principal, plan))

    def again(
        self, request: HttpRequest, principal: Principal, plan: PlanT, **bound: Any
    ) -> HttpResponse:
        """The plan's page with the form that failed, as sent, and its errors."""
        plan.refresh_from_db()
        return render(request, self.template, self.context(principal, plan, **bound), status=400)

    def done(self, request: HttpRequest, plan: PlanT, message: str) -> HttpResponse:
        messages.success(request, message)
        return redirect(self.url_name, uuid=plan.uuid)  # type: ignore[attr-defined]

    def refused(self, request: HttpRequest, plan: PlanT, error: ValidationError) -> HttpResponse:
        for message in error.messages:
            messages.error(request, message)
        return redirect(self.url_name, uuid=plan.uuid)  # type: ignore[attr-defined]

    def plan_for(self, request: HttpRequest, uuid: str, may: May) -> tuple[Principal, PlanT]:
        """The plan the user may see (else "not found") and act on (else "forbidden")."""
        principal = principal_of(request)
        plan = self.find(principal, uuid)
        if not may(principal, plan):
            raise Forbidden
        return principal, plan

    def act(
        self, request: HttpRequest, plan: PlanT, write: Callable[[], object], message: str
    ) -> HttpResponse:
        """A change without a form: done, or refused with the service's reasons."""
        try:
            write()
        except ValidationError as error:
            return self.refused(request, plan, error)
        return self.done(request, plan, message)

    def submit(
        self,
        request: HttpRequest,
        principal: Principal,
        plan: PlanT,
        form: forms.Form,
        write: Callable[[dict[str, Any]], object],
        *,
        message: str,
        bound: Callable[[forms.Form], dict[str, Any]],
    ) -> HttpResponse:
        """A change from a form: written when the form and the service accept it, else the
        plan's page again with the form (``bound`` says under which name it is shown)."""
        if form.is_valid():
            try:
                write(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return self.done(request, plan, message)
        return self.again(request, principal, plan, **bound(form))


def as_form(name: str) -> Callable[[forms.Form], dict[str, Any]]:
    """The failed form shown as the page's ``name`` form."""
    return lambda form: {name: form}


def as_row(name: str, pk: int) -> Callable[[forms.Form], dict[str, Any]]:
    """The failed form shown on the row ``pk`` of a list (a goal, a checkpoint, an action)."""
    return lambda form: {name: (pk, form)}


__all__ = ["PlanPages", "as_form", "as_row"]
