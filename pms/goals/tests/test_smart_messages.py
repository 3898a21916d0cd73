"""The SMART checker in words: every finding code has its sentence, and findings come from
a saved goal or from what a goal form holds while it is typed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from pms.goals.models import Period
from pms.goals.smart import FINDING_MESSAGES, finding_message, findings_for_goal
from pms.goals.tests import factories
from pms.org.tests.factories import TestOrg
from pms.scoring.smart import FINDING_CODES, Finding, Severity

PERIOD = Period(name="2026年度", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
PARAMS = {
    "length": "2",
    "min": "4",
    "words": "提高",
    "target": "5",
    "baseline": "8",
    "due": "2027-03-01",
    "period_end": "2026-12-31",
    "weight": "60",
    "max": "40",
}


def test_every_finding_code_has_a_sentence() -> None:
    assert set(FINDING_MESSAGES) == set(FINDING_CODES)


@pytest.mark.parametrize("code", FINDING_CODES)
def test_every_sentence_fills_in_its_values(code: str) -> None:
    message = finding_message(Finding(code=code, severity=Severity.WARNING, params=PARAMS))

    assert "%(" not in message
    assert message != code


def test_sentences_are_translated() -> None:
    finding = Finding(code="no_target", severity=Severity.WARNING, params={})

    with translation.override("zh-hans"):
        chinese = finding_message(finding)

    assert chinese
    assert "%" not in chinese


def test_an_unknown_code_shows_as_itself() -> None:
    assert finding_message(Finding(code="new_code", severity=Severity.ADVICE, params={})) == (
        "new_code"
    )


def test_form_data_being_typed_is_read_leniently() -> None:
    findings = findings_for_goal(
        {
            "title": "提高客户满意度",
            "kind": "kpi",
            "metric": "",
            "target": "9.x",  # not a number (yet)
            "weight": "abc",
            "due_date": "2026-13-01",
            "direction": "sideways",
        },
        PERIOD,
    )

    codes = [f.code for f in findings]
    assert codes == ["vague_verb", "no_metric", "no_target"]
    assert "提高" in findings[0].message
    assert findings[1].is_warning


def test_a_task_is_checked_for_its_deadline_and_definition_of_done() -> None:
    findings = findings_for_goal(
        {"title": "完成X产品V2.0上线", "kind": "task", "weight": "60", "due_date": "2027-03-01"},
        PERIOD,
    )

    assert [f.code for f in findings] == [
        "deadline_after_period",
        "no_completion_standard",
        "weight_out_of_range",
    ]
    assert "2027-03-01" in findings[0].message


def test_a_key_results_weight_is_its_share_of_the_objective() -> None:
    findings = findings_for_goal(
        {
            "title": "NPS达到45",
            "kind": "key_result",
            "metric": "NPS",
            "target": "45",
            "weight": "100",
        },
        PERIOD,
    )

    assert findings == []


@pytest.mark.django_db
def test_a_saved_goal_is_checked(org: TestOrg) -> None:
    period = factories.period()
    card = factories.scorecard(org.employee, period)
    goal = factories.kpi(
        card,
        title="降低成本",
        weight="30",
        target=Decimal(90),
        baseline=Decimal(80),
        direction="lower",
    )

    findings = findings_for_goal(goal, period)

    assert [f.code for f in findings] == ["target_below_baseline"]
    assert "90" in findings[0].message
