"""HR's working calendar: holidays and make-up working days, read by pace by working days."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pms.core.access import NotFound, get_visible
from pms.org.forms import add_service_errors
from pms.org.views import actor_of, posted, principal_of
from pms.tracking import access
from pms.tracking.models import CalendarDay
from pms.tracking.services.calendar import calendar_day_remove, calendar_day_set


class CalendarDayForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    is_working_day = forms.TypedChoiceField(
        label=gettext_lazy("The day is"),
        choices=[
            ("0", gettext_lazy("a holiday")),
            ("1", gettext_lazy("a make-up working day (调休)")),
        ],
        coerce=lambda value: value == "1",
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, required=False)


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_manage_calendar(principal):
        raise NotFound
    form = CalendarDayForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            calendar_day_set(actor=actor_of(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The calendar is updated."))
            return redirect(reverse("tracking:calendar"))
    return render(
        request,
        "tracking/calendar.html",
        {"form": form, "days": CalendarDay.objects.order_by("-date")[:400]},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def calendar_remove(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_manage_calendar(principal):
        raise NotFound
    day = get_visible(CalendarDay.objects.all(), uuid=uuid)
    calendar_day_remove(actor=actor_of(request), day=day)
    messages.success(request, _("The day is removed from the calendar."))
    return redirect(reverse("tracking:calendar"))


urlpatterns: list[URLPattern] = [
    path("calendar/", calendar, name="calendar"),
    path("calendar/<uuid:uuid>/remove/", calendar_remove, name="calendar_remove"),
]
