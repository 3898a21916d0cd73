"""What makes a review template's parts valid, shared by its services, forms and pages:
scales (read by ``pms.scoring``), anchors, rater types and weights, grade bands, and when
an edition may still be changed in place.

Nothing here writes. Checks raise ``ValidationError`` with translated messages keyed by
the model field they are about, as the services report them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from pms.goals.rules import rule_error_message
from pms.reviews.models import (
    MULTI_RATER_TYPES,
    RATED_SECTIONS,
    RaterType,
    Review,
    ReviewTemplate,
    SectionKind,
    TemplateStatus,
)
from pms.scoring import (
    DEFAULT_GRADE_BANDS,
    GRADES,
    LevelsScale,
    NumericScale,
    RatingScale,
    ScoringError,
    YesNoScale,
    grade_bands_from_data,
    grade_bands_to_data,
    scale_from_data,
    scale_points,
    scale_to_data,
)
from pms.scoring.decimals import normalized

# sections whose weight counts towards the review score
SCORED_SECTIONS: tuple[str, ...] = (SectionKind.GOALS, *RATED_SECTIONS)
# sections fed by the goals of each person's scorecard
GOAL_FED_SECTIONS: tuple[str, ...] = (SectionKind.GOALS, SectionKind.TASKS)
# sections that are answered on a scale
SCALED_SECTIONS: tuple[str, ...] = (*RATED_SECTIONS, SectionKind.VETO)
YES_NO: dict[str, object] = {"kind": "yes_no"}


# --- scales and grade bands ------------------------------------------------------------------

# Names of scale and band fields in messages (the goals app's labels are about rules).
_FIELD_LABELS: dict[str, Promise] = {
    "kind": gettext_lazy("kind of scale"),
    "min": gettext_lazy("lowest value"),
    "max": gettext_lazy("highest value"),
    "step": pgettext_lazy("scale", "step"),
    "levels": gettext_lazy("levels"),
    "level": pgettext_lazy("scale", "level"),
    "code": gettext_lazy("level code"),
    "label": gettext_lazy("level description"),
    "points": gettext_lazy("points"),
    "yes": gettext_lazy("points for yes"),
    "no": gettext_lazy("points for no"),
    "scale": gettext_lazy("scale"),
    "min_score": gettext_lazy("minimum score"),
    "grade": gettext_lazy("grade"),
}


def scoring_message(error: ScoringError) -> str:
    """A scale's or grade bands' ``ScoringError`` in words, saying which level or band."""
    params = dict(error.params)
    name = params.get("field", "")
    if name:
        params["field"] = str(_FIELD_LABELS.get(name, name))
    text = rule_error_message(ScoringError(error.code, params))
    position = params.get("position")
    if position and name in ("points", "code", "label"):
        return _("Level %(position)s: %(problem)s") % {"position": position, "problem": text}
    if position and name == "min_score":
        return _("Grade band %(position)s: %(problem)s") % {"position": position, "problem": text}
    return text


def read_scale(data: Mapping[str, Any] | None) -> RatingScale | None:
    """The scale of stored data, or None when there is none or it is not valid."""
    if not data:
        return None
    try:
        return scale_from_data(data)
    except ScoringError:
        return None


def clean_scale(data: Mapping[str, Any] | None) -> dict[str, object]:
    """The scale in its normalised stored form ({} for none), or ``ValidationError``."""
    if not data:
        return {}
    try:
        return scale_to_data(scale_from_data(data))
    except ScoringError as error:
        raise ValidationError({"scale": scoring_message(error)}, code=error.code) from error


def scale_answers(scale: RatingScale, most: int = 11) -> list[str]:
    """The answers of a scale people pick from (levels, yes/no, the points of a small
    stepped numeric scale), best last for numbers; [] when there are too many to list."""
    match scale:
        case LevelsScale():
            return list(scale.codes)
        case YesNoScale():
            return ["yes", "no"]
        case NumericScale():
            if scale.step is None or (scale.max - scale.min) / scale.step + 1 > most:
                return []
            count = int((scale.max - scale.min) / scale.step) + 1
            return [normalized(scale.min + scale.step * n) for n in range(count)]


def anchor_keys_outside(anchors: Mapping[str, str], scale: RatingScale) -> list[str]:
    """The anchors' keys that are no answer of the scale (levels, points, yes/no)."""
    outside: list[str] = []
    for key in anchors:
        match scale:
            case LevelsScale():
                valid = key in scale.codes
            case YesNoScale():
                valid = key in ("yes", "no")
            case NumericScale():
                try:
                    scale_points(scale, key)
                except ScoringError:
                    valid = False
                else:
                    valid = True
        if not valid:
            outside.append(key)
    return outside


def _band_rows(data: object) -> object:
    """Bands as ``pms.scoring`` reads them; older rows may say ``min`` for ``min_score``."""
    if not isinstance(data, list):
        return data
    return [
        {"grade": row.get("grade"), "min_score": row.get("min_score", row.get("min"))}
        if isinstance(row, Mapping) and "min" in row and "min_score" not in row
        else row
        for row in data
    ]


def clean_bands(data: object) -> list[dict[str, str]]:
    """Grade bands in their stored form ([] = the company's bands), or ``ValidationError``."""
    if not data:
        return []
    try:
        return grade_bands_to_data(grade_bands_from_data(_band_rows(data)))
    except ScoringError as error:
        raise ValidationError({"grade_bands": scoring_message(error)}, code=error.code) from error


def veto_grades(template: ReviewTemplate) -> tuple[str, ...]:
    """The grades a veto may send a review to: those of the template's bands (else the
    default bands) that the scoring knows (S–D)."""
    bands = DEFAULT_GRADE_BANDS
    if template.grade_bands:
        try:
            bands = grade_bands_from_data(_band_rows(template.grade_bands))
        except ScoringError:
            bands = DEFAULT_GRADE_BANDS
    return tuple(band.grade for band in bands if band.grade in GRADES)


# --- raters ----------------------------------------------------------------------------------


def type_label(rater_type: str) -> str:
    return str(RaterType(rater_type).label) if rater_type in RaterType.values else rater_type


def clean_types(values: Iterable[object], field_name: str) -> list[str]:
    """Rater types in their canonical order, or ``ValidationError`` on ``field_name``."""
    given = {str(value) for value in values}
    unknown = sorted(given - set(RaterType.values))
    if unknown:
        raise ValidationError(
            {field_name: _("Unknown rater type: %(types)s.") % {"types": ", ".join(unknown)}}
        )
    return [value for value in RaterType.values if value in given]


def clean_anonymous(values: Iterable[object]) -> list[str]:
    """Anonymity is for types several people answer as (peers, subordinates, partners):
    never for a self-review, and a manager's name is known anyway."""
    types = clean_types(values, "anonymous_types")
    if RaterType.SELF in types:
        raise ValidationError({"anonymous_types": _("A self-review is never anonymous.")})
    named = [t for t in types if t not in MULTI_RATER_TYPES]
    if named:
        raise ValidationError(
            {
                "anonymous_types": _(
                    "Only peers, subordinates and cross-department partners answer "
                    "anonymously, not: %(types)s."
                )
                % {"types": ", ".join(type_label(t) for t in named)}
            }
        )
    return types


def weight_value(raw: object) -> Decimal:
    """A stored rater-type weight as a number (0 when it is none)."""
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() else Decimal(0)


def clean_weights(weights: Mapping[str, object]) -> dict[str, int | str]:
    """{rater type: weight 0–100} in the types' order; blanks left out; whole numbers kept
    as numbers, others as decimal strings (JSON has no decimals)."""
    unknown = sorted(str(key) for key in weights if key not in RaterType.values)
    if unknown:
        raise ValidationError(
            {"rater_weights": _("Unknown rater type: %(types)s.") % {"types": ", ".join(unknown)}}
        )
    cleaned: dict[str, int | str] = {}
    for rater_type in RaterType.values:
        raw = weights.get(rater_type)
        if raw is None or raw == "":
            continue
        label = {"type": type_label(rater_type)}
        try:
            value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
        except InvalidOperation:
            value = Decimal("NaN")
        if isinstance(raw, bool) or not value.is_finite():
            raise ValidationError(
                {"rater_weights": _("The weight of %(type)s is not a number.") % label}
            )
        if value < 0:
            raise ValidationError(
                {"rater_weights": _("The weight of %(type)s cannot be negative.") % label}
            )
        if value > 100:
            raise ValidationError(
                {"rater_weights": _("The weight of %(type)s must be at most 100.") % label}
            )
        whole = value == value.to_integral_value()
        cleaned[rater_type] = int(value) if whole else normalized(value)
    return cleaned


def check_peers(peer_min: int, peer_max: int) -> None:
    if peer_min > peer_max:
        raise ValidationError(
            {
                "peer_max": _("The most peers (%(max)s) cannot be fewer than the fewest (%(min)s).")
                % {"max": peer_max, "min": peer_min}
            }
        )


# --- editions ----------------------------------------------------------------------------------


def reviews_using(template: ReviewTemplate) -> int:
    return Review.objects.filter(template=template).count()


def require_editable(template: ReviewTemplate) -> None:
    """Only a draft that no review uses changes in place; anything else changes through a
    new version, so no review ever sees its template change."""
    params = {"version": template.version}
    if template.status == TemplateStatus.ACTIVE:
        raise ValidationError(
            _("Version %(version)s is in use; make a new version to change it.") % params
        )
    if template.status == TemplateStatus.RETIRED:
        raise ValidationError(
            _("Version %(version)s is retired; make a new version to change it.") % params
        )
    used = reviews_using(template)
    if used:
        raise ValidationError(
            ngettext(
                "Version %(version)s is used by %(count)s review; make a new version to change it.",
                "Version %(version)s is used by %(count)s reviews; make a new version to "
                "change it.",
                used,
            )
            % {**params, "count": used}
        )


__all__ = [
    "GOAL_FED_SECTIONS",
    "SCALED_SECTIONS",
    "SCORED_SECTIONS",
    "YES_NO",
    "anchor_keys_outside",
    "check_peers",
    "clean_anonymous",
    "clean_bands",
    "clean_scale",
    "clean_types",
    "clean_weights",
    "read_scale",
    "require_editable",
    "reviews_using",
    "scale_answers",
    "scoring_message",
    "type_label",
    "veto_grades",
    "weight_value",
]
