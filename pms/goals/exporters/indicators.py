"""The indicator library as a spreadsheet, in the import's own columns, so that an export
can be edited and imported again unchanged; and the import template."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from pms.goals.importers import INDICATORS
from pms.goals.importers.indicators import (
    AGGREGATION_WORDS,
    DATA_SOURCE_WORDS,
    DIRECTION_WORDS,
    ENTRY_BY_WORDS,
    FREQUENCY_WORDS,
    PERSPECTIVE_WORDS,
    export_word,
    yes_no,
)
from pms.goals.models import Indicator
from pms.goals.rules import rule_to_text
from pms.org import exporters as org_exporters
from pms.org.models import RoleFamily
from pms.scoring.errors import ScoringError

TITLE = "指标库"
_CHUNK = 500


def headers() -> list[str]:
    return [column.header for column in INDICATORS.columns]


def example_rows() -> list[list[str]]:
    return [[column.example for column in INDICATORS.columns]]


def notes_rows() -> list[list[str]]:
    """The explanations sheet: every column, then how rules are written."""
    rows = org_exporters.notes_rows(INDICATORS.kind)
    rows.append([])
    rows.append([_("Scoring rules are written like this:")])
    rows.extend(
        [
            ["linear 0-120", _("Linear: score = attainment, between 0 and 120")],
            [
                "bands 100:100,90:80,80:60 below 0",
                _("Bands by attainment: from 100 → 100, from 90 → 80 …, below every band → 0"),
            ],
            [
                "passfail 100",
                _("Pass/fail: an attainment of at least 100 scores 100, less scores 0"),
            ],
            ["milestones", _("Share of milestones done")],
            ["deduction 100 -2 floor 0", _("Deduction: 100 − 2 per occurrence, not below 0")],
            ["veto D", _("Veto: any occurrence sets the scorecard to grade D")],
        ]
    )
    return rows


def _rule_text(rule: object) -> str:
    try:
        return rule_to_text(rule)  # type: ignore[arg-type]  # a stored rule is a dict
    except ScoringError:
        return str(rule)


def export_rows(indicators: QuerySet[Indicator]) -> Iterator[list[Any]]:
    """One row per indicator in the import's columns (role families by name)."""
    families = Prefetch("role_families", queryset=RoleFamily.objects.order_by("name"))
    for indicator in (
        indicators.order_by("sort_order", "code")
        .prefetch_related(families)
        .iterator(chunk_size=_CHUNK)
    ):
        yield [
            indicator.code,
            indicator.name,
            indicator.definition,
            indicator.formula,
            indicator.unit,
            export_word(DIRECTION_WORDS, indicator.direction),
            export_word(DATA_SOURCE_WORDS, indicator.data_source),
            indicator.source_system,
            export_word(FREQUENCY_WORDS, indicator.frequency),
            export_word(AGGREGATION_WORDS, indicator.aggregation),
            export_word(ENTRY_BY_WORDS, indicator.entry_by),
            export_word(PERSPECTIVE_WORDS, indicator.perspective) if indicator.perspective else "",
            "、".join(family.name for family in indicator.role_families.all()),
            _rule_text(indicator.scoring_rule),
            yes_no(indicator.enabled),
            yes_no(indicator.employee_selectable),
            indicator.sort_order,
        ]
