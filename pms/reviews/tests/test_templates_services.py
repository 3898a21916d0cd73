"""Review template services: editions, sections, items, activation checks, versions,
starter templates — each change audited, bad input refused with nothing changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.reviews.models import (
    Phase,
    RaterType,
    ReviewTemplate,
    SectionKind,
    TemplateItem,
    TemplateSection,
    TemplateStatus,
)
from pms.reviews.services import template_sections as parts
from pms.reviews.services import templates as services
from pms.reviews.starter_templates import STARTERS
from pms.reviews.tests import factories as rf


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


def _audit(instance: Any) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=instance._meta.label_lower, object_id=str(instance.pk)
        ).order_by("id")
    )


def _messages(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


# --- creating and changing an edition ---------------------------------------------------------


def test_create_takes_the_default_raters_and_is_audited(hr: Actor, org: TestOrg) -> None:
    family = org_factories.role_family("sales", "销售")
    tpl = services.template_create(
        actor=hr, code="sales-2026", name="销售考核", role_families=[family]
    )
    assert tpl.version == 1
    assert tpl.status == TemplateStatus.DRAFT
    assert tpl.rater_weights == {"self": 10, "manager": 60, "peer": 20, "upward": 10}
    assert tpl.rater_types == ["self", "manager", "peer", "upward"]
    assert tpl.anonymous_types == ["peer", "upward", "cross"]
    [entry] = _audit(tpl)
    assert entry.action == AuditAction.CREATE
    assert entry.actor == org.hr_admin.user
    assert entry.after is not None
    assert entry.after["role_families"] == ["sales"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"anonymous_types": ["self", "peer"]}, "anonymous_types", "never anonymous"),
        ({"anonymous_types": ["manager"]}, "anonymous_types", "Direct manager"),
        ({"rater_weights": {"manager": -5}}, "rater_weights", "cannot be negative"),
        ({"rater_weights": {"manager": "x"}}, "rater_weights", "not a number"),
        ({"rater_weights": {"boss": 50}}, "rater_weights", "Unknown rater type"),
        ({"rater_types": ["self", "friend"]}, "rater_types", "Unknown rater type"),
        ({"peer_min": 5, "peer_max": 2}, "peer_max", "cannot be fewer"),
        (
            {"grade_bands": [{"grade": "S", "min_score": "90"}, {"grade": "A", "min_score": "95"}]},
            "grade_bands",
            "Grade band 2",
        ),
        (
            {"grade_bands": [{"grade": "S", "min_score": "90"}, {"grade": "D", "min_score": "10"}]},
            "grade_bands",
            "start at 0",
        ),
        ({"name": "  "}, "name", "name"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_created(
    hr: Actor, org: TestOrg, changes: dict[str, Any], field: str, words: str
) -> None:
    values: dict[str, Any] = {"code": "bad", "name": "模板", **changes}
    with pytest.raises(ValidationError) as caught:
        services.template_create(actor=hr, **values)
    assert field in caught.value.message_dict
    assert words in _messages(caught)
    assert not ReviewTemplate.objects.exists()
    assert not AuditEntry.objects.filter(object_type="reviews.reviewtemplate").exists()


def test_a_code_names_one_template(hr: Actor, org: TestOrg) -> None:
    services.template_create(actor=hr, code="general", name="通用")
    with pytest.raises(ValidationError) as caught:
        services.template_create(actor=hr, code="general", name="另一个")
    assert "exists already" in caught.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as caught:
        services.template_create(actor=hr, code="不是 slug", name="另一个")
    assert "code" in caught.value.message_dict
    assert ReviewTemplate.objects.count() == 1


def test_update_records_only_what_changed(hr: Actor, org: TestOrg) -> None:
    tpl = services.template_create(actor=hr, code="general", name="通用")
    family = org_factories.role_family("rnd", "研发")
    services.template_update(
        actor=hr,
        template=tpl,
        changes={
            "name": "通用模板",
            "rater_weights": {"manager": Decimal(70), "self": Decimal("12.5")},
            "grade_bands": [{"grade": "A", "min_score": "80.0"}, {"grade": "D", "min_score": 0}],
            "role_families": [family],
        },
        reason="调整权重",
    )
    tpl.refresh_from_db()
    assert tpl.rater_weights == {"self": "12.5", "manager": 70}
    assert tpl.grade_bands == [{"grade": "A", "min_score": "80"}, {"grade": "D", "min_score": "0"}]
    entry = _audit(tpl)[-1]
    assert entry.reason == "调整权重"
    assert entry.before is not None
    assert entry.after is not None
    assert set(entry.after) == {"name", "rater_weights", "grade_bands", "role_families"}
    assert entry.after["role_families"] == ["rnd"]
    # the same again changes nothing and writes nothing
    services.template_update(actor=hr, template=tpl, changes={"name": "通用模板"})
    assert len(_audit(tpl)) == 2


def test_a_refused_update_leaves_the_edition_as_it_was(hr: Actor, org: TestOrg) -> None:
    tpl = services.template_create(actor=hr, code="general", name="通用")
    with pytest.raises(ValidationError):
        services.template_update(
            actor=hr, template=tpl, changes={"name": "新名字", "peer_min": 9, "peer_max": 1}
        )
    assert tpl.name == "通用"
    tpl.refresh_from_db()
    assert (tpl.name, tpl.peer_min, tpl.peer_max) == ("通用", 3, 6)
    assert len(_audit(tpl)) == 1


# --- sections and items --------------------------------------------------------------------------


def test_sections_get_normalised_scales(hr: Actor, org: TestOrg) -> None:
    tpl = services.template_create(actor=hr, code="t", name="模板")
    numeric = parts.template_section_add(
        actor=hr,
        template=tpl,
        kind=SectionKind.TASKS,
        title="关键任务",
        weight=Decimal(30),
        scale={"kind": "numeric", "min": 1, "max": "5.0", "step": 1},
        goal_sections=["tasks", "okr"],
    )
    veto = parts.template_section_add(actor=hr, template=tpl, kind=SectionKind.VETO, title="否决")
    assert numeric.scale == {"kind": "numeric", "min": "1", "max": "5", "step": "1"}
    assert numeric.goal_sections == ["tasks", "okr"]
    assert numeric.sort_order == 1
    assert veto.sort_order == 2
    assert veto.scale == {"kind": "yes_no", "yes": "100", "no": "0"}
    assert [e.action for e in _audit(numeric)] == [AuditAction.CREATE]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        (
            {"kind": "competencies", "scale": {"kind": "numeric", "min": 5, "max": 1}},
            "scale",
            "below the maximum",
        ),
        (
            {"kind": "competencies", "scale": {"kind": "levels", "levels": [{"code": "S"}]}},
            "scale",
            "points",
        ),
        (
            {
                "kind": "competencies",
                "scale": {
                    "kind": "levels",
                    "levels": [{"code": "S", "points": 100}, {"code": "A", "points": 120}],
                },
            },
            "scale",
            "Level 2",
        ),
        ({"kind": "competencies", "scale": {"kind": "stars"}}, "scale", "stars"),
        ({"kind": "questions", "weight": Decimal(10)}, "weight", "not scored"),
        ({"kind": "veto", "scale": {"kind": "numeric", "min": 0, "max": 1}}, "scale", "yes or no"),
        ({"kind": "goals", "scale": rf.LEVELS_SCALE}, "scale", "no rating scale"),
        ({"kind": "competencies", "goal_sections": ["results"]}, "goal_sections", "scorecard"),
        ({"kind": "goals", "goal_sections": ["nothing"]}, "goal_sections", "nothing"),
        ({"kind": "goals", "rater_types": ["boss"]}, "rater_types", "boss"),
        ({"kind": "goals", "weight": Decimal(101)}, "weight", "between 0 and 100"),
        ({"kind": "goals", "title": " "}, "title", "title"),
    ],
)
def test_bad_sections_are_refused(
    hr: Actor, org: TestOrg, values: dict[str, Any], field: str, words: str
) -> None:
    tpl = services.template_create(actor=hr, code="t", name="模板")
    arguments: dict[str, Any] = {"title": "部分", **values}
    with pytest.raises(ValidationError) as caught:
        parts.template_section_add(actor=hr, template=tpl, **arguments)
    assert field in caught.value.message_dict, caught.value
    assert words in _messages(caught)
    assert not TemplateSection.objects.exists()


def test_items_anchors_use_only_the_scales_levels(hr: Actor, org: TestOrg) -> None:
    tpl = services.template_create(actor=hr, code="t", name="模板")
    section = parts.template_section_add(
        actor=hr, template=tpl, kind="competencies", title="能力", scale=rf.LEVELS_SCALE
    )
    item = parts.template_item_add(
        actor=hr,
        section=section,
        title="客户导向",
        anchors={"S": " 主动挖掘客户深层需求并超出预期 ", "A": "", "D": "忽视客户"},
    )
    assert item.anchors == {"S": "主动挖掘客户深层需求并超出预期", "D": "忽视客户"}
    with pytest.raises(ValidationError) as caught:
        parts.template_item_add(
            actor=hr, section=section, title="团队协作", anchors={"S": "好", "E": "差"}
        )
    assert "E" in caught.value.message_dict["anchors"][0]
    with pytest.raises(ValidationError):
        parts.template_item_add(actor=hr, section=section, title="x", veto_grade="D")
    assert TemplateItem.objects.count() == 1


def test_veto_items_send_a_review_to_a_grade(hr: Actor, org: TestOrg) -> None:
    tpl = services.template_create(actor=hr, code="t", name="模板")
    veto = parts.template_section_add(actor=hr, template=tpl, kind="veto", title="否决项")
    item = parts.template_item_add(actor=hr, section=veto, title="重大违纪")
    assert item.veto_grade == "D"
    capped = parts.template_item_add(
        actor=hr, section=veto, title="安全事故", veto_grade="C", veto_score_cap=Decimal(59)
    )
    assert (capped.veto_grade, capped.veto_score_cap) == ("C", Decimal(59))
    with pytest.raises(ValidationError) as caught:
        parts.template_item_add(actor=hr, section=veto, title="x", veto_grade="E")
    assert "S, A, B, C, D" in caught.value.message_dict["veto_grade"][0]
    goals = parts.template_section_add(actor=hr, template=tpl, kind="goals", title="业绩")
    with pytest.raises(ValidationError) as caught:
        parts.template_item_add(actor=hr, section=goals, title="销售额")
    assert "scorecard" in _messages(caught)
    assert TemplateItem.objects.count() == 2


def test_section_and_item_changes_are_audited(hr: Actor, org: TestOrg) -> None:
    tpl = rf.draft_template(hr)
    section = tpl.sections.get(kind=SectionKind.COMPETENCIES)
    parts.template_section_update(
        actor=hr, section=section, changes={"weight": Decimal(30), "title": "能力"}, reason="r"
    )
    entry = _audit(section)[-1]
    assert entry.before == {"title": "能力素质", "weight": "40.00"}
    assert entry.after == {"title": "能力", "weight": "30"}
    item = section.items.first()
    assert item is not None
    parts.template_item_update(actor=hr, item=item, changes={"anchors": {"S": "标杆"}})
    assert _audit(item)[-1].after == {"anchors": {"S": "标杆"}}
    with pytest.raises(ValidationError) as caught:
        parts.template_section_update(actor=hr, section=section, changes={"kind": "goals"})
    assert "items" in _messages(caught)
    item_id = item.pk
    parts.template_item_remove(actor=hr, item=item, reason="不需要")
    removed_item = AuditEntry.objects.filter(
        object_type="reviews.templateitem", object_id=str(item_id)
    ).latest("id")
    assert removed_item is not None
    assert (removed_item.action, removed_item.reason) == (AuditAction.DELETE, "不需要")
    parts.template_section_remove(actor=hr, section=section)
    removed = AuditEntry.objects.filter(
        object_type="reviews.templatesection", action=AuditAction.DELETE
    ).get()
    assert removed.before is not None
    assert removed.before["items"] == ["能力2"]
    assert not TemplateItem.objects.filter(section_id=section.pk).exists()


def test_moving_sections_and_items(hr: Actor, org: TestOrg) -> None:
    tpl = rf.draft_template(hr)
    veto = tpl.sections.get(kind=SectionKind.VETO)
    parts.template_section_move(actor=hr, section=veto, step=-3)
    titles = list(tpl.sections.order_by("sort_order").values_list("title", flat=True))
    assert titles == ["否决项", "业绩结果", "能力素质", "开放问题"]
    assert _audit(tpl)[-1].after == {"order": titles}
    section = tpl.sections.get(kind=SectionKind.COMPETENCIES)
    second = section.items.order_by("sort_order").last()
    assert second is not None
    parts.template_item_move(actor=hr, item=second, step=-1)
    assert list(section.items.order_by("sort_order").values_list("title", flat=True)) == [
        "能力2",
        "能力1",
    ]
    with pytest.raises(ValidationError):
        parts.template_items_reorder(actor=hr, section=section, order=[second.uuid])


# --- activation ----------------------------------------------------------------------------------


def test_a_complete_draft_is_activated(hr: Actor, org: TestOrg) -> None:
    tpl = rf.draft_template(hr)
    assert services.template_problems(tpl) == []
    services.template_activate(actor=hr, template=tpl, reason="启用")
    tpl.refresh_from_db()
    assert tpl.status == TemplateStatus.ACTIVE
    entry = _audit(tpl)[-1]
    assert (entry.before, entry.after, entry.reason) == (
        {"status": "draft"},
        {"status": "active"},
        "启用",
    )
    with pytest.raises(ValidationError):
        services.template_activate(actor=hr, template=tpl)


def _refused_activation(hr: Actor, tpl: ReviewTemplate, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.template_activate(actor=hr, template=tpl)
    assert words in _messages(caught), caught.value.messages
    tpl.refresh_from_db()
    assert tpl.status == TemplateStatus.DRAFT
    assert not AuditEntry.objects.filter(
        object_type="reviews.reviewtemplate", object_id=str(tpl.pk), after={"status": "active"}
    ).exists()


def test_activation_needs_section_weights_of_100(hr: Actor, org: TestOrg) -> None:
    tpl = rf.draft_template(hr)
    section = tpl.sections.get(kind=SectionKind.COMPETENCIES)
    parts.template_section_update(actor=hr, section=section, changes={"weight": Decimal(30)})
    _refused_activation(hr, tpl, "total 90%")


def test_activation_needs_a_scale_on_rated_sections(hr: Actor, org: TestOrg) -> None:
    tpl = rf.draft_template(hr)
    parts.template_section_add(
        actor=hr, template=tpl, kind=SectionKind.TASKS, title="关键任务", goal_sections=["tasks"]
    )
    _refused_activation(hr, tpl, "“关键任务” needs a valid rating scale")


def test_activation_needs_a_weighted_rater_type(hr: Actor, org: TestOrg) -> None:
    tpl = rf.draft_template(hr)
    services.template_update(
        actor=hr, template=tpl, changes={"rater_weights": {"manager": 0, "self": 0}}
    )
    _refused_activation(hr, tpl, "weight above 0")


def test_activation_finds_anchors_the_scale_lost(hr: Actor, org: TestOrg) -> None:
    tpl = rf.draft_template(hr)
    section = tpl.sections.get(kind=SectionKind.COMPETENCIES)
    two_levels = {
        "kind": "levels",
        "levels": [{"code": "B", "points": 70}, {"code": "D", "points": 40}],
    }
    parts.template_section_update(actor=hr, section=section, changes={"scale": two_levels})
    _refused_activation(hr, tpl, "describes S, which the scale of “能力素质” lacks")


def test_activation_finds_sections_answered_by_types_not_asked(hr: Actor, org: TestOrg) -> None:
    tpl = rf.draft_template(hr)
    section = tpl.sections.get(kind=SectionKind.COMPETENCIES)
    parts.template_section_update(
        actor=hr, section=section, changes={"rater_types": [RaterType.CROSS]}
    )
    _refused_activation(hr, tpl, "whom the template does not ask")


# --- versions ------------------------------------------------------------------------------------


def test_an_edition_in_use_by_a_running_cycle_is_never_changed(hr: Actor, org: TestOrg) -> None:
    """Given v1 used by a review of a running cycle, when HR makes and activates v2 with
    other weights, then the review keeps v1, whose sections and items are unchanged."""
    v1 = rf.draft_template(hr, "sales")
    services.template_activate(actor=hr, template=v1)
    cycle = rf.cycle(default_template=v1, phase=Phase.SELF)
    review = rf.review(cycle, org.employee)
    before = [
        (s.title, s.weight, s.scale, [(i.title, i.anchors) for i in s.items.all()])
        for s in v1.sections.prefetch_related("items")
    ]
    section = v1.sections.get(kind=SectionKind.COMPETENCIES)
    item = section.items.first()
    assert item is not None
    for attempt in (
        lambda: services.template_update(actor=hr, template=v1, changes={"name": "新"}),
        lambda: parts.template_section_update(
            actor=hr, section=section, changes={"weight": Decimal(50)}
        ),
        lambda: parts.template_item_update(actor=hr, item=item, changes={"title": "新"}),
        lambda: parts.template_section_add(actor=hr, template=v1, kind="questions", title="问"),
        lambda: parts.template_item_remove(actor=hr, item=item),
    ):
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert "make a new version" in _messages(caught)

    v2 = services.template_new_version(actor=hr, template=v1, reason="下一年")
    assert (v2.code, v2.version, v2.status, v2.previous) == ("sales", 2, "draft", v1)
    assert v2.sections.count() == 4
    assert TemplateItem.objects.filter(section__template=v2).count() == 4
    new_section = v2.sections.get(kind=SectionKind.COMPETENCIES)
    parts.template_section_update(actor=hr, section=new_section, changes={"weight": Decimal(50)})
    goals = v2.sections.get(kind=SectionKind.GOALS)
    parts.template_section_update(actor=hr, section=goals, changes={"weight": Decimal(50)})
    services.template_activate(actor=hr, template=v2)

    v1.refresh_from_db()
    review.refresh_from_db()
    assert v1.status == TemplateStatus.RETIRED
    assert review.template_id == v1.pk
    after = [
        (s.title, s.weight, s.scale, [(i.title, i.anchors) for i in s.items.all()])
        for s in v1.sections.prefetch_related("items")
    ]
    assert after == before
    assert _audit(v1)[-1].reason == "Replaced by version 2."
    created = _audit(v2)[0]
    assert created.action == AuditAction.CREATE
    assert created.after is not None
    assert created.after["copied_from"] == 1
    assert created.reason == "下一年"


def test_new_versions_come_from_the_latest_edition_only(hr: Actor, org: TestOrg) -> None:
    v1 = rf.draft_template(hr, "rnd")
    with pytest.raises(ValidationError) as caught:
        services.template_new_version(actor=hr, template=v1)
    assert "change it directly" in _messages(caught)
    services.template_activate(actor=hr, template=v1)
    v2 = services.template_new_version(actor=hr, template=v1)
    with pytest.raises(ValidationError) as caught:
        services.template_new_version(actor=hr, template=v1)
    assert "Version 2 of this template exists already" in _messages(caught)
    assert list(ReviewTemplate.objects.filter(code="rnd").values_list("version", flat=True)) == [
        2,
        1,
    ]
    assert v2.status == TemplateStatus.DRAFT


def test_retiring_keeps_the_reviews_edition(hr: Actor, org: TestOrg) -> None:
    tpl = rf.template()
    cycle = rf.cycle(default_template=tpl)
    review = rf.review(cycle, org.employee)
    services.template_retire(actor=hr, template=tpl, reason="不再使用")
    tpl.refresh_from_db()
    review.refresh_from_db()
    assert tpl.status == TemplateStatus.RETIRED
    assert review.template_id == tpl.pk
    assert _audit(tpl)[-1].reason == "不再使用"
    with pytest.raises(ValidationError):
        services.template_retire(actor=hr, template=tpl)


# --- starter templates ----------------------------------------------------------------------------


def test_starter_templates_install_once_and_are_ready(hr: Actor, org: TestOrg) -> None:
    org_factories.role_family("sales", "销售")
    result = services.templates_install_starters(actor=hr)
    assert result.created == [starter.code for starter in STARTERS]
    again = services.templates_install_starters(actor=hr)
    assert again.created == []
    assert again.skipped == result.created
    templates = ReviewTemplate.objects.filter(code__in=result.created)
    assert templates.count() == len(STARTERS)
    for tpl in templates:
        assert tpl.status == TemplateStatus.ACTIVE
        assert services.template_problems(tpl) == []
        assert tpl.rater_weights == {"self": 10, "manager": 60, "peer": 20, "upward": 10}
        veto = TemplateItem.objects.get(section__template=tpl, section__kind=SectionKind.VETO)
        assert (veto.title, veto.veto_grade) == ("重大违纪或安全事故", "D")
    sales = templates.get(code="sales")
    assert list(sales.role_families.values_list("code", flat=True)) == ["sales"]
    weights = {s.kind: s.weight for s in sales.sections.all()}
    assert weights[SectionKind.GOALS] == 70
    assert weights[SectionKind.COMPETENCIES] == 30
    customer = TemplateItem.objects.get(section__template=sales, title="客户导向")
    assert customer.anchors["S"].startswith("主动挖掘客户深层需求并超出预期")
    assert set(customer.anchors) == {"S", "A", "B", "C", "D"}


def test_bands_written_the_older_way_are_read(hr: Actor, org: TestOrg) -> None:
    tpl = services.template_create(
        actor=hr,
        code="t",
        name="模板",
        grade_bands=[{"grade": "A", "min": "80"}, {"grade": "D", "min": 0}],
    )
    assert tpl.grade_bands == [{"grade": "A", "min_score": "80"}, {"grade": "D", "min_score": "0"}]
