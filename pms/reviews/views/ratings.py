"""The rater's pages: my to-do list, the rating form (drafts saved as one goes, then
submitted) and declining. Only the rater reaches a rating (404 for anybody else); editing
is refused (403) once it is submitted or its phase is closed for the review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pms.core.access import Forbidden, NotFound
from pms.org.views import actor_of, principal_of
from pms.reviews import access
from pms.reviews.selectors.ratings import Mode, RatingForm, my_todo, rating_form
from pms.reviews.services.raters import rating_decline
from pms.reviews.services.ratings import (
    OVERALL,
    AnswerInput,
    rating_save_draft,
    rating_submit,
)


def error_dict(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {name: [str(m) for m in found] for name, found in error.message_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}


def answers_from_post(post: QueryDict, form: RatingForm) -> dict[str, AnswerInput]:
    """Every question of the form as posted; a question left blank (no level chosen)
    clears its answer, as the page shows it."""
    answers = {}
    for question in form.questions:
        comment_key = f"{question.key}-comment"
        answers[question.key] = AnswerInput(
            value=post.get(question.key, ""),
            comment=post.get(comment_key) if comment_key in post else None,
        )
    return answers


def _show_posted(form: RatingForm, answers: dict[str, AnswerInput]) -> None:
    """Refused input goes back on the page as it was typed (nothing was saved)."""
    for question in form.questions:
        given = answers.get(question.key)
        if given is None:
            continue
        if question.mode == Mode.TEXT:
            question.comment = given.value or ""
        else:
            question.value = given.value or ""
            if given.comment is not None:
                question.comment = given.comment


@login_required
def my_ratings(request: HttpRequest) -> HttpResponse:
    """Everything I am asked to rate in the running cycles, my self reviews first."""
    principal = principal_of(request)
    if principal.employee is None:
        raise NotFound
    todo = my_todo(principal, timezone.localdate())
    return render(request, "reviews/rating_todo.html", {"todo": todo})


@login_required
def rating(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    the_rating = access.access_my_rating(principal, uuid)
    today = timezone.localdate()
    editable = access.can_edit_rating(principal, the_rating, today)
    form = rating_form(the_rating)
    errors: dict[str, list[str]] = {}
    overall = the_rating.overall_comment
    if request.method == "POST":
        if not editable:
            raise Forbidden(_("This review can no longer be changed."))
        answers = answers_from_post(request.POST, form)
        overall = request.POST.get(OVERALL, "")
        submit = request.POST.get("action") == "submit"
        try:
            if submit:
                rating_submit(
                    actor=actor_of(request),
                    rating=the_rating,
                    answers=answers,
                    overall_comment=overall,
                )
            else:
                rating_save_draft(
                    actor=actor_of(request),
                    rating=the_rating,
                    answers=answers,
                    overall_comment=overall,
                )
        except ValidationError as exc:
            errors = error_dict(exc)
            _show_posted(form, answers)
        else:
            if submit:
                messages.success(
                    request,
                    _("Your review of %(name)s is submitted.")
                    % {"name": the_rating.review.employee.name},
                )
                return redirect("reviews:my_ratings")
            messages.success(request, _("Draft saved."))
            return redirect("reviews:rating", the_rating.uuid)
    for question in form.questions:
        question.errors = errors.get(question.key, [])
    context: dict[str, Any] = {
        "rating": the_rating,
        "form": form,
        "editable": editable,
        "can_decline": access.can_decline_rating(principal, the_rating, today),
        "errors": errors,
        "general_errors": errors.get("__all__", []),
        "overall_comment": overall,
        "overall_errors": errors.get(OVERALL, []),
    }
    return render(request, "reviews/rating_form.html", context)


@login_required
@require_POST
def rating_autosave(request: HttpRequest, uuid: str) -> HttpResponse:
    """Save one field of the form as the rater leaves it (HTMX); answers a small status
    fragment for that field. Never checks that the rest is filled in."""
    principal = principal_of(request)
    the_rating = access.access_my_rating(principal, uuid)
    if not access.can_edit_rating(principal, the_rating, timezone.localdate()):
        raise Forbidden(_("This review can no longer be changed."))
    key = request.POST.get("field", "")
    answers: dict[str, AnswerInput] = {}
    overall: str | None = None
    if key == OVERALL:
        overall = request.POST.get(OVERALL, "")
    else:
        comment_key = f"{key}-comment"
        answers[key] = AnswerInput(
            value=request.POST.get(key) if key in request.POST else None,
            comment=request.POST.get(comment_key) if comment_key in request.POST else None,
        )
    errors: list[str] = []
    try:
        rating_save_draft(
            actor=actor_of(request), rating=the_rating, answers=answers, overall_comment=overall
        )
    except ValidationError as exc:
        errors = [m for found in error_dict(exc).values() for m in found]
    return render(
        request,
        "reviews/rating_saved.html",
        {"key": key, "errors": errors, "saved_at": timezone.localtime()},
    )


@login_required
def decline(request: HttpRequest, uuid: str) -> HttpResponse:
    """Decline to rate somebody, with a reason (never one's own self review)."""
    principal = principal_of(request)
    the_rating = access.access_my_rating(principal, uuid)
    if not access.can_decline_rating(principal, the_rating, timezone.localdate()):
        raise Forbidden(_("This review can no longer be declined."))
    errors: dict[str, list[str]] = {}
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            rating_decline(actor=actor_of(request), rating=the_rating, reason=reason)
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            messages.success(
                request,
                _("You declined to review %(name)s.") % {"name": the_rating.review.employee.name},
            )
            return redirect("reviews:my_ratings")
    return render(
        request,
        "reviews/rating_decline.html",
        {
            "rating": the_rating,
            "reason": reason,
            "errors": errors,
            "general_errors": errors.get("__all__", []),
        },
    )


urlpatterns: list[URLPattern] = [
    path("to-do/", my_ratings, name="my_ratings"),
    path("ratings/<uuid:uuid>/", rating, name="rating"),
    path("ratings/<uuid:uuid>/autosave/", rating_autosave, name="rating_autosave"),
    path("ratings/<uuid:uuid>/decline/", decline, name="rating_decline"),
]
