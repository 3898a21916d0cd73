"""Forms of the review template pages. They parse input into what the services take; the
rules (weights, scales, anchors, anonymity) are in ``pms.reviews.services.templates`` and
``template_sections``, shown on the form by ``add_service_errors``."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.goals.models import Section as GoalSection
from pms.org.forms import reason_field
from pms.org.models import Position, RoleFamily
from pms.reviews.models import (
    MULTI_RATER_TYPES,
    RaterType,
    ReviewTemplate,
    SectionKind,
    TemplateItem,
    TemplateSection,
)
from pms.reviews.template_rules import read_scale, scale_answers, veto_grades
from pms.scoring import LevelsScale, NumericScale, YesNoScale
from pms.scoring.decimals import normalized

# service error fields → form fields
TEMPLATE_FIELD_MAP = {"rater_weights": "weight_manager"}
SECTION_FIELD_MAP = {"scale": "scale_kind"}
SEPARATORS = re.compile(r"[\s,，;；、]+")
LEVEL_SEPARATOR = re.compile(r"\s*[|｜]\s*")
ANCHOR_SEPARATOR = re.compile(r"\s*[:：]\s*")

DEFAULT_LEVELS = "S | 100 | 卓越\nA | 85 | 优秀\nB | 70 | 良好\nC | 60 | 待改进\nD | 40 | 不合格"


def _percent(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        **kwargs,
    )


def _number(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=9,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


def _checkboxes(label: Any, choices: Any, **kwargs: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        **kwargs,
    )


def _changes(values: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if current.get(name) != value}


# --- templates -----------------------------------------------------------------------------


class RoleFamiliesField(forms.ModelMultipleChoiceField[RoleFamily]):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, queryset: QuerySet[RoleFamily], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)


class TemplateForm(forms.Form):
    """A template edition's own settings. Rater weights are one field per type; blank
    means the type is not weighted."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Letters, digits and hyphens; every version of the template shares it."),
    )
    name = forms.CharField(label=_("Template name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    role_families = RoleFamiliesField(
        RoleFamily.objects.none(), label=_("Role families"), required=False
    )
    positions = forms.CharField(
        label=_("Positions"),
        required=False,
        help_text=_(
            "Position codes, separated by spaces or commas. People in these positions get "
            "this template before any role family template."
        ),
    )
    rater_types = _checkboxes(
        _("Rater types asked"),
        RaterType.choices,
        help_text=_("Weighted types are asked anyway."),
    )
    anonymous_types = _checkboxes(
        _("Anonymous rater types"),
        [(value, label) for value, label in RaterType.choices if value in MULTI_RATER_TYPES],
        help_text=_("Their answers reach the person only aggregated and without names."),
    )
    peer_min = forms.IntegerField(label=_("Fewest peers"), min_value=0, max_value=50)
    peer_max = forms.IntegerField(label=_("Most peers"), min_value=0, max_value=50)
    grade_bands = forms.CharField(
        label=_("Grade bands"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One grade per line with its minimum score, best first, e.g. “S 90” … “D 0”. "
            "Leave empty to use the company's bands."
        ),
    )

    WEIGHT_PREFIX = "weight_"

    def __init__(self, *args: Any, role_families: QuerySet[RoleFamily], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["role_families"]
        if not isinstance(field, RoleFamiliesField):
            raise TypeError("role_families")
        field.queryset = role_families
        for value, label in RaterType.choices:
            self.fields[self.WEIGHT_PREFIX + value] = _percent(
                _("Weight: %(type)s") % {"type": label}, required=False
            )

    def weight_fields(self) -> list[BoundField]:
        return [self[self.WEIGHT_PREFIX + value] for value in RaterType.values]

    def main_fields(self) -> list[BoundField]:
        return [
            self[name]
            for name in self.fields
            if not name.startswith(self.WEIGHT_PREFIX) and name != "reason"
        ]

    def clean_positions(self) -> list[Position]:
        codes = [code for code in SEPARATORS.split(self.cleaned_data["positions"]) if code]
        found = {p.code: p for p in Position.objects.filter(code__in=codes)}
        missing = [code for code in codes if code not in found]
        if missing:
            raise ValidationError(
                _("No position has the code %(codes)s."), params={"codes": ", ".join(missing)}
            )
        return [found[code] for code in dict.fromkeys(codes)]

    def clean_grade_bands(self) -> list[dict[str, str]]:
        bands: list[dict[str, str]] = []
        for number, line in enumerate(self.cleaned_data["grade_bands"].splitlines(), start=1):
            parts = [part for part in SEPARATORS.split(line.strip()) if part]
            if not parts:
                continue
            if len(parts) != 2:
                raise ValidationError(
                    _("Line %(line)s: write a grade and its minimum score, e.g. “A 80”."),
                    params={"line": number},
                )
            bands.append({"grade": parts[0], "min_score": parts[1]})
        return bands

    def values(self) -> dict[str, Any]:
        """The arguments of ``template_create``."""
        data = self.cleaned_data
        return {
            "code": data.get("code", ""),
            "name": data["name"],
            "description": data["description"],
            "role_families": list(data["role_families"]),
            "positions": data["positions"],
            "rater_types": list(data["rater_types"]),
            "rater_weights": {
                value: data[self.WEIGHT_PREFIX + value]
                for value in RaterType.values
                if data.get(self.WEIGHT_PREFIX + value) is not None
            },
            "anonymous_types": list(data["anonymous_types"]),
            "peer_min": data["peer_min"],
            "peer_max": data["peer_max"],
            "grade_bands": data["grade_bands"],
        }

    @classmethod
    def initial_for(cls, template: ReviewTemplate) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "code": template.code,
            "name": template.name,
            "description": template.description,
            "role_families": [f.uuid for f in template.role_families.all()],
            "positions": " ".join(p.code for p in template.positions.all()),
            "rater_types": list(template.rater_types),
            "anonymous_types": list(template.anonymous_types),
            "peer_min": template.peer_min,
            "peer_max": template.peer_max,
            "grade_bands": "\n".join(
                f"{band.get('grade', '')} {band.get('min_score', band.get('min', ''))}"
                for band in template.grade_bands
            ),
        }
        for value, weight in template.rater_weights.items():
            initial[cls.WEIGHT_PREFIX + value] = weight
        return initial


class TemplateEditForm(TemplateForm):
    """The same without the code (it names every version) and with a reason."""

    reason = reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["code"]

    def changes(self, template: ReviewTemplate) -> dict[str, Any]:
        """Only what differs, so the history shows what really changed."""
        values = self.values()
        weights = {key: Decimal(str(value)) for key, value in values.pop("rater_weights").items()}
        current_weights = {k: Decimal(str(v)) for k, v in template.rater_weights.items()}
        current: dict[str, Any] = {
            "name": template.name,
            "description": template.description,
            "role_families": list(template.role_families.all()),
            "positions": list(template.positions.all()),
            "rater_types": list(template.rater_types),
            "anonymous_types": list(template.anonymous_types),
            "peer_min": template.peer_min,
            "peer_max": template.peer_max,
            "grade_bands": [
                {"grade": b.get("grade"), "min_score": str(b.get("min_score", b.get("min")))}
                for b in template.grade_bands
            ],
        }
        values["role_families"] = sorted(values["role_families"], key=lambda f: f.pk)
        current["role_families"] = sorted(current["role_families"], key=lambda f: f.pk)
        values["positions"] = sorted(values["positions"], key=lambda p: p.pk)
        current["positions"] = sorted(current["positions"], key=lambda p: p.pk)
        values.pop("code")
        found = _changes(values, current)
        if weights != current_weights:
            found["rater_weights"] = weights
        return found


class ReasonForm(forms.Form):
    """The optional reason of an activation, retirement or new version."""

    reason = reason_field()


# --- sections ------------------------------------------------------------------------------


class SectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SectionKind.choices)
    title = forms.CharField(label=pgettext_lazy("section", "Title"), max_length=100)
    description = forms.CharField(
        label=_("Instructions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to the raters above the section."),
    )
    weight = _percent(
        _("Weight (%)"),
        initial=0,
        help_text=_("Scored sections together weigh 100%; questions and veto items weigh 0."),
    )
    scale_kind = forms.ChoiceField(
        label=_("Rating scale"),
        required=False,
        choices=[
            ("", _("None (goal results, open questions)")),
            ("levels", _("Levels (e.g. S/A/B/C/D)")),
            ("numeric", _("Numbers (e.g. 1–5 or 0–100)")),
            ("yes_no", _("Yes or no")),
        ],
        initial="levels",
    )
    scale_levels = forms.CharField(
        label=_("Levels"),
        required=False,
        initial=DEFAULT_LEVELS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One level per line, best first: code | points (0–100) | meaning."),
    )
    scale_min = _number(_("Lowest value"))
    scale_max = _number(_("Highest value"))
    scale_step = _number(_("Step"))
    scale_yes = _number(_("Points for yes"))
    scale_no = _number(_("Points for no"))
    rater_types = _checkboxes(
        _("Answered by"),
        RaterType.choices,
        help_text=_("None ticked: every rater type the template asks."),
    )
    goal_sections = _checkboxes(
        _("Scorecard sections"),
        GoalSection.choices,
        help_text=_(
            "Goal results and key tasks: which sections of each person's scorecard feed "
            "this one. None ticked: all of them."
        ),
    )

    SCALE_FIELDS = ("scale_kind", "scale_levels", "scale_min", "scale_max", "scale_step")

    def scale_fields(self) -> list[BoundField]:
        names = (*self.SCALE_FIELDS, "scale_yes", "scale_no")
        return [self[name] for name in names]

    def main_fields(self) -> list[BoundField]:
        skip = {*self.SCALE_FIELDS, "scale_yes", "scale_no", "reason"}
        return [self[name] for name in self.fields if name not in skip]

    def _levels(self) -> list[dict[str, str]]:
        levels: list[dict[str, str]] = []
        text: str = self.cleaned_data.get("scale_levels") or ""
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = LEVEL_SEPARATOR.split(line.strip(), maxsplit=2)
            if len(parts) < 2:
                raise ValidationError(
                    {
                        "scale_levels": _(
                            "Line %(line)s: write a level as “code | points | meaning”."
                        )
                        % {"line": number}
                    }
                )
            level = {"code": parts[0], "points": parts[1]}
            if len(parts) == 3 and parts[2]:
                level["label"] = parts[2]
            levels.append(level)
        return levels

    def scale(self) -> dict[str, Any]:
        """The scale as data for the services ({} for none)."""
        data = self.cleaned_data
        kind = data.get("scale_kind") or ""
        if kind == "levels":
            return {"kind": "levels", "levels": self._levels()}
        if kind == "numeric":
            scale: dict[str, Any] = {"kind": "numeric"}
            for name in ("min", "max", "step"):
                value = data.get(f"scale_{name}")
                if value is not None:
                    scale[name] = str(value)
            return scale
        if kind == "yes_no":
            scale = {"kind": "yes_no"}
            for name in ("yes", "no"):
                value = data.get(f"scale_{name}")
                if value is not None:
                    scale[name] = str(value)
            return scale
        return {}

    def values(self) -> dict[str, Any]:
        """The arguments of ``template_section_add``."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "description": data["description"],
            "weight": data["weight"],
            "scale": self.scale(),
            "rater_types": list(data["rater_types"]),
            "goal_sections": list(data["goal_sections"]),
        }

    @classmethod
    def initial_for(cls, section: TemplateSection) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "kind": section.kind,
            "title": section.title,
            "description": section.description,
            "weight": section.weight,
            "rater_types": list(section.rater_types),
            "goal_sections": list(section.goal_sections),
            "scale_kind": section.scale.get("kind", "") if section.scale else "",
        }
        scale = read_scale(section.scale)
        match scale:
            case LevelsScale():
                initial["scale_levels"] = "\n".join(
                    " | ".join(
                        part for part in (level.code, normalized(level.points), level.label) if part
                    )
                    for level in scale.levels
                )
            case NumericScale():
                initial.update(scale_min=scale.min, scale_max=scale.max, scale_step=scale.step)
            case YesNoScale():
                initial.update(scale_yes=scale.yes, scale_no=scale.no)
        return initial


class SectionEditForm(SectionForm):
    reason = reason_field()

    def changes(self, section: TemplateSection) -> dict[str, Any]:
        values = self.values()
        current = {name: getattr(section, name) for name in values}
        found = _changes(values, current)
        # a scale typed differently but meaning the same is no change
        if "scale" in found and read_scale(found["scale"]) == read_scale(section.scale):
            del found["scale"]
        return found


# --- items -------------------------------------------------------------------------------------


class ItemForm(forms.Form):
    """An item of a section. The anchor fields follow the section's scale: one per level
    (or point, or yes/no); a wide numeric scale takes "point: behaviour" lines instead.
    Veto fields only for veto sections."""

    title = forms.CharField(label=_("Item"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    weight = _percent(
        _("Weight"),
        initial=1,
        help_text=_("Relative to the other items of the section; 0 = asked but not scored."),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)

    ANCHOR_PREFIX = "anchor_"

    def __init__(self, *args: Any, section: TemplateSection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section = section
        self.anchor_keys: list[str] = []
        scale = read_scale(section.scale)
        labels: dict[str, str] = {}
        if isinstance(scale, LevelsScale):
            labels = {level.code: level.label for level in scale.levels}
        if section.kind in (SectionKind.QUESTIONS, SectionKind.GOALS):
            pass
        elif scale is not None and scale_answers(scale):
            self.anchor_keys = scale_answers(scale)
            names = {"yes": _("Yes"), "no": _("No")}
            for index, key in enumerate(self.anchor_keys):
                label = f"{names.get(key, key)}" + (f" — {labels[key]}" if labels.get(key) else "")
                self.fields[f"{self.ANCHOR_PREFIX}{index}"] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=1000,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
        else:
            self.fields["anchors_text"] = forms.CharField(
                label=_("Level descriptions"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_("One per line: the point or level, a colon, the behaviour."),
            )
        if section.kind == SectionKind.VETO:
            grades = veto_grades(section.template)
            self.fields["veto_grade"] = forms.ChoiceField(
                label=_("Grade when it applies"),
                choices=[(grade, grade) for grade in grades],
                initial="D" if "D" in grades else grades[-1],
            )
            self.fields["veto_score_cap"] = _percent(
                _("Score at most"),
                required=False,
                help_text=_("Optional: the score is also capped at this value."),
            )

    def anchor_fields(self) -> list[BoundField]:
        names = [f"{self.ANCHOR_PREFIX}{i}" for i in range(len(self.anchor_keys))]
        if "anchors_text" in self.fields:
            names.append("anchors_text")
        return [self[name] for name in names]

    def main_fields(self) -> list[BoundField]:
        return [
            self[name]
            for name in self.fields
            if not name.startswith(self.ANCHOR_PREFIX) and name not in ("anchors_text", "reason")
        ]

    def clean_anchors_text(self) -> dict[str, str]:
        anchors: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["anchors_text"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = ANCHOR_SEPARATOR.split(line.strip(), maxsplit=1)
            if len(parts) != 2 or not parts[0] or not parts[1]:
                raise ValidationError(
                    _("Line %(line)s: write the point or level, a colon, then the behaviour."),
                    params={"line": number},
                )
            anchors[parts[0]] = parts[1]
        return anchors

    def anchors(self) -> dict[str, str]:
        data = self.cleaned_data
        if "anchors_text" in self.fields:
            text_anchors: dict[str, str] = data.get("anchors_text") or {}
            return text_anchors
        anchors: dict[str, str] = {}
        for index, key in enumerate(self.anchor_keys):
            text = (data.get(f"{self.ANCHOR_PREFIX}{index}") or "").strip()
            if text:
                anchors[key] = text
        return anchors

    def values(self) -> dict[str, Any]:
        """The arguments of ``template_item_add`` (besides the section)."""
        data = self.cleaned_data
        values: dict[str, Any] = {
            "title": data["title"],
            "description": data["description"],
            "weight": data["weight"],
            "anchors": self.anchors(),
            "required": data["required"],
        }
        if "veto_grade" in self.fields:
            values["veto_grade"] = data["veto_grade"]
            values["veto_score_cap"] = data.get("veto_score_cap")
        return values

    @classmethod
    def initial_for(cls, item: TemplateItem, section: TemplateSection) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": item.title,
            "description": item.description,
            "weight": item.weight,
            "required": item.required,
            "veto_grade": item.veto_grade,
            "veto_score_cap": item.veto_score_cap,
            "anchors_text": "\n".join(f"{key}: {text}" for key, text in item.anchors.items()),
        }
        scale = read_scale(section.scale)
        keys = scale_answers(scale) if scale is not None else []
        for index, key in enumerate(keys):
            initial[f"{cls.ANCHOR_PREFIX}{index}"] = item.anchors.get(key, "")
        return initial


class ItemEditForm(ItemForm):
    reason = reason_field()

    def changes(self, item: TemplateItem) -> dict[str, Any]:
        values = self.values()
        current = {name: getattr(item, name) for name in values}
        return _changes(values, current)


__all__ = [
    "SECTION_FIELD_MAP",
    "TEMPLATE_FIELD_MAP",
    "ItemEditForm",
    "ItemForm",
    "ReasonForm",
    "SectionEditForm",
    "SectionForm",
    "TemplateEditForm",
    "TemplateForm",
]
