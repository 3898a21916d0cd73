"""The starter indicator library (指标库): common indicators per role family, with their
definitions, formulas, data sources and scoring rules.

``load_library`` puts it in the database through the services (the command
``load_indicator_library`` and the demo call it). It matches on the indicator code and is
idempotent: indicators already there are left as HR changed them, unless ``update`` asks to
bring them back in line with this file (their enabled flag is kept either way). Names,
definitions and formulas are Chinese user data, not messages to translate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from pms.core.audit import Actor
from pms.goals.models import DataSource, Direction, Frequency, Indicator, Perspective
from pms.goals.rules import rule_from_text
from pms.goals.services.indicators import (
    indicator_create,
    indicator_snapshot,
    indicator_update,
)
from pms.org.models import RoleFamily
from pms.org.services import role_family_create

# The demo company's role families (pms.org.demo.catalogue), with the same codes.
ROLE_FAMILIES: tuple[tuple[str, str], ...] = (
    ("sales", "销售"),
    ("rnd", "研发"),
    ("management", "管理"),
    ("functional", "职能"),
    ("production", "生产"),
    ("service", "客服"),
)

H, L = Direction.HIGHER, Direction.LOWER
MANUAL, EXCEL, EXTERNAL = DataSource.MANUAL, DataSource.EXCEL, DataSource.EXTERNAL
MONTHLY, QUARTERLY = Frequency.MONTHLY, Frequency.QUARTERLY
HALF_YEARLY, YEARLY = Frequency.HALF_YEARLY, Frequency.YEARLY
FIN, CUS = Perspective.FINANCIAL, Perspective.CUSTOMER
PRO, LRN = Perspective.PROCESS, Perspective.LEARNING


@dataclass(frozen=True)
class LibraryIndicator:
    """One starter indicator; ``rule`` in the compact text form of ``pms.goals.rules``."""

    code: str
    name: str
    families: tuple[str, ...]
    definition: str
    formula: str
    unit: str
    direction: str
    data_source: str
    frequency: str
    perspective: str
    rule: str
    source_system: str = ""
    employee_selectable: bool = True

    @property
    def aggregation(self) -> str:
        """Amounts and counts add up over a period; rates, scores and durations average."""
        return "sum" if self.unit in COUNTED_UNITS else "average"


# units of amounts and counts (added up month by month); everything else is a level
COUNTED_UNITS = frozenset({"万元", "元", "个", "件", "次", "起", "项", "人", "单"})


LIBRARY: tuple[LibraryIndicator, ...] = (
    # --- sales 销售 ---
    LibraryIndicator(
        "SAL-REVENUE",
        "销售额",
        ("sales",),
        "考核期内已确认收入的销售合同金额（不含税）。",
        "Σ 已确认收入的合同金额（不含税）",
        "万元",
        H,
        EXTERNAL,
        MONTHLY,
        FIN,
        "linear 0-120",
        source_system="CRM",
    ),
    LibraryIndicator(
        "SAL-COLLECTION",
        "回款率",
        ("sales",),
        "考核期内实际回款金额占应收账款金额的比例。",
        "实际回款金额 ÷ 应收账款金额 × 100%",
        "%",
        H,
        EXTERNAL,
        MONTHLY,
        FIN,
        "bands 100:100,95:90,90:80,80:60 below 0",
        source_system="ERP",
    ),
    LibraryIndicator(
        "SAL-NEW-CUSTOMERS",
        "新客户开发数量",
        ("sales",),
        "考核期内首次签约并产生回款的新客户数。",
        "首次签约且回款的客户数",
        "家",
        H,
        EXTERNAL,
        MONTHLY,
        CUS,
        "linear 0-150",
        source_system="CRM",
    ),
    LibraryIndicator(
        "SAL-AVG-DEAL",
        "单客户平均成交额",
        ("sales",),
        "考核期内每个成交客户的平均成交金额。",
        "销售额 ÷ 成交客户数",
        "万元",
        H,
        EXTERNAL,
        QUARTERLY,
        FIN,
        "linear 0-120",
        source_system="CRM",
    ),
    LibraryIndicator(
        "SAL-EXPENSE-RATIO",
        "销售费用率",
        ("sales",),
        "销售费用占销售额的比例，越低越好。",
        "销售费用 ÷ 销售额 × 100%",
        "%",
        L,
        EXTERNAL,
        QUARTERLY,
        FIN,
        "bands 100:100,90:80,80:60 below 0",
        source_system="ERP",
    ),
    # --- customer service 客服 ---
    LibraryIndicator(
        "SVC-COMPLAINT-TIMELY",
        "客户投诉处理及时率",
        ("service",),
        "在承诺时限内处理完结的客户投诉占全部投诉的比例。",
        "时限内完结的投诉数 ÷ 投诉总数 × 100%",
        "%",
        H,
        EXTERNAL,
        MONTHLY,
        CUS,
        "bands 100:100,95:85,90:70 below 0",
        source_system="客服工单系统",
    ),
    LibraryIndicator(
        "SVC-SATISFACTION",
        "客户满意度",
        ("service", "sales"),
        "回访调查中客户对服务的平均满意度评分（百分制）。",
        "满意度问卷得分之和 ÷ 有效问卷数",
        "分",
        H,
        EXCEL,
        MONTHLY,
        CUS,
        "linear 0-110",
    ),
    LibraryIndicator(
        "SVC-FIRST-CONTACT",
        "首次解决率",
        ("service",),
        "首次接触即解决的客户问题占全部受理问题的比例。",
        "首次解决的问题数 ÷ 受理问题总数 × 100%",
        "%",
        H,
        EXTERNAL,
        MONTHLY,
        PRO,
        "linear 0-120",
        source_system="客服工单系统",
    ),
    LibraryIndicator(
        "SVC-COMPLAINTS",
        "客户投诉次数",
        ("service",),
        "考核期内因本人服务原因被客户有效投诉的次数。",
        "每次有效投诉扣2分，扣完为止",
        "次",
        L,
        MANUAL,
        MONTHLY,
        CUS,
        "deduction 100 -2 floor 0",
        employee_selectable=False,
    ),
    # --- R&D 研发 ---
    LibraryIndicator(
        "RND-ON-TIME-RELEASE",
        "版本按期上线",
        ("rnd",),
        "版本在计划日期前通过验收并上线。",
        "按期上线为达标，否则为不达标",
        "",
        H,
        MANUAL,
        QUARTERLY,
        PRO,
        "passfail 100",
    ),
    LibraryIndicator(
        "RND-BUG-RATE",
        "Bug率",
        ("rnd",),
        "上线后发现的缺陷数占测试用例总数的比例，越低越好。",
        "线上缺陷数 ÷ 测试用例总数 × 100%",
        "%",
        L,
        EXTERNAL,
        MONTHLY,
        PRO,
        "bands 100:100,80:80,60:60 below 0",
        source_system="缺陷管理系统",
    ),
    LibraryIndicator(
        "RND-PATENTS",
        "专利申请量",
        ("rnd",),
        "考核期内获得受理的发明及实用新型专利申请数。",
        "受理通知书数量",
        "件",
        H,
        MANUAL,
        YEARLY,
        LRN,
        "linear 0-150",
    ),
    LibraryIndicator(
        "RND-LEAD-TIME",
        "需求交付周期",
        ("rnd",),
        "需求从确认到上线的平均天数，越短越好。",
        "Σ(上线日期 − 需求确认日期) ÷ 交付需求数",
        "天",
        L,
        EXTERNAL,
        MONTHLY,
        PRO,
        "linear 0-120",
        source_system="研发管理平台",
    ),
    LibraryIndicator(
        "RND-MILESTONES",
        "重点项目里程碑达成",
        ("rnd", "management"),
        "重点项目按计划完成的里程碑占计划里程碑的比例。",
        "按期完成的里程碑数 ÷ 计划里程碑数 × 100",
        "%",
        H,
        MANUAL,
        QUARTERLY,
        PRO,
        "milestones",
    ),
    # --- management 管理 ---
    LibraryIndicator(
        "MGT-TEAM-ATTAINMENT",
        "下属绩效达标率",
        ("management",),
        "考核结果为B及以上的下属占全部下属的比例。",
        "考核结果B及以上人数 ÷ 下属总数 × 100%",
        "%",
        H,
        MANUAL,
        QUARTERLY,
        LRN,
        "linear 0-120",
    ),
    LibraryIndicator(
        "MGT-TRAINING",
        "团队培训完成率",
        ("management",),
        "团队成员按计划完成培训的比例。",
        "完成培训人次 ÷ 计划培训人次 × 100%",
        "%",
        H,
        EXCEL,
        QUARTERLY,
        LRN,
        "bands 100:100,90:85,80:70 below 0",
    ),
    LibraryIndicator(
        "MGT-RETENTION",
        "核心人才保留率",
        ("management",),
        "期初认定的核心人才在期末仍在职的比例。",
        "期末在职核心人才数 ÷ 期初核心人才数 × 100%",
        "%",
        H,
        EXTERNAL,
        YEARLY,
        LRN,
        "bands 100:100,95:90,90:70 below 0",
        source_system="eHR",
    ),
    LibraryIndicator(
        "MGT-SUCCESSION",
        "关键岗位继任覆盖率",
        ("management",),
        "已有合格继任者的关键岗位占全部关键岗位的比例。",
        "有合格继任者的关键岗位数 ÷ 关键岗位总数 × 100%",
        "%",
        H,
        MANUAL,
        YEARLY,
        LRN,
        "passfail 100",
    ),
    # --- production 生产 ---
    LibraryIndicator(
        "PRD-YIELD",
        "良品率",
        ("production",),
        "合格品数量占生产总数的比例。",
        "合格品数 ÷ 生产总数 × 100%",
        "%",
        H,
        EXTERNAL,
        MONTHLY,
        PRO,
        "bands 100:100,99:90,98:80,97:60 below 0",
        source_system="MES",
    ),
    LibraryIndicator(
        "PRD-EQUIPMENT-FAILURE",
        "设备故障率",
        ("production",),
        "设备故障停机时间占计划运行时间的比例，越低越好。",
        "故障停机时间 ÷ 计划运行时间 × 100%",
        "%",
        L,
        EXTERNAL,
        MONTHLY,
        PRO,
        "linear 0-120",
        source_system="MES",
    ),
    LibraryIndicator(
        "PRD-SAFETY",
        "安全事故",
        ("production",),
        "考核期内发生的可记录安全生产事故，一票否决。",
        "发生1起即触发一票否决，考核等级为D",
        "起",
        L,
        MANUAL,
        MONTHLY,
        PRO,
        "veto D",
        employee_selectable=False,
    ),
    LibraryIndicator(
        "PRD-UNIT-COST",
        "单位成本",
        ("production",),
        "每件合格产品分摊的生产成本，越低越好。",
        "生产总成本 ÷ 合格品数量",
        "元/件",
        L,
        EXTERNAL,
        MONTHLY,
        FIN,
        "linear 0-120",
        source_system="ERP",
    ),
    # --- functional 职能 ---
    LibraryIndicator(
        "FUN-POLICY-ON-TIME",
        "制度流程按期完成率",
        ("functional",),
        "年度计划内的制度、流程按期发布实施的比例。",
        "按期发布的制度流程数 ÷ 计划数 × 100",
        "%",
        H,
        MANUAL,
        QUARTERLY,
        PRO,
        "milestones",
    ),
    LibraryIndicator(
        "FUN-INTERNAL-SATISFACTION",
        "内部客户满意度",
        ("functional",),
        "内部服务对象对本部门服务的满意度评分（百分制）。",
        "满意度问卷平均分",
        "分",
        H,
        EXCEL,
        HALF_YEARLY,
        CUS,
        "linear 0-110",
    ),
)


@dataclass
class LoadResult:
    """What ``load_library`` did, by indicator code (and role family code)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    families_created: list[str] = field(default_factory=list)


def _families(actor: Actor, result: LoadResult) -> dict[str, RoleFamily]:
    """The role families by code; a missing one is created (found by name if a company
    named it differently)."""
    by_code = {family.code: family for family in RoleFamily.objects.all()}
    by_name = {family.name: family for family in by_code.values()}
    order = max((family.sort_order for family in by_code.values()), default=0)
    families: dict[str, RoleFamily] = {}
    for code, name in ROLE_FAMILIES:
        family = by_code.get(code) or by_name.get(name)
        if family is None:
            order += 1
            family = role_family_create(actor=actor, code=code, name=name, sort_order=order)
            result.families_created.append(code)
        families[code] = family
    return families


def _values(spec: LibraryIndicator, families: Mapping[str, RoleFamily]) -> dict[str, object]:
    return {
        "code": spec.code,
        "name": spec.name,
        "definition": spec.definition,
        "formula": spec.formula,
        "unit": spec.unit,
        "direction": str(spec.direction),
        "data_source": str(spec.data_source),
        "source_system": spec.source_system,
        "frequency": str(spec.frequency),
        "aggregation": spec.aggregation,
        "perspective": str(spec.perspective),
        "role_families": [families[code] for code in spec.families],
        "scoring_rule": rule_from_text(spec.rule),
        "employee_selectable": spec.employee_selectable,
    }


@transaction.atomic
def load_library(
    *, actor: Actor, update: bool = False, library: tuple[LibraryIndicator, ...] = LIBRARY
) -> LoadResult:
    """Create the starter indicators that are missing (matched on code). With ``update``,
    existing ones are brought back in line with the library, except their enabled flag."""
    result = LoadResult()
    families = _families(actor, result)
    existing = {
        indicator.code: indicator
        for indicator in Indicator.objects.filter(
            code__in=[spec.code for spec in library]
        ).prefetch_related("role_families")
    }
    for order, spec in enumerate(library, start=1):
        values = _values(spec, families)
        indicator = existing.get(spec.code)
        if indicator is None:
            indicator_create(actor=actor, sort_order=order * 10, **values)  # type: ignore[arg-type]
            result.created.append(spec.code)
            continue
        if not update:
            result.unchanged.append(spec.code)
            continue
        before = indicator_snapshot(indicator, indicator.role_families.all())
        values.pop("code")
        indicator_update(
            actor=actor,
            indicator=indicator,
            changes=values,
            reason=_("Brought in line with the starter library."),
        )
        after = indicator_snapshot(indicator, indicator.role_families.all())
        (result.updated if after != before else result.unchanged).append(spec.code)
    return result
