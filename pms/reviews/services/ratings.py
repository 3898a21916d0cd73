"""A rater's answers: drafts and submission.

A draft keeps whatever the rater has answered so far and never asks for the rest; every
value given must still be one the item's scale takes (``pms.scoring.ratings``), so nothing
unreadable is ever stored. Submitting checks that every required question of the rater's
sections is answered, then locks the rating. A refused call saves nothing: the whole call
is one transaction and every problem is reported at once, by question.

Who may edit (the rater, while the phase is open for the review) is checked by the callers
through ``pms.reviews.access.can_edit_rating``. Drafts are not audited (an autosave per
field would flood the log); submitting is. For anonymous ratings the audit entry says that
the rating was submitted and nothing of what it says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record
from pms.core.models import AuditAction
from pms.reviews.models import OPEN_RATING, Answer, Rating, RatingStatus
from pms.reviews.selectors.ratings import Mode, Question, RatingForm, rating_form
from pms.scoring.decimals import normalized, to_decimal
from pms.scoring.errors import ScoringError
from pms.scoring.ratings import (
    LevelsScale,
    NumericScale,
    RatingScale,
    YesNoScale,
    scale_points,
)

__all__ = ["AnswerInput", "answer_error_message", "rating_save_draft", "rating_submit"]

OVERALL = "overall_comment"
MAX_TEXT = 4000
MAX_VALUE = 20  # Answer.value
YES = frozenset({"yes", "true", "1", "是"})
NO = frozenset({"no", "false", "0", "否"})


@dataclass(frozen=True)
class AnswerInput:
    """What a rater sent for one question; None leaves that part as it was."""

    value: str | None = None
    comment: str | None = None


# --- values --------------------------------------------------------------------------------


def answer_error_message(error: ScoringError) -> str:
    """An answer's scoring error in words (the scale's own errors are the template's)."""
    params = error.params
    match error.code:
        case "out_of_range":
            return _("Choose a number from %(min)s to %(max)s.") % {
                "min": params.get("min", ""),
                "max": params.get("max", ""),
            }
        case "answer_off_step":
            return _("Choose a number from %(min)s in steps of %(step)s.") % {
                "min": params.get("min", ""),
                "step": params.get("step", ""),
            }
        case "unknown_level":
            return _("Choose one of %(codes)s.") % {"codes": params.get("codes", "")}
        case "not_a_boolean":
            return _("Answer yes or no.")
        case "not_a_number":
            return _("Enter a number.")
    return _("This answer is not valid for the question's scale.")


def _stored_value(scale: RatingScale | None, raw: str) -> str:
    """The value as stored: a normalised number, a level's code, "yes" or "no"; raises
    ``ScoringError`` for a value the scale does not take, ``ValueError`` when there is no
    scale to answer on."""
    text = raw.strip()
    if not text:
        return ""
    match scale:
        case NumericScale():
            number = to_decimal(text, "answer")
            scale_points(scale, number)
            return normalized(number)
        case LevelsScale():
            scale_points(scale, text)
            return text
        case YesNoScale():
            lowered = text.lower()
            if lowered not in YES | NO:
                raise ScoringError("not_a_boolean", {"field": "answer"})
            return "yes" if lowered in YES else "no"
    raise ValueError("no scale")


def stored_answer(value: str, scale: RatingScale | None) -> Decimal | str | bool:
    """A stored value back as the scale's answer (for scoring)."""
    match scale:
        case NumericScale():
            return Decimal(value)
        case YesNoScale():
            return value == "yes"
    return value


def _clean(
    question: Question, given: AnswerInput, answer: Answer | None, errors: dict[str, list[str]]
) -> tuple[str, str]:
    """The value and comment to store for one question, or errors under its key."""
    value = answer.value if answer is not None else ""
    comment = answer.comment if answer is not None else ""
    if given.comment is not None:
        comment = given.comment.strip()
    if question.mode == Mode.TEXT:
        # an open question is answered in words; its value stays empty
        if given.value is not None:
            comment = given.value.strip()
        value = ""
    elif given.value is not None:
        try:
            value = _stored_value(question.scale, given.value)
        except ScoringError as error:
            errors.setdefault(question.key, []).append(answer_error_message(error))
        except ValueError:
            errors.setdefault(question.key, []).append(
                _("This section has no valid rating scale; ask HR to correct the template.")
            )
        else:
            if len(value) > MAX_VALUE:
                errors.setdefault(question.key, []).append(_("Enter a shorter number."))
    if len(comment) > MAX_TEXT:
        errors.setdefault(question.key, []).append(
            _("Keep this under %(max)d characters.") % {"max": MAX_TEXT}
        )
    return value, comment


def _lock(rating: Rating) -> None:
    """Hold the rating's row for this call and refresh what another request may have
    changed meanwhile (a second tab, an autosave racing a submit)."""
    locked = Rating.objects.select_for_update().get(pk=rating.pk)
    if locked.status not in OPEN_RATING:
        raise ValidationError(_("This review is submitted already and can no longer be changed."))
    rating.status, rating.overall_comment = locked.status, locked.overall_comment


def _write(
    *,
    rating: Rating,
    form: RatingForm,
    answers: Mapping[str, AnswerInput],
    overall_comment: str | None,
) -> None:
    """Store the given answers, or raise with every problem and store nothing."""
    errors: dict[str, list[str]] = {}
    existing = {
        (a.item_id, a.goal_id): a for a in Answer.objects.filter(rating=rating).order_by("pk")
    }
    to_create: list[Answer] = []
    to_update: list[Answer] = []
    for key, given in answers.items():
        question = form.question(key)
        if question is None:
            errors.setdefault(key, []).append(_("This question is not part of your review."))
            continue
        item_id = question.item.pk if question.item is not None else None
        goal_id = question.goal.pk if question.goal is not None else None
        answer = existing.get((item_id, goal_id))
        value, comment = _clean(question, given, answer, errors)
        if answer is None:
            if value or comment:
                to_create.append(
                    Answer(
                        rating=rating,
                        item_id=item_id,
                        goal_id=goal_id,
                        value=value,
                        comment=comment,
                    )
                )
        elif (answer.value, answer.comment) != (value, comment):
            answer.value, answer.comment = value, comment
            to_update.append(answer)
    overall = rating.overall_comment
    if overall_comment is not None:
        overall = overall_comment.strip()
        if len(overall) > MAX_TEXT:
            errors.setdefault(OVERALL, []).append(
                _("Keep this under %(max)d characters.") % {"max": MAX_TEXT}
            )
    if errors:
        raise ValidationError(errors)
    Answer.objects.bulk_create(to_create)
    now = timezone.now()
    for answer in to_update:
        answer.updated_at = now
    Answer.objects.bulk_update(to_update, ["value", "comment", "updated_at"])
    fields = ["updated_at"]
    if overall != rating.overall_comment:
        rating.overall_comment = overall
        fields.append("overall_comment")
    if rating.status == RatingStatus.PENDING:
        rating.status = RatingStatus.DRAFT
        fields.append("status")
    rating.save(update_fields=fields)


@transaction.atomic
def rating_save_draft(
    *,
    actor: Actor,
    rating: Rating,
    answers: Mapping[str, AnswerInput],
    overall_comment: str | None = None,
) -> Rating:
    """Keep the answers given (some or all questions, by key); questions not given keep
    what they had. Nothing is required in a draft; a value the scale does not take is
    refused and nothing is saved. Not audited."""
    _lock(rating)
    form = rating_form(rating)
    _write(rating=rating, form=form, answers=answers, overall_comment=overall_comment)
    return rating


def _missing(form: RatingForm) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for question in form.questions:
        if question.mode == Mode.SCALE and question.value:
            try:
                _stored_value(question.scale, question.value)
            except (ScoringError, ValueError):
                errors.setdefault(question.key, []).append(
                    _("This answer is not valid for the question's scale.")
                )
                continue
        if question.required and not question.answered:
            message = (
                _("Answer this question.")
                if question.mode == Mode.TEXT
                else _("Choose a rating for this question.")
            )
            errors.setdefault(question.key, []).append(message)
    return errors


def _audit_after(rating: Rating, form: RatingForm) -> dict[str, object]:
    """What the audit keeps of a submission: the ratings given for a named rating; for an
    anonymous one only that it was submitted (no values, no time beyond the entry's own)."""
    if rating.anonymous:
        return {"status": rating.status}
    return {
        "status": rating.status,
        "answers": [
            [q.title[:100], q.value] for q in form.questions if q.mode == Mode.SCALE and q.value
        ],
    }


@transaction.atomic
def rating_submit(
    *,
    actor: Actor,
    rating: Rating,
    answers: Mapping[str, AnswerInput] | None = None,
    overall_comment: str | None = None,
) -> Rating:
    """Save the answers given, check that every required question is answered with a value
    its scale takes, and submit. Any problem: nothing is saved, every problem is reported
    under its question's key. A submitted rating can no longer be changed."""
    _lock(rating)
    before = rating.status
    form = rating_form(rating)
    if answers or overall_comment is not None:
        _write(rating=rating, form=form, answers=answers or {}, overall_comment=overall_comment)
        form = rating_form(rating)
    errors = _missing(form)
    if errors:
        raise ValidationError(errors)
    rating.status = RatingStatus.SUBMITTED
    rating.submitted_at = timezone.now()
    rating.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_record(
        actor=actor,
        instance=rating,
        action=AuditAction.SUBMIT,
        before={"status": before},
        after=_audit_after(rating, form),
    )
    review_id = rating.review_id

    def refresh() -> None:
        from pms.reviews.tasks import refresh_results

        refresh_results.enqueue([review_id])

    # the result moves with the answers (anonymous answers count once their phase passed)
    transaction.on_commit(refresh)
    return rating
