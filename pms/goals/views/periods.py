"""Periods (考核期间): listed for everyone in the company, kept by company-wide HR."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.core.access import Forbidden, NotFound
from pms.goals import access
from pms.goals.models import Period, PeriodKind, PeriodStatus
from pms.goals.services import periods as services
from pms.goals.views import actor_of, posted, principal_of
from pms.org.access import is_member
from pms.org.forms import add_service_errors


class PeriodForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=PeriodKind.choices)
    start = forms.DateField(
        label=gettext_lazy("Start"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=gettext_lazy("End"), widget=forms.DateInput(attrs={"type": "date"}))
    parent = forms.ModelChoiceField(
        label=gettext_lazy("Within"), queryset=Period.objects.none(), required=False
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=PeriodStatus.choices)
    adjustment_limit = forms.DecimalField(
        label=gettext_lazy("Flexibility limit (%)"),
        min_value=0,
        max_value=100,
        decimal_places=2,
        initial=15,
        help_text=gettext_lazy(
            "Goal changes within this share of the target or weight need the manager and HR; "
            "larger ones also the performance committee."
        ),
    )

    def __init__(self, *args: object, exclude: Period | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        parents = Period.objects.filter(
            kind__in=[PeriodKind.YEAR, PeriodKind.HALF, PeriodKind.QUARTER]
        )
        if exclude is not None:
            parents = parents.exclude(pk=exclude.pk)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]


@login_required
def period_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not is_member(principal):
        raise NotFound
    can_manage = access.can_manage_periods(principal)
    form = PeriodForm(posted(request), initial={"status": PeriodStatus.PLANNING})
    if request.method == "POST":
        if not can_manage:
            raise Forbidden
        if form.is_valid():
            data = form.cleaned_data
            try:
                period = services.period_create(
                    actor=actor_of(request),
                    name=data["name"],
                    kind=data["kind"],
                    start=data["start"],
                    end=data["end"],
                    parent=data["parent"],
                    adjustment_limit=data["adjustment_limit"],
                )
                if data["status"] != PeriodStatus.PLANNING:
                    services.period_update(
                        actor=actor_of(request), period=period, changes={"status": data["status"]}
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Period added."))
                return redirect("goals:periods")
    periods = (
        access.periods_visible(principal)
        .select_related("parent")
        .annotate(
            scorecard_count=Count("scorecards", distinct=True),
            goal_count=Count("goals", filter=~Q(goals__level="individual"), distinct=True),
        )
    )
    return render(
        request,
        "goals/periods/list.html",
        {"periods": periods, "form": form, "can_manage": can_manage},
    )


@login_required
def period_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    period = access.access_period_for_change(principal, uuid)
    form = PeriodForm(
        posted(request),
        exclude=period,
        initial={
            "name": period.name,
            "kind": period.kind,
            "start": period.start,
            "end": period.end,
            "parent": period.parent,
            "status": period.status,
            "adjustment_limit": period.adjustment_limit,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.period_update(
                actor=actor_of(request), period=period, changes=dict(form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Period saved."))
            return redirect("goals:periods")
    return render(request, "goals/periods/edit.html", {"period": period, "form": form})


urlpatterns: list[URLPattern] = [
    path("periods/", period_list, name="periods"),
    path("periods/<uuid:uuid>/edit/", period_edit, name="period_edit"),
]
