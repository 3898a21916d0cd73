"""Template pages: list, detail, keeping templates and their goals, applying to a group
and following the run. Everyone in the company reads; keepers change; HR applies."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.goals.models import RunStatus, Scorecard, ScorecardTemplate, TemplateItem, TemplateRun
from pms.goals.services import templates as services
from pms.goals.tests import factories as gf
from pms.org.models import Employee
from pms.org.tests import factories as of
from pms.org.tests.factories import TestOrg

ClientFor = Callable[[str], Client]
SYSTEM = Actor.system()


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _stranger() -> Client:
    client = Client()
    client.force_login(User.objects.create_user(username="stranger", password="x"))
    return client


@pytest.fixture
def period(org: TestOrg) -> Any:
    return gf.period("2026年度")


@pytest.fixture
def template(org: TestOrg) -> ScorecardTemplate:
    made: ScorecardTemplate = gf.scorecard_template(
        "销售岗位模板", items=(("销售额", "60"), ("回款率", "40"))
    )
    return made


def _run(template: ScorecardTemplate, period: Any, **group: Any) -> TemplateRun:
    run: TemplateRun = gf.apply_template(template, period, **group)
    return run


# --- list ----------------------------------------------------------------------------------


def test_list_shows_templates_to_everyone(client_for: ClientFor, template: Any) -> None:
    gf.scorecard_template("研发模板", items=(("版本按期上线", "50"),))

    response = client_for("employee").get(reverse("goals:templates"))

    assert response.status_code == 200
    rows = {t.name: t for t in response.context["page"]}
    assert (rows["销售岗位模板"].item_count, rows["销售岗位模板"].total_weight) == (2, 100)
    assert (rows["研发模板"].item_count, rows["研发模板"].total_weight) == (1, 50)
    html = response.content.decode()
    assert reverse("goals:template", args=[template.uuid]) in html
    assert reverse("goals:template_create") not in html
    assert reverse("goals:template_runs") not in html


def test_list_offers_keepers_new_and_hr_runs(client_for: ClientFor, org: TestOrg) -> None:
    keeper = client_for("hr_admin").get(reverse("goals:templates")).content.decode()
    hrbp = client_for("hrbp").get(reverse("goals:templates")).content.decode()

    assert reverse("goals:template_create") in keeper
    assert reverse("goals:template_create") not in hrbp
    assert reverse("goals:template_runs") in hrbp


def test_list_is_not_found_outside_the_company(org: TestOrg) -> None:
    assert _stranger().get(reverse("goals:templates")).status_code == 404


@pytest.mark.parametrize("size", [1, 12])
def test_list_query_count_does_not_grow(
    client_for: ClientFor, org: TestOrg, period: Any, size: int, django_assert_num_queries: Any
) -> None:
    for n in range(size):
        made = gf.scorecard_template(f"模板{n}", role_family=of.role_family())
        if n == 0:
            _run(made, period, department=org.sales1)
    client = client_for("employee")

    # 9: a plain employee's menu asks once whether they sit in a calibration session
    with django_assert_num_queries(9):
        response = client.get(reverse("goals:templates"))

    assert response.status_code == 200


# --- detail --------------------------------------------------------------------------------


def test_detail_shows_goals_to_everyone_without_changes(
    client_for: ClientFor, template: Any
) -> None:
    response = client_for("employee").get(reverse("goals:template", args=[template.uuid]))

    assert response.status_code == 200
    assert [i.title for i in response.context["items"]] == ["销售额", "回款率"]
    assert response.context["problems"] == []
    html = response.content.decode()
    assert "销售额" in html
    assert reverse("goals:template_item_add", args=[template.uuid]) not in html
    assert reverse("goals:template_apply", args=[template.uuid]) not in html
    assert response.context["entries"] is None
    assert response.context["runs"] is None


def test_detail_gives_keepers_changes_history_and_runs(
    client_for: ClientFor, template: Any, period: Any, org: TestOrg
) -> None:
    run = _run(template, period, department=org.sales1)

    response = client_for("hr_admin").get(reverse("goals:template", args=[template.uuid]))

    html = response.content.decode()
    item = template.items.first()
    assert reverse("goals:template_item_edit", args=[item.uuid]) in html
    assert reverse("goals:template_apply", args=[template.uuid]) in html
    assert "History" in html
    assert response.context["runs"] == [run]
    assert {i.goal_count for i in response.context["items"]} == {3}


def test_detail_warns_when_weights_are_off(client_for: ClientFor, org: TestOrg) -> None:
    short = gf.scorecard_template("缺", items=(("销售额", "70"),))

    response = client_for("hr_admin").get(reverse("goals:template", args=[short.uuid]))

    assert response.context["problems"] == [
        "The weights total 70%; they must total 100% (30% missing)."
    ]
    assert "The weights total 70%" in response.content.decode()


def test_detail_is_not_found_when_missing_or_outside(org: TestOrg, template: Any) -> None:
    assert _stranger().get(reverse("goals:template", args=[template.uuid])).status_code == 404


@pytest.mark.parametrize("size", [1, 8])
def test_detail_query_count_does_not_grow(
    client_for: ClientFor, org: TestOrg, period: Any, size: int, django_assert_num_queries: Any
) -> None:
    made = gf.scorecard_template("模板", items=tuple((f"目标{n}", "1") for n in range(size)))
    indicator = gf.indicator()
    for item in made.items.all():
        services.template_item_update(actor=SYSTEM, item=item, changes={"indicator": indicator})
    client = client_for("hr_admin")

    with django_assert_num_queries(11):
        response = client.get(reverse("goals:template", args=[made.uuid]))

    assert response.status_code == 200


# --- creating and changing -----------------------------------------------------------------


def test_keeper_creates_a_template(client_for: ClientFor, org: TestOrg) -> None:
    position = org.employee.position
    assert position is not None

    response = client_for("hr_admin").post(
        reverse("goals:template_create"),
        {"name": "销售代表模板", "description": "结果为主", "position": str(position.uuid)},
    )

    template = ScorecardTemplate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("goals:template", args=[template.uuid])
    assert (template.position, template.role_family) == (position, position.role_family)
    assert AuditEntry.objects.filter(object_type="goals.scorecardtemplate").count() == 1


def test_create_shows_the_services_message(client_for: ClientFor, template: Any) -> None:
    response = client_for("hr_admin").post(
        reverse("goals:template_create"), {"name": "销售岗位模板"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": ["A template with this name exists already."]
    }
    assert ScorecardTemplate.objects.count() == 1


@pytest.mark.parametrize("persona", ["employee", "manager", "hrbp", "ceo"])
def test_create_is_forbidden_to_colleagues(client_for: ClientFor, persona: str) -> None:
    client = client_for(persona)

    assert client.get(reverse("goals:template_create")).status_code == 403
    assert client.post(reverse("goals:template_create"), {"name": "x"}).status_code == 403
    assert not ScorecardTemplate.objects.exists()


def test_create_is_not_found_outside_the_company(org: TestOrg) -> None:
    assert _stranger().get(reverse("goals:template_create")).status_code == 404


def test_keeper_edits_a_template(client_for: ClientFor, template: Any) -> None:
    client = client_for("sysadmin")
    form = client.get(reverse("goals:template_edit", args=[template.uuid]))
    assert form.context["form"].initial["name"] == "销售岗位模板"

    response = client.post(
        reverse("goals:template_edit", args=[template.uuid]),
        {"name": "销售通用模板", "description": "", "reason": "改名"},
    )

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.name == "销售通用模板"
    entry = AuditEntry.objects.filter(object_type="goals.scorecardtemplate").first()
    assert entry is not None
    assert (entry.after, entry.reason) == ({"name": "销售通用模板"}, "改名")


def test_edit_is_forbidden_to_colleagues(client_for: ClientFor, template: Any) -> None:
    url = reverse("goals:template_edit", args=[template.uuid])

    assert client_for("hrbp").get(url).status_code == 403
    assert client_for("employee").post(url, {"name": "x"}).status_code == 403
    template.refresh_from_db()
    assert template.name == "销售岗位模板"


def test_keeper_takes_a_template_out_of_use(client_for: ClientFor, template: Any) -> None:
    url = reverse("goals:template_active", args=[template.uuid])

    refused = client_for("employee").post(url, {"is_active": "0"})
    response = client_for("hr_admin").post(url, {"is_active": "0", "reason": "改版"})

    assert refused.status_code == 403
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.is_active is False


# --- template goals ------------------------------------------------------------------------


def _item_data(**overrides: str) -> dict[str, str]:
    data = {
        "title": "新客户开发数量",
        "kind": "kpi",
        "section": "",
        "weight": "10",
        "indicator": "",
        "description": "",
        "perspective": "customer",
        "metric": "新客户数",
        "unit": "个",
        "direction": "",
        "baseline": "",
        "target": "5",
        "target_max": "",
        "completion_standard": "",
        "rule_type": "linear",
        "rule_floor": "",
        "rule_cap": "",
    }
    data.update(overrides)
    return data


def test_keeper_adds_a_goal(client_for: ClientFor, template: Any) -> None:
    response = client_for("hr_admin").post(
        reverse("goals:template_item_add", args=[template.uuid]), _item_data()
    )

    assert response.status_code == 302
    item = template.items.get(title="新客户开发数量")
    assert (item.weight, item.target, item.unit, item.direction, item.sort_order) == (
        Decimal(10),
        Decimal(5),
        "个",
        "higher",
        3,
    )
    assert item.scoring_rule == {"type": "linear", "floor": "0", "cap": "120"}


def test_a_goal_with_an_indicator_takes_its_rule(client_for: ClientFor, template: Any) -> None:
    indicator = gf.indicator(
        "回款率", unit="%", scoring_rule={"type": "pass_fail", "threshold": "95"}
    )

    client_for("hr_admin").post(
        reverse("goals:template_item_add", args=[template.uuid]),
        _item_data(
            title="回款率达到95%",
            indicator=str(indicator.uuid),
            rule_from_indicator="on",
            metric="",
            unit="",
        ),
    )

    item = template.items.get(title="回款率达到95%")
    assert (item.indicator, item.metric, item.unit) == (indicator, "回款率", "%")
    assert item.scoring_rule["type"] == "pass_fail"


def test_add_goal_shows_errors_and_changes_nothing(client_for: ClientFor, template: Any) -> None:
    response = client_for("hr_admin").post(
        reverse("goals:template_item_add", args=[template.uuid]),
        _item_data(target="10", target_max="5"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "target_max": ["The upper target must not be below the target."]
    }
    assert template.items.count() == 2


def test_add_goal_is_forbidden_to_colleagues(client_for: ClientFor, template: Any) -> None:
    url = reverse("goals:template_item_add", args=[template.uuid])

    assert client_for("hrbp").get(url).status_code == 403
    assert client_for("employee").post(url, _item_data()).status_code == 403
    assert template.items.count() == 2


def test_keeper_edits_a_goal(client_for: ClientFor, template: Any) -> None:
    item = template.items.get(title="销售额")
    client = client_for("hr_admin")
    page = client.get(reverse("goals:template_item_edit", args=[item.uuid]))
    data = {
        name: "" if value is None else str(value)
        for name, value in page.context["form"].initial.items()
        if name != "rule_from_indicator"
    }
    data.update(target="800", reason="上调")

    response = client.post(reverse("goals:template_item_edit", args=[item.uuid]), data)

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.target == Decimal(800)
    entry = AuditEntry.objects.filter(object_type="goals.templateitem", object_id=str(item.pk))[0]
    assert (entry.before, entry.after, entry.reason) == (
        {"target": "500.0000"},
        {"target": "800"},
        "上调",
    )


def test_edit_goal_refusals(client_for: ClientFor, template: Any) -> None:
    item = template.items.get(title="销售额")
    url = reverse("goals:template_item_edit", args=[item.uuid])

    assert client_for("employee").get(url).status_code == 403
    assert _stranger().get(url).status_code == 404


def test_remove_goal_with_htmx_returns_the_table(
    client_for: ClientFor, template: Any, period: Any, org: TestOrg
) -> None:
    _run(template, period, department=org.sales1)
    item = template.items.get(title="回款率")

    response = client_for("hr_admin").post(
        reverse("goals:template_item_remove", args=[item.uuid]), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert [i.title for i in response.context["items"]] == ["销售额"]
    assert 'id="template-items"' in response.content.decode()
    assert not TemplateItem.objects.filter(pk=item.pk).exists()
    assert not Scorecard.objects.filter(goals__title="回款率").exists()
    assert (
        "Goal removed; it was taken off 3 scorecards not yet agreed." in response.content.decode()
    )
    assert _messages(response) == []


def test_remove_goal_is_forbidden_to_colleagues(client_for: ClientFor, template: Any) -> None:
    item = template.items.get(title="回款率")

    response = client_for("hrbp").post(reverse("goals:template_item_remove", args=[item.uuid]))

    assert response.status_code == 403
    assert TemplateItem.objects.filter(pk=item.pk).exists()


def test_move_goal_up(client_for: ClientFor, template: Any) -> None:
    item = template.items.get(title="回款率")

    response = client_for("hr_admin").post(
        reverse("goals:template_item_move", args=[item.uuid]), {"direction": "up"}
    )

    assert response.status_code == 302
    assert [i.title for i in template.items.order_by("sort_order")] == ["回款率", "销售额"]
    refused = client_for("employee").post(
        reverse("goals:template_item_move", args=[item.uuid]), {"direction": "down"}
    )
    assert refused.status_code == 403


# --- applying ------------------------------------------------------------------------------


def test_apply_page_proposes_the_templates_group_and_shows_its_reach(
    client_for: ClientFor, org: TestOrg, period: Any
) -> None:
    position = org.employee.position
    assert position is not None
    made = gf.scorecard_template("销售代表模板", position=position)

    response = client_for("hr_admin").get(reverse("goals:template_apply", args=[made.uuid]))

    assert response.status_code == 200
    assert response.context["form"].initial["position"] == position.uuid
    reach = response.context["reach"]
    assert (reach.people, reach.new, reach.existing, reach.agreed) == (2, 2, 0, 0)
    assert "This reaches 2 people" in response.content.decode()


def test_reach_counts_existing_and_agreed_scorecards(
    client_for: ClientFor, org: TestOrg, period: Any, template: Any
) -> None:
    gf.scorecard(org.employee, period)
    gf.agreed_scorecard(org.peer, period, Actor(user=org.manager.user))

    response = client_for("hr_admin").get(
        reverse("goals:template_apply_reach", args=[template.uuid]),
        {"period": str(period.uuid), "department": str(org.sales1.uuid)},
        HTTP_HX_REQUEST="true",
    )

    reach = response.context["reach"]
    assert (reach.people, reach.new, reach.existing, reach.agreed) == (3, 1, 1, 1)


def test_reach_of_an_hrbp_counts_only_people_in_scope(
    client_for: ClientFor, org: TestOrg, period: Any, template: Any
) -> None:
    response = client_for("hrbp").get(
        reverse("goals:template_apply_reach", args=[template.uuid]),
        {"period": str(period.uuid), "department": str(org.hq.uuid)},
    )

    assert response.context["reach"].people == 5  # 销售中心 only


def test_reach_without_a_group_asks_for_one(
    client_for: ClientFor, period: Any, template: Any
) -> None:
    response = client_for("hr_admin").get(
        reverse("goals:template_apply_reach", args=[template.uuid]), {"period": str(period.uuid)}
    )

    assert response.context["reach"] is None
    assert "Choose a period and a group" in response.content.decode()


def test_hr_applies_a_template_and_lands_on_the_run(
    client_for: ClientFor,
    org: TestOrg,
    period: Any,
    template: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("hrbp").post(
            reverse("goals:template_apply", args=[template.uuid]),
            {"period": str(period.uuid), "department": str(org.hq.uuid)},
        )

    run = TemplateRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("goals:template_run", args=[run.uuid])
    assert (run.status, run.total, run.created, run.created_by) == (
        RunStatus.DONE,
        5,
        5,
        org.hrbp.user,
    )
    assert not Scorecard.objects.filter(employee__in=[org.outsider, org.ceo]).exists()


def test_apply_shows_the_services_message(client_for: ClientFor, org: TestOrg, period: Any) -> None:
    short = gf.scorecard_template("缺", items=(("销售额", "70"),))

    response = client_for("hr_admin").post(
        reverse("goals:template_apply", args=[short.uuid]),
        {"period": str(period.uuid), "department": str(org.sales.uuid)},
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "The weights total 70%; they must total 100% (30% missing)."
    ]
    assert not TemplateRun.objects.exists()


def test_apply_needs_a_group(client_for: ClientFor, period: Any, template: Any) -> None:
    response = client_for("hr_admin").post(
        reverse("goals:template_apply", args=[template.uuid]), {"period": str(period.uuid)}
    )

    assert response.status_code == 400
    assert "Choose whom to apply the template to" in response.content.decode()
    assert not TemplateRun.objects.exists()


@pytest.mark.parametrize("persona", ["employee", "manager", "head", "ceo"])
def test_apply_is_forbidden_to_non_hr(
    client_for: ClientFor, org: TestOrg, period: Any, template: Any, persona: str
) -> None:
    client = client_for(persona)
    data = {"period": str(period.uuid), "department": str(org.sales1.uuid)}

    assert client.get(reverse("goals:template_apply", args=[template.uuid])).status_code == 403
    assert (
        client.post(reverse("goals:template_apply", args=[template.uuid]), data).status_code == 403
    )
    assert (
        client.get(reverse("goals:template_apply_reach", args=[template.uuid]), data).status_code
        == 403
    )
    assert not TemplateRun.objects.exists()


def test_apply_is_not_found_outside_the_company(org: TestOrg, template: Any) -> None:
    assert _stranger().get(reverse("goals:template_apply", args=[template.uuid])).status_code == 404


# --- runs ----------------------------------------------------------------------------------


def test_run_page_shows_the_counts(
    client_for: ClientFor, org: TestOrg, period: Any, template: Any
) -> None:
    gf.agreed_scorecard(org.peer, period, Actor(user=org.manager.user))
    run = _run(template, period, department=org.sales1)

    response = client_for("hr_admin").get(reverse("goals:template_run", args=[run.uuid]))

    assert response.status_code == 200
    html = response.content.decode()
    assert (run.created, run.skipped, run.total) == (2, 1, 3)
    assert "3 of 3 people" in html
    assert 'hx-trigger="every 2s"' not in html  # finished: no more polling


def test_progress_polls_while_the_run_is_going(
    client_for: ClientFor, org: TestOrg, period: Any, template: Any
) -> None:
    run = services.template_run_start(
        actor=Actor(user=org.hr_admin.user),
        template=template,
        period=period,
        people_in_scope=Employee.objects.all(),
        department=org.sales,
    )  # queued: the task runs on commit, which never comes in this test

    response = client_for("hr_admin").get(
        reverse("goals:template_run_progress", args=[run.uuid]), HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert "0 of 5 people" in html


def test_failed_run_shows_its_error(
    client_for: ClientFor, org: TestOrg, period: Any, template: Any
) -> None:
    run = services.template_run_start(
        actor=Actor(user=org.hr_admin.user),
        template=template,
        period=period,
        people_in_scope=Employee.objects.all(),
        department=org.sales,
    )
    services.template_run_fail(run_id=run.pk, error="Stopped after 0 of 5 people: disk full")

    response = client_for("hr_admin").get(reverse("goals:template_run", args=[run.uuid]))

    assert "Stopped after 0 of 5 people: disk full" in response.content.decode()


def test_runs_are_for_their_starter_and_keepers(
    client_for: ClientFor, org: TestOrg, period: Any, template: Any
) -> None:
    run = gf.apply_template(
        template, period, department=org.sales1, actor=Actor(user=org.hr_admin.user)
    )
    url = reverse("goals:template_run", args=[run.uuid])

    assert client_for("sysadmin").get(url).status_code == 200
    assert client_for("hrbp").get(url).status_code == 404  # someone else's run
    assert client_for("employee").get(url).status_code == 404
    assert client_for("employee").get(reverse("goals:template_runs")).status_code == 404
    assert (
        client_for("employee").get(reverse("goals:template_run_progress", args=[run.uuid]))
    ).status_code == 404


@pytest.mark.parametrize("size", [1, 6])
def test_run_list_query_count_does_not_grow(
    client_for: ClientFor, org: TestOrg, size: int, django_assert_num_queries: Any
) -> None:
    made = gf.scorecard_template("模板")
    for n in range(size):
        gf.apply_template(made, gf.period(f"期间{n}"), department=org.sales1)
    client = client_for("hr_admin")

    with django_assert_num_queries(9):
        response = client.get(reverse("goals:template_runs"))

    assert response.status_code == 200
    assert len(response.context["page"]) == size
