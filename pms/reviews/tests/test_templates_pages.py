"""Review template pages: HR sees and changes templates, an HRBP only sees them, everybody
else gets "not found"; bad input shows a message and changes nothing; lists and the
edition's page issue a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.reviews.models import (
    Phase,
    ReviewTemplate,
    SectionKind,
    TemplateItem,
    TemplateSection,
    TemplateStatus,
)
from pms.reviews.services import template_sections as parts
from pms.reviews.services import templates as services
from pms.reviews.tests import factories as rf

ClientFor = Callable[[str], Client]


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


@pytest.fixture
def draft(hr: Actor) -> ReviewTemplate:
    return rf.draft_template(hr, "rnd")


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _create_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "sales-2026",
        "name": "销售考核",
        "description": "",
        "rater_types": ["self", "manager", "peer"],
        "anonymous_types": ["peer"],
        "peer_min": "3",
        "peer_max": "5",
        "grade_bands": "S 90\nA 80\nB 70\nC 60\nD 0",
        "positions": "",
        "weight_manager": "60",
        "weight_peer": "30",
        "weight_self": "10",
    }
    data.update(overrides)
    return data


# --- who gets in -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("hr_admin", 200),
        ("sysadmin", 200),
        ("hrbp", 200),
        ("employee", 404),
        ("manager", 404),
        ("head", 404),
        ("ceo", 404),
    ],
)
def test_list_and_edition_are_for_hr(
    client_for: ClientFor, org: TestOrg, draft: ReviewTemplate, persona: str, status: int
) -> None:
    client = client_for(persona)
    listed = client.get("/reviews/templates/")
    assert listed.status_code == status
    shown = client.get(f"/reviews/templates/{draft.uuid}/")
    assert shown.status_code == status
    if status == 200:
        assert "研发考核模板" in listed.content.decode()
        page = shown.content.decode()
        assert "能力素质" in page
        assert "树立标杆" in page
        assert "重大违纪" in page


@pytest.mark.parametrize(("persona", "status"), [("hrbp", 403), ("employee", 404)])
def test_only_company_hr_changes_templates(
    client_for: ClientFor, org: TestOrg, draft: ReviewTemplate, persona: str, status: int
) -> None:
    client = client_for(persona)
    section = draft.sections.get(kind=SectionKind.COMPETENCIES)
    item = section.items.first()
    assert item is not None
    gets = [
        "/reviews/templates/new/",
        f"/reviews/templates/{draft.uuid}/edit/",
        f"/reviews/templates/{draft.uuid}/sections/new/",
        f"/reviews/templates/sections/{section.uuid}/edit/",
        f"/reviews/templates/sections/{section.uuid}/items/new/",
        f"/reviews/templates/items/{item.uuid}/edit/",
    ]
    posts = [
        f"/reviews/templates/{draft.uuid}/activate/",
        f"/reviews/templates/{draft.uuid}/retire/",
        f"/reviews/templates/{draft.uuid}/new-version/",
        f"/reviews/templates/sections/{section.uuid}/remove/",
        f"/reviews/templates/sections/{section.uuid}/move/",
        f"/reviews/templates/items/{item.uuid}/remove/",
        f"/reviews/templates/items/{item.uuid}/move/",
        "/reviews/templates/starters/",
    ]
    for url in gets:
        assert client.get(url).status_code == status, url
    for url in posts:
        assert client.post(url).status_code == status, url
    draft.refresh_from_db()
    assert draft.status == TemplateStatus.DRAFT
    assert TemplateItem.objects.filter(pk=item.pk).exists()
    assert ReviewTemplate.objects.count() == 1


def test_the_hrbp_sees_no_buttons_to_change(
    client_for: ClientFor, org: TestOrg, draft: ReviewTemplate
) -> None:
    page = client_for("hrbp").get(f"/reviews/templates/{draft.uuid}/").content.decode()
    assert "/sections/new/" not in page
    assert "/activate/" not in page
    listing = client_for("hrbp").get("/reviews/templates/").content.decode()
    assert "/reviews/templates/new/" not in listing


def test_navigation_shows_templates_to_hr_only(client_for: ClientFor, org: TestOrg) -> None:
    assert "/reviews/templates/" in client_for("hr_admin").get("/").content.decode()
    assert "/reviews/templates/" not in client_for("employee").get("/").content.decode()


# --- creating and editing ----------------------------------------------------------------------


def test_hr_creates_a_template(client_for: ClientFor, org: TestOrg) -> None:
    org_factories.role_family("sales", "销售")
    family = org_factories.role_family("service", "客服")
    org_factories.position("销售经理", code="SALES-MGR", dept=org.sales)
    client = client_for("hr_admin")
    assert client.get("/reviews/templates/new/").status_code == 200
    response = client.post(
        "/reviews/templates/new/",
        _create_data(role_families=[str(family.uuid)], positions="SALES-MGR, SALES-REP"),
    )
    tpl = ReviewTemplate.objects.get(code="sales-2026")
    assert response.status_code == 302
    assert response["Location"] == f"/reviews/templates/{tpl.uuid}/"
    assert tpl.rater_weights == {"self": 10, "manager": 60, "peer": 30}
    assert tpl.anonymous_types == ["peer"]
    assert tpl.grade_bands[0] == {"grade": "S", "min_score": "90"}
    assert list(tpl.role_families.all()) == [family]
    assert sorted(tpl.positions.values_list("code", flat=True)) == ["SALES-MGR", "SALES-REP"]
    assert AuditEntry.objects.filter(object_type="reviews.reviewtemplate").count() == 1


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"peer_min": "6", "peer_max": "2"}, "cannot be fewer"),
        ({"weight_manager": "-1"}, "greater than or equal to 0"),
        ({"grade_bands": "S 90\nA"}, "Line 2"),
        ({"grade_bands": "S 90\nA 95\nD 0"}, "Grade band 2"),
        ({"positions": "NOPE"}, "NOPE"),
        ({"code": "不是 slug"}, "slug"),
        ({"name": ""}, "required"),
    ],
)
def test_bad_template_input_is_shown_and_nothing_is_created(
    client_for: ClientFor, org: TestOrg, overrides: dict[str, Any], words: str
) -> None:
    response = client_for("hr_admin").post("/reviews/templates/new/", _create_data(**overrides))
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not ReviewTemplate.objects.exists()
    assert not AuditEntry.objects.filter(object_type="reviews.reviewtemplate").exists()


def test_hr_edits_a_draft(client_for: ClientFor, org: TestOrg, draft: ReviewTemplate) -> None:
    client = client_for("hr_admin")
    assert client.get(f"/reviews/templates/{draft.uuid}/edit/").status_code == 200
    data = _create_data(name="研发考核（新）", reason="改名")
    data.pop("code")
    response = client.post(f"/reviews/templates/{draft.uuid}/edit/", data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.name == "研发考核（新）"
    assert draft.rater_weights == {"self": 10, "manager": 60, "peer": 30}
    entry = AuditEntry.objects.filter(object_type="reviews.reviewtemplate").latest("id")
    assert entry.reason == "改名"


def test_an_edition_in_use_is_not_edited_in_place(
    client_for: ClientFor, org: TestOrg, hr: Actor, draft: ReviewTemplate
) -> None:
    services.template_activate(actor=hr, template=draft)
    data = _create_data(name="改名")
    data.pop("code")
    response = client_for("hr_admin").post(f"/reviews/templates/{draft.uuid}/edit/", data)
    assert response.status_code == 400
    assert "make a new version" in response.content.decode()
    draft.refresh_from_db()
    assert draft.name == "研发考核模板"


# --- sections and items ------------------------------------------------------------------------


def test_hr_adds_a_section_with_a_level_scale(
    client_for: ClientFor, org: TestOrg, draft: ReviewTemplate
) -> None:
    client = client_for("hr_admin")
    url = f"/reviews/templates/{draft.uuid}/sections/new/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "tasks",
            "title": "关键任务",
            "weight": "0",
            "scale_kind": "levels",
            "scale_levels": "A | 100 | 完成出色\nB｜70｜完成\nC | 40",
            "rater_types": ["self", "manager"],
            "goal_sections": ["tasks"],
        },
    )
    assert response.status_code == 302
    section = draft.sections.get(title="关键任务")
    assert section.scale == {
        "kind": "levels",
        "levels": [
            {"code": "A", "points": "100", "label": "完成出色"},
            {"code": "B", "points": "70", "label": "完成"},
            {"code": "C", "points": "40"},
        ],
    }
    assert section.rater_types == ["self", "manager"]
    assert section.goal_sections == ["tasks"]


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"scale_kind": "numeric", "scale_min": "5", "scale_max": "1"}, "below the maximum"),
        ({"scale_kind": "levels", "scale_levels": "S | 100\nS | 80"}, "appears twice"),
        ({"scale_kind": "levels", "scale_levels": "S 100"}, "Line 1"),
        ({"scale_kind": "levels", "scale_levels": "S | 100 | 好\nA | 150"}, "Level 2"),
        ({"weight": "120"}, "less than or equal to 100"),
        ({"kind": "questions", "weight": "10", "scale_kind": ""}, "not scored"),
    ],
)
def test_bad_section_input_is_shown_and_nothing_is_added(
    client_for: ClientFor,
    org: TestOrg,
    draft: ReviewTemplate,
    overrides: dict[str, Any],
    words: str,
) -> None:
    data = {"kind": "competencies", "title": "价值观", "weight": "10", **overrides}
    response = client_for("hr_admin").post(f"/reviews/templates/{draft.uuid}/sections/new/", data)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not draft.sections.filter(title="价值观").exists()


def test_hr_adds_an_item_with_anchors_per_level(
    client_for: ClientFor, org: TestOrg, draft: ReviewTemplate
) -> None:
    section = draft.sections.get(kind=SectionKind.COMPETENCIES)
    client = client_for("hr_admin")
    url = f"/reviews/templates/sections/{section.uuid}/items/new/"
    form_page = client.get(url).content.decode()
    assert "anchor_0" in form_page
    assert "anchor_4" in form_page
    response = client.post(
        url,
        {
            "title": "客户导向",
            "weight": "2",
            "required": "on",
            "anchor_0": "主动挖掘客户深层需求并超出预期",
            "anchor_4": "忽视客户需求",
        },
    )
    assert response.status_code == 302
    item = section.items.get(title="客户导向")
    assert item.anchors == {"S": "主动挖掘客户深层需求并超出预期", "D": "忽视客户需求"}
    assert item.weight == Decimal(2)


def test_veto_items_take_a_grade(
    client_for: ClientFor, org: TestOrg, draft: ReviewTemplate
) -> None:
    veto = draft.sections.get(kind=SectionKind.VETO)
    client = client_for("hr_admin")
    url = f"/reviews/templates/sections/{veto.uuid}/items/new/"
    bad = client.post(url, {"title": "安全事故", "weight": "1", "veto_grade": "E"})
    assert bad.status_code == 400
    good = client.post(
        url, {"title": "安全事故", "weight": "1", "veto_grade": "C", "veto_score_cap": "59"}
    )
    assert good.status_code == 302
    item = veto.items.get(title="安全事故")
    assert (item.veto_grade, item.veto_score_cap) == ("C", Decimal(59))


def test_item_edit_refuses_a_level_the_scale_lacks(
    client_for: ClientFor, org: TestOrg, draft: ReviewTemplate
) -> None:
    tasks = parts.template_section_add(
        actor=Actor.system(),
        template=draft,
        kind="tasks",
        title="项目",
        scale={"kind": "numeric", "min": 0, "max": 100},
    )
    item = parts.template_item_add(actor=Actor.system(), section=tasks, title="交付")
    response = client_for("hr_admin").post(
        f"/reviews/templates/items/{item.uuid}/edit/",
        {"title": "交付", "weight": "1", "anchors_text": "100: 提前交付\n120: 不可能"},
    )
    assert response.status_code == 400
    assert "120" in response.content.decode()
    item.refresh_from_db()
    assert item.anchors == {}


def test_removing_and_moving_with_htmx(
    client_for: ClientFor, org: TestOrg, draft: ReviewTemplate
) -> None:
    client = client_for("hr_admin")
    section = draft.sections.get(kind=SectionKind.COMPETENCIES)
    first, second = section.items.order_by("sort_order")
    moved = client.post(
        f"/reviews/templates/items/{second.uuid}/move/", {"direction": "up"}, HTTP_HX_REQUEST="true"
    )
    assert moved.status_code == 200
    assert moved.content.decode().lstrip().startswith('<section id="sections">')
    assert list(section.items.order_by("sort_order")) == [second, first]
    removed = client.post(f"/reviews/templates/items/{first.uuid}/remove/", HTTP_HX_REQUEST="true")
    assert "Item removed." in removed.content.decode()
    assert not TemplateItem.objects.filter(pk=first.pk).exists()
    questions = draft.sections.get(kind=SectionKind.QUESTIONS)
    plain = client.post(f"/reviews/templates/sections/{questions.uuid}/remove/")
    assert plain.status_code == 302
    assert not TemplateSection.objects.filter(pk=questions.pk).exists()
    assert AuditEntry.objects.filter(
        object_type="reviews.templatesection", action="delete"
    ).exists()


# --- activation and versions ---------------------------------------------------------------------


def test_activate_new_version_and_retire(
    client_for: ClientFor, org: TestOrg, draft: ReviewTemplate
) -> None:
    client = client_for("hr_admin")
    activated = client.post(f"/reviews/templates/{draft.uuid}/activate/", {"reason": "启用"})
    assert activated.status_code == 302
    draft.refresh_from_db()
    assert draft.status == TemplateStatus.ACTIVE
    copied = client.post(f"/reviews/templates/{draft.uuid}/new-version/")
    v2 = ReviewTemplate.objects.get(code="rnd", version=2)
    assert copied["Location"] == f"/reviews/templates/{v2.uuid}/"
    assert v2.status == TemplateStatus.DRAFT
    client.post(f"/reviews/templates/{v2.uuid}/activate/")
    draft.refresh_from_db()
    v2.refresh_from_db()
    assert (draft.status, v2.status) == (TemplateStatus.RETIRED, TemplateStatus.ACTIVE)
    page = client.get(f"/reviews/templates/{draft.uuid}/").content.decode()
    assert f"/reviews/templates/{v2.uuid}/" in page  # the versions list
    client.post(f"/reviews/templates/{v2.uuid}/retire/")
    v2.refresh_from_db()
    assert v2.status == TemplateStatus.RETIRED


def test_an_incomplete_draft_is_not_activated(
    client_for: ClientFor, org: TestOrg, draft: ReviewTemplate
) -> None:
    section = draft.sections.get(kind=SectionKind.COMPETENCIES)
    parts.template_section_update(
        actor=Actor.system(), section=section, changes={"weight": Decimal(10)}
    )
    client = client_for("hr_admin")
    page = client.get(f"/reviews/templates/{draft.uuid}/").content.decode()
    assert "total 70%" in page
    response = client.post(f"/reviews/templates/{draft.uuid}/activate/", follow=True)
    assert any("total 70%" in message for message in _messages(response))
    draft.refresh_from_db()
    assert draft.status == TemplateStatus.DRAFT


def test_the_edition_lists_the_cycles_using_it(
    client_for: ClientFor, org: TestOrg, hr: Actor, draft: ReviewTemplate
) -> None:
    services.template_activate(actor=hr, template=draft)
    cycle = rf.cycle("2026年度考核", default_template=draft, phase=Phase.MANAGER)
    rf.review(cycle, org.employee)
    rf.review(cycle, org.peer)
    page = client_for("hr_admin").get(f"/reviews/templates/{draft.uuid}/").content.decode()
    assert "2026年度考核" in page
    assert "2 reviews" in page
    assert "Make a new version" in page
    assert "/edit/" not in page
    listing = client_for("hr_admin").get("/reviews/templates/").content.decode()
    assert '<td data-label="Used by reviews">2</td>' in listing


def test_hr_installs_the_starter_templates(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("hr_admin")
    response = client.post("/reviews/templates/starters/", follow=True)
    assert any("4 starter templates installed" in m for m in _messages(response))
    assert ReviewTemplate.objects.filter(status=TemplateStatus.ACTIVE).count() == 4
    again = client.post("/reviews/templates/starters/", follow=True)
    assert any("installed already" in m for m in _messages(again))
    assert ReviewTemplate.objects.count() == 4


# --- queries -------------------------------------------------------------------------------------


def test_the_list_issues_the_same_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, hr: Actor, django_assert_num_queries: Any
) -> None:
    client = client_for("hr_admin")
    family = org_factories.role_family("sales", "销售")
    rf.draft_template(hr).role_families.add(family)
    client.get("/reviews/templates/")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/reviews/templates/").status_code == 200
    for _ in range(5):
        tpl = rf.draft_template(hr)
        tpl.role_families.add(family)
        services.template_activate(actor=hr, template=tpl)
        rf.review(rf.cycle(default_template=tpl), org.employee)
    with django_assert_num_queries(len(small)):
        assert client.get("/reviews/templates/?status=all").status_code == 200


def test_the_edition_issues_the_same_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, hr: Actor, django_assert_num_queries: Any
) -> None:
    client = client_for("hr_admin")
    small_tpl = rf.draft_template(hr, competencies=1)
    big_tpl = rf.draft_template(hr, competencies=8)
    for tpl in (small_tpl, big_tpl):
        services.template_activate(actor=hr, template=tpl)
    big_cycle = rf.cycle(default_template=big_tpl)
    rf.review(big_cycle, org.employee)
    rf.review(rf.cycle(default_template=big_tpl), org.peer)
    services.template_new_version(actor=hr, template=big_tpl)
    client.get(f"/reviews/templates/{small_tpl.uuid}/")
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"/reviews/templates/{small_tpl.uuid}/").status_code == 200
    with django_assert_num_queries(len(small)):
        assert client.get(f"/reviews/templates/{big_tpl.uuid}/").status_code == 200


def test_the_list_hides_retired_editions_unless_asked(
    client_for: ClientFor, org: TestOrg, hr: Actor, draft: ReviewTemplate
) -> None:
    services.template_retire(actor=hr, template=draft)
    client = client_for("hr_admin")
    assert str(draft.uuid) not in client.get("/reviews/templates/").content.decode()
    assert str(draft.uuid) in client.get("/reviews/templates/?status=retired").content.decode()
    assert client.get("/reviews/templates/?status=nonsense").status_code == 200
