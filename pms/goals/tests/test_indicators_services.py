"""The library's services: create, change, switch off and on; the starter library and its
command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.goals.library import LIBRARY, ROLE_FAMILIES, load_library
from pms.goals.models import DataSource, Indicator
from pms.goals.services import indicators as services
from pms.goals.tests import factories as gf
from pms.org.models import RoleFamily
from pms.org.tests import factories as of
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


def _audit(indicator: Indicator) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type="goals.indicator", object_id=str(indicator.pk))
    )


def _create(**overrides: object) -> Indicator:
    values: dict[str, object] = {
        "actor": SYSTEM,
        "code": "SAL-REV",
        "name": "销售额",
        "direction": "higher",
        "data_source": "external",
        "source_system": "CRM",
        "frequency": "monthly",
        "perspective": "financial",
        "role_families": [of.role_family()],
        "scoring_rule": {"type": "bands", "bands": [[100, 100], [90.0, "80"]]},
    }
    values.update(overrides)
    return services.indicator_create(**values)  # type: ignore[arg-type]


# --- create -----------------------------------------------------------------------------------


def test_create_stores_a_normalised_rule_and_audits(org: TestOrg) -> None:
    indicator = _create(unit=" 万元 ")

    indicator.refresh_from_db()
    assert indicator.unit == "万元"
    assert indicator.scoring_rule == {
        "type": "bands",
        "bands": [["100", "100"], ["90", "80"]],
        "below": "0",
    }
    assert [f.code for f in indicator.role_families.all()] == ["sales"]
    [entry] = _audit(indicator)
    assert entry.action == AuditAction.CREATE
    assert entry.after is not None
    assert entry.after["scoring_rule"] == "bands 100:100,90:80 below 0"
    assert entry.after["role_families"] == "销售"
    assert entry.after["source_system"] == "CRM"


def test_create_without_a_rule_takes_the_default(org: TestOrg) -> None:
    indicator = _create(scoring_rule=None)

    assert indicator.scoring_rule == {"type": "linear", "floor": "0", "cap": "120"}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "SAL REV"}, "code", "A code cannot contain spaces."),
        ({"code": "  "}, "code", "Give the indicator a code."),
        ({"name": ""}, "name", "Give the indicator a name."),
        ({"source_system": ""}, "source_system", "Name the external system the values come from."),
        ({"scoring_rule": {"type": "curve"}}, "scoring_rule", "Unknown rule type “curve”."),
        ({"direction": "sideways"}, "direction", "Value 'sideways' is not a valid choice."),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(
    org: TestOrg, overrides: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _create(**overrides)

    assert caught.value.message_dict[field] == [message]
    assert not Indicator.objects.exists()
    assert not AuditEntry.objects.filter(object_type="goals.indicator").exists()


def test_create_refuses_a_code_in_use_whatever_its_case(org: TestOrg) -> None:
    _create()

    with pytest.raises(ValidationError) as caught:
        _create(code="sal-rev", name="另一个")

    assert caught.value.message_dict == {
        "code": ["The code sal-rev is already used by another indicator."]
    }
    assert Indicator.objects.count() == 1


def test_source_system_is_dropped_when_the_data_is_not_external(org: TestOrg) -> None:
    indicator = _create(data_source=DataSource.MANUAL, source_system="CRM")

    assert indicator.source_system == ""


# --- update -----------------------------------------------------------------------------------


def test_update_changes_fields_and_families_with_before_and_after(org: TestOrg) -> None:
    indicator = _create()
    rnd = of.role_family("rnd", "研发")

    services.indicator_update(
        actor=SYSTEM,
        indicator=indicator,
        changes={
            "name": "销售收入",
            "role_families": [rnd],
            "scoring_rule": {"type": "linear", "cap": 150},
        },
        reason="口径调整",
    )

    indicator.refresh_from_db()
    assert indicator.name == "销售收入"
    assert indicator.scoring_rule == {"type": "linear", "floor": "0", "cap": "150"}
    assert [f.code for f in indicator.role_families.all()] == ["rnd"]
    entry = _audit(indicator)[0]
    assert entry.action == AuditAction.UPDATE
    assert entry.reason == "口径调整"
    assert entry.before == {
        "name": "销售额",
        "role_families": "销售",
        "scoring_rule": "bands 100:100,90:80 below 0",
    }
    assert entry.after == {
        "name": "销售收入",
        "role_families": "研发",
        "scoring_rule": "linear 0-150",
    }


def test_update_without_a_real_change_writes_nothing(org: TestOrg) -> None:
    indicator = _create()
    stamp = Indicator.objects.get().updated_at

    services.indicator_update(
        actor=SYSTEM,
        indicator=indicator,
        changes={
            "name": "销售额",
            "scoring_rule": {"type": "bands", "bands": [["100", "100"], ["90", "80"]]},
            "role_families": list(indicator.role_families.all()),
        },
    )

    assert len(_audit(indicator)) == 1
    assert Indicator.objects.get().updated_at == stamp


def test_update_refuses_bad_input_and_changes_nothing(org: TestOrg) -> None:
    indicator = _create()
    other = _create(code="OTHER", name="回款率")

    with pytest.raises(ValidationError) as caught:
        services.indicator_update(
            actor=SYSTEM, indicator=other, changes={"code": "SAL-REV", "name": "新名字"}
        )

    assert caught.value.message_dict == {
        "code": ["The code SAL-REV is already used by another indicator."]
    }
    other.refresh_from_db()
    assert (other.code, other.name) == ("OTHER", "回款率")
    with pytest.raises(ValidationError):
        services.indicator_update(
            actor=SYSTEM,
            indicator=indicator,
            changes={"scoring_rule": {"type": "veto", "grade": "Z"}},
        )
    assert Indicator.objects.get(pk=indicator.pk).scoring_rule["type"] == "bands"
    assert len(_audit(indicator)) == 1


def test_update_refuses_the_enabled_flag_and_unknown_fields(org: TestOrg) -> None:
    indicator = _create()

    with pytest.raises(ValueError, match="enabled"):
        services.indicator_update(actor=SYSTEM, indicator=indicator, changes={"enabled": False})


# --- enable / disable -------------------------------------------------------------------------


def test_disable_and_enable_with_reason(org: TestOrg) -> None:
    indicator = _create()

    services.indicator_set_enabled(
        actor=SYSTEM, indicator=indicator, enabled=False, reason="口径停用"
    )
    services.indicator_set_enabled(actor=SYSTEM, indicator=indicator, enabled=False)

    assert Indicator.objects.get().enabled is False
    entries = _audit(indicator)
    assert len(entries) == 2
    assert (entries[0].before, entries[0].after, entries[0].reason) == (
        {"enabled": True},
        {"enabled": False},
        "口径停用",
    )
    services.indicator_set_enabled(actor=SYSTEM, indicator=indicator, enabled=True)
    assert Indicator.objects.get().enabled is True


# --- the starter library ----------------------------------------------------------------------


def test_library_loads_every_role_family_and_indicator(org: TestOrg) -> None:
    result = load_library(actor=SYSTEM)

    assert result.created == [spec.code for spec in LIBRARY]
    assert set(result.families_created) == {code for code, _name in ROLE_FAMILIES} - {"sales"}
    assert Indicator.objects.count() == len(LIBRARY)
    safety = Indicator.objects.get(code="PRD-SAFETY")
    assert safety.scoring_rule == {"type": "veto", "grade": "D"}
    assert safety.employee_selectable is False
    assert [f.code for f in safety.role_families.all()] == ["production"]
    complaints = Indicator.objects.get(name="客户投诉次数")
    assert complaints.scoring_rule == {
        "type": "deduction",
        "start": "100",
        "per_unit": "2",
        "floor": "0",
    }
    for name in (
        "销售额",
        "回款率",
        "版本按期上线",
        "Bug率",
        "良品率",
        "设备故障率",
        "内部客户满意度",
    ):
        assert Indicator.objects.filter(name=name).exists(), name
    assert AuditEntry.objects.filter(object_type="goals.indicator").count() == len(LIBRARY)


def test_library_reuses_a_family_of_the_same_name(org: TestOrg) -> None:
    RoleFamily.objects.create(code="cs", name="客服")

    result = load_library(actor=SYSTEM)

    assert "service" not in result.families_created
    assert Indicator.objects.get(code="SVC-SATISFACTION").role_families.filter(code="cs").exists()


def test_library_loads_once_and_keeps_what_hr_changed(org: TestOrg) -> None:
    load_library(actor=SYSTEM)
    revenue = Indicator.objects.get(code="SAL-REVENUE")
    services.indicator_update(actor=SYSTEM, indicator=revenue, changes={"name": "营业收入"})
    services.indicator_set_enabled(actor=SYSTEM, indicator=revenue, enabled=False)
    entries = AuditEntry.objects.count()

    again = load_library(actor=SYSTEM)

    assert (again.created, again.updated, again.families_created) == ([], [], [])
    assert len(again.unchanged) == len(LIBRARY)
    assert AuditEntry.objects.count() == entries
    assert Indicator.objects.get(code="SAL-REVENUE").name == "营业收入"


def test_library_update_brings_indicators_back_but_keeps_them_disabled(org: TestOrg) -> None:
    load_library(actor=SYSTEM)
    revenue = Indicator.objects.get(code="SAL-REVENUE")
    services.indicator_update(actor=SYSTEM, indicator=revenue, changes={"name": "营业收入"})
    services.indicator_set_enabled(actor=SYSTEM, indicator=revenue, enabled=False)

    result = load_library(actor=SYSTEM, update=True)

    assert result.updated == ["SAL-REVENUE"]
    revenue.refresh_from_db()
    assert (revenue.name, revenue.enabled) == ("销售额", False)
    assert _audit(revenue)[0].reason == "Brought in line with the starter library."


def test_command_prints_what_it_created_and_is_idempotent(org: TestOrg) -> None:
    out = StringIO()
    call_command("load_indicator_library", stdout=out)

    assert "created: SAL-REVENUE 销售额" in out.getvalue()
    assert f"{len(LIBRARY)} created, 0 updated, 0 unchanged" in out.getvalue()
    entry = AuditEntry.objects.filter(object_type="goals.indicator").first()
    assert entry is not None
    assert entry.channel == "command"

    again = StringIO()
    call_command("load_indicator_library", stdout=again)
    assert "created:" not in again.getvalue()
    assert f"0 created, 0 updated, {len(LIBRARY)} unchanged" in again.getvalue()

    Indicator.objects.filter(code="RND-PATENTS").update(name="专利")
    updated = StringIO()
    call_command("load_indicator_library", "--update", stdout=updated)
    assert "updated: RND-PATENTS 专利申请量" in updated.getvalue()


def test_factory_indicator_goes_through_the_service(org: TestOrg) -> None:
    indicator = gf.library_indicator(families=("sales", "rnd"), rule="passfail 100")

    assert sorted(f.code for f in indicator.role_families.all()) == ["rnd", "sales"]
    assert len(_audit(indicator)) == 1
