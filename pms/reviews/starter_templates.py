"""The starter review templates (考核模板库): one per role family of the demo company, with
behaviourally anchored levels (BARS) for every competency and a veto item.

``pms.reviews.services.templates.templates_install_starters`` puts them in the database
through the services (and activates them); it matches on the template code and is
idempotent. Titles, descriptions and anchors are Chinese user data, not messages to
translate — HR changes them like any template (through a new version).

- 销售 / 客服: KPI results 70 + competencies 30; short enough for a monthly review.
- 研发: results 50 + key tasks from the scorecard 20 + competencies 30.
- 管理: results 60 + leadership 25 + values 15.
- 职能 / 生产 (and any cycle's default): results 60 + competencies 40.

Every template weighs raters manager 60, peers 20, self 10, upward 10 (renormalised over
the types that answered), keeps peers and subordinates anonymous, and has the veto item
重大违纪或安全事故 → D, answered by the manager.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pms.reviews.models import DEFAULT_RATER_WEIGHTS, RaterType, SectionKind

# S–D levels with the points each is worth and what it means
LEVELS: dict[str, Any] = {
    "kind": "levels",
    "levels": [
        {"code": "S", "points": "100", "label": "卓越：远超岗位要求，成为标杆"},
        {"code": "A", "points": "85", "label": "优秀：超出岗位要求"},
        {"code": "B", "points": "70", "label": "良好：达到岗位要求"},
        {"code": "C", "points": "60", "label": "待改进：部分达到要求"},
        {"code": "D", "points": "40", "label": "不合格：明显未达到要求"},
    ],
}
YES_NO: dict[str, Any] = {"kind": "yes_no"}


@dataclass(frozen=True)
class StarterItem:
    title: str
    anchors: dict[str, str] = field(default_factory=dict)
    description: str = ""
    weight: Decimal = Decimal(1)
    required: bool = True
    veto_grade: str = ""


@dataclass(frozen=True)
class StarterSection:
    kind: str
    title: str
    weight: Decimal = Decimal(0)
    description: str = ""
    scale: dict[str, Any] | None = None
    rater_types: tuple[str, ...] = ()
    goal_sections: tuple[str, ...] = ()
    items: tuple[StarterItem, ...] = ()


@dataclass(frozen=True)
class StarterTemplate:
    code: str
    name: str
    description: str
    role_families: tuple[str, ...]  # role family codes (or names)
    sections: tuple[StarterSection, ...]
    rater_weights: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RATER_WEIGHTS))
    rater_types: tuple[str, ...] = tuple(DEFAULT_RATER_WEIGHTS)
    anonymous_types: tuple[str, ...] = (RaterType.PEER, RaterType.UPWARD)
    peer_min: int = 3
    peer_max: int = 6


def _bars(s: str, a: str, b: str, c: str, d: str) -> dict[str, str]:
    return {"S": s, "A": a, "B": b, "C": c, "D": d}


# --- competencies with their anchors ---------------------------------------------------------

CUSTOMER = StarterItem(
    "客户导向",
    _bars(
        "主动挖掘客户深层需求并超出预期，推动客户长期合作，客户主动推荐",
        "主动了解客户需求，方案贴合客户并获得客户认可",
        "及时响应客户需求，按承诺完成交付",
        "被动响应客户，偶有延误或遗漏，需要督促",
        "忽视客户需求，出现客户投诉且未改进",
    ),
    "以客户为中心，理解并满足客户需求",
)
RESULTS = StarterItem(
    "结果导向",
    _bars(
        "面对困难仍超额完成目标，主动承担更高挑战并带动他人",
        "高质量按时完成目标，遇到问题主动想办法解决",
        "按时完成既定工作，质量符合要求",
        "工作需要督促，偶有延误或返工",
        "经常不能完成工作，影响团队整体进度",
    ),
    "对目标负责，想尽办法拿到结果",
)
TEAMWORK = StarterItem(
    "团队协作",
    _bars(
        "主动打破部门壁垒，推动跨团队合作达成共同目标",
        "积极配合同事，主动分享信息、经验与资源",
        "按要求配合团队工作，能与同事有效沟通",
        "配合不够主动，需要他人多次推动",
        "只顾个人利益，影响团队合作与氛围",
    ),
    "与他人合作，共同达成团队目标",
)
EXPERTISE = StarterItem(
    "专业能力",
    _bars(
        "在专业领域有深入见解，解决关键难题并沉淀方法，能指导他人",
        "独立解决复杂问题，持续学习并应用新知识",
        "胜任岗位要求，独立完成常规工作",
        "需要指导才能完成部分工作",
        "专业能力不足，无法胜任岗位要求",
    ),
    "岗位所需的知识与技能",
)
INNOVATION = StarterItem(
    "创新与改进",
    _bars(
        "提出并落地有显著价值的创新，形成可推广的方案",
        "主动改进工作方法或技术方案，效果明显",
        "愿意尝试新方法，能提出改进建议",
        "习惯沿用旧方法，很少提出改进",
        "排斥变化，阻碍改进",
    ),
    "不满足现状，持续改进产品、技术与流程",
)
SERVICE = StarterItem(
    "服务意识",
    _bars(
        "预见内部客户需求并主动提供支持，服务获得各部门高度评价",
        "主动响应内部客户，服务及时、专业",
        "按流程和时限提供服务",
        "服务不够及时，偶有推诿",
        "服务态度差，多次被投诉",
    ),
    "把支持的部门和同事当作客户",
)
STRATEGY = StarterItem(
    "战略思考",
    _bars(
        "洞察行业趋势，将公司战略转化为清晰的部门规划并带领团队落地",
        "理解公司战略，部门目标与之紧密对齐",
        "能将上级目标分解到团队并跟进",
        "偏重眼前事务，对方向把握不足",
        "缺乏规划，团队目标与公司战略脱节",
    ),
)
PEOPLE = StarterItem(
    "团队建设",
    _bars(
        "系统培养继任者，团队人才梯队完善，下属成长显著",
        "定期辅导下属，团队氛围积极、稳定",
        "能合理分工并给予下属反馈",
        "对下属辅导不足，团队士气一般",
        "团队关键人才流失严重，问题长期得不到处理",
    ),
    "选人、育人、留人",
)
DECISIONS = StarterItem(
    "决策与担当",
    _bars(
        "在复杂情况下果断决策，勇于承担责任并带领团队扭转局面",
        "及时做出合理决策，对结果负责",
        "能在职责范围内做出决策",
        "决策犹豫，遇到问题倾向上交",
        "回避决策与责任，推卸问题",
    ),
)
INTEGRITY = StarterItem(
    "诚信正直",
    _bars(
        "坚守原则并影响他人，主动维护公司利益与规则",
        "言行一致，信守承诺",
        "遵守公司制度与职业道德",
        "偶有言行不一或承诺未兑现",
        "有违背诚信的行为",
    ),
)
CUSTOMER_FIRST = StarterItem(
    "客户第一",
    _bars(
        "带领团队以客户价值为先，推动流程为客户改进",
        "在决策中始终把客户利益放在前面",
        "重视客户反馈并跟进",
        "客户意识薄弱，偶有忽视客户利益",
        "为部门利益损害客户利益",
    ),
)
WIN_TOGETHER = StarterItem(
    "协作共赢",
    _bars(
        "主动整合跨部门资源，实现多方共赢",
        "积极支持其他部门，共享资源",
        "能与其他部门正常协作",
        "本位主义，跨部门协作需要上级协调",
        "拒绝协作，造成部门间冲突",
    ),
)

# --- sections every template shares ------------------------------------------------------------

QUESTIONS = StarterSection(
    SectionKind.QUESTIONS,
    "开放问题",
    items=(
        StarterItem("本期最突出的成绩或进步是什么？", required=False),
        StarterItem("下一期最需要改进什么？需要哪些支持？", required=False),
    ),
)
VETO = StarterSection(
    SectionKind.VETO,
    "否决项",
    description="出现以下情形的，考核等级直接为D，不论得分多少。",
    scale=YES_NO,
    rater_types=(RaterType.MANAGER,),
    items=(
        StarterItem(
            "重大违纪或安全事故",
            description="严重违反公司制度或职业道德，或因本人责任造成安全事故",
            veto_grade="D",
        ),
    ),
)


def _competencies(title: str, weight: int, *items: StarterItem) -> StarterSection:
    return StarterSection(
        SectionKind.COMPETENCIES,
        title,
        Decimal(weight),
        description="请对照每个等级的行为描述评价，并举出具体事例。",
        scale=LEVELS,
        items=items,
    )


def _results(weight: int, *goal_sections: str) -> StarterSection:
    return StarterSection(
        SectionKind.GOALS,
        "业绩结果",
        Decimal(weight),
        description="根据考核表中的目标、实际完成值和评分规则自动计算，无需手工填写。",
        goal_sections=goal_sections,
    )


STARTERS: tuple[StarterTemplate, ...] = (
    StarterTemplate(
        "sales",
        "销售与客服考核模板",
        "适用于销售、客服岗位，月度和年度考核均可使用：业绩结果（KPI）70%，能力素质30%。",
        ("sales", "service"),
        (
            _results(70, "results"),
            _competencies("能力素质", 30, CUSTOMER, RESULTS, TEAMWORK),
            QUESTIONS,
            VETO,
        ),
    ),
    StarterTemplate(
        "rnd",
        "研发考核模板",
        "适用于研发岗位：业绩结果50%，关键任务20%，能力素质30%。",
        ("rnd",),
        (
            _results(50, "results", "okr"),
            StarterSection(
                SectionKind.TASKS,
                "关键任务",
                Decimal(20),
                description="对考核表中的关键任务逐项评价完成质量。",
                scale=LEVELS,
                rater_types=(RaterType.SELF, RaterType.MANAGER),
                goal_sections=("tasks",),
            ),
            _competencies("能力素质", 30, EXPERTISE, INNOVATION, TEAMWORK),
            QUESTIONS,
            VETO,
        ),
    ),
    StarterTemplate(
        "management",
        "管理者考核模板",
        "适用于各级管理者：业绩结果60%，领导力25%，价值观15%。",
        ("management",),
        (
            _results(60, "results", "okr", "team"),
            _competencies("领导力", 25, STRATEGY, PEOPLE, DECISIONS),
            _competencies("价值观", 15, INTEGRITY, CUSTOMER_FIRST, WIN_TOGETHER),
            QUESTIONS,
            VETO,
        ),
    ),
    StarterTemplate(
        "general",
        "职能与通用考核模板",
        "适用于职能、生产岗位，也可作为考核周期的默认模板：业绩结果60%，能力素质40%。",
        ("functional", "production"),
        (
            _results(60),
            _competencies("能力素质", 40, EXPERTISE, RESULTS, TEAMWORK, SERVICE),
            QUESTIONS,
            VETO,
        ),
    ),
)

__all__ = ["LEVELS", "STARTERS", "StarterItem", "StarterSection", "StarterTemplate"]
