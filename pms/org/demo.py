"""A realistic demo company for ``make run``, the browser tests and the benchmarks.

``plan_demo`` builds the whole company as plain data (no database), reproducible for a
seed: the same seed gives the same departments, names, numbers and reporting lines.
``seed_demo`` writes a plan in bulk: ids are assigned here so that every materialised path
is known before the first insert, and each table is written with ``bulk_create`` in
batches, so 100,000 people take seconds, not hours, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.accounts.models import User
from pms.core.audit import Actor, audit_record
from pms.core.models import AuditAction, AuditChannel
from pms.org.models import (
    Department,
    Employee,
    EmployeeStatus,
    GrantedRole,
    Position,
    RoleFamily,
    RoleGrant,
)
from pms.org.services import company_get_or_create

COMPANY_NAME = "示例科技有限公司"
COMPANY_SHORT_NAME = "示例科技"
DEMO_PASSWORD = "demo12345"  # noqa: S105 (the published password of the demo accounts)
MIN_EMPLOYEES = 100
FOUNDED = dt.date(2008, 3, 1)
BATCH_SIZE = 2000

ROLE_FAMILIES = (
    ("sales", "销售"),
    ("rnd", "研发"),
    ("management", "管理"),
    ("functional", "职能"),
    ("production", "生产"),
    ("service", "客服"),
)


class DemoError(Exception):
    """The demo company cannot be seeded into this database."""


# --- names ---------------------------------------------------------------------------------

# The most frequent Chinese surnames, roughly in order of frequency (weights fall off).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方")
GIVEN_MALE = "伟强磊军洋勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林建国志文博亮"
GIVEN_FEMALE = (
    "芳娜敏静丽艳娟霞秀英华慧巧美淑惠珠翠雅芝玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷"
    "姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
)
GIVEN_COMMON = "子文思嘉一晨雨欣宇梓涵诗佳俊泽浩然博明晓婷雪丽志海建华"

_SURNAME_WEIGHTS = [1.0 / (1 + i / 6) for i in range(len(SURNAMES))]


def person_name(rng: random.Random) -> str:
    """A plausible Chinese name: surname plus one or two given-name characters."""
    if rng.random() < 0.004:
        surname = rng.choice(COMPOUND_SURNAMES)
    else:
        surname = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    pool = GIVEN_MALE if rng.random() < 0.52 else GIVEN_FEMALE
    first = rng.choice(pool)
    if rng.random() < 0.3:
        return surname + first
    return surname + rng.choice(GIVEN_COMMON + pool) + first


def mobile_number(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 35 → 三十五 (up to 99; larger numbers stay in digits)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    return str(n)


# --- job analysis: positions per unit ------------------------------------------------------


@dataclass(frozen=True)
class PositionSpec:
    code: str
    title: str
    family: str
    responsibilities: str
    indicators: tuple[str, ...]


MANAGER_INDICATORS = ("下属绩效达标率", "团队培训完成率")

# 岗位分析: code | title | role family | responsibilities | key indicators. Managers also
# answer for their team (MANAGER_INDICATORS).
_POSITION_TABLE = """
GM-CEO|总经理|management|制定公司战略与年度经营计划|营业收入 净利润 战略目标达成率
GMO-DIR|总经办主任|management|统筹重点工作督办与行政协调|重点工作督办完成率
GMO-MGR|总经办副主任|management|协助主任督办重点工作|会议决议落实率
GMO-LEAD|秘书主管|functional|管理总经理日程与文件|文件流转及时率
GMO-AST|总经理助理|functional|协助总经理处理日常事务|日程安排准确率 文件流转及时率
SAL-DIR|销售总监|management|制定销售策略与年度销售目标|销售额 回款率 市场占有率
SAL-RM|大区经理|management|负责大区市场开拓与销售目标|区域销售额 回款率
SAL-MGR|销售经理|management|带领销售团队完成销售与回款|销售额 回款率
SAL-SUP|销售主管|sales|带领销售小组开发客户|团队销售额 新客户开发数量 回款率
SAL-REP|销售代表|sales|开发与维护客户，完成销售与回款|销售额 回款率 新客户开发数量 单客户平均成交额
SAL-KAM|大客户经理|sales|维护重点客户关系与续约|大客户销售额 客户续约率 回款率
SAL-AST|销售助理|functional|处理订单与合同，支持销售团队|订单处理及时率 合同归档准确率
RND-DIR|研发总监|management|规划技术路线与产品研发|产品按期交付率 研发投入产出比
RND-MGR|研发经理|management|组织研发团队按计划交付版本|版本按期上线率 Bug率
RND-LEAD|技术组长|rnd|负责小组技术方案与代码质量|版本按期上线 Bug率 代码评审覆盖率
RND-ENG|研发工程师|rnd|完成功能设计、开发与单元测试|版本按期上线 Bug率 专利申请量
RND-SENG|高级研发工程师|rnd|负责核心模块设计与技术攻关|版本按期上线 Bug率 专利申请量
RND-QA|测试工程师|rnd|设计与执行测试用例，跟踪缺陷|缺陷发现率 测试用例覆盖率
RND-PM|产品经理|rnd|收集需求，规划产品功能与版本|需求按期交付率 用户满意度
PRD-DIR|生产总监|management|组织生产计划、安全与质量|产量计划完成率 良品率 安全事故次数
PRD-FM|厂长|management|负责工厂生产运营|产量计划完成率 良品率 安全事故次数
PRD-MGR|车间主任|management|组织车间生产，保障安全与质量|产量计划完成率 良品率 设备故障率
PRD-LEAD|班组长|production|安排班组生产，执行安全规程|班组产量完成率 良品率 安全事故次数
PRD-OP|操作工|production|按工艺要求完成生产任务|良品率 人均产量 设备故障率
PRD-MT|设备维修工|production|维护保养生产设备，排除故障|设备故障率 维修及时率
PRD-QC|质检员|production|检验在制品与成品质量|检验准确率 漏检率
SVC-DIR|客服总监|management|建设客户服务体系|客户满意度 客户投诉处理及时率
SVC-MGR|客服经理|management|管理客服团队，保障服务质量|客户满意度 客户投诉处理及时率
SVC-LEAD|客服组长|service|带领客服小组处理咨询与投诉|客户投诉处理及时率 一次解决率
SVC-REP|客服专员|service|受理客户咨询与投诉并跟进|客户投诉处理及时率 客户满意度 一次解决率
MKT-DIR|市场总监|management|制定品牌与市场推广策略|品牌知名度 销售线索数量
MKT-MGR|市场经理|management|组织市场活动与渠道推广|市场活动按期完成率 销售线索数量
MKT-LEAD|市场主管|functional|负责市场活动执行|市场活动按期完成率
MKT-SPC|市场专员|functional|策划执行市场活动，收集线索|市场活动按期完成率 销售线索数量 品牌曝光量
HR-DIR|人力资源总监|management|规划人力资源战略与绩效体系|关键岗位人员流失率 人均效能
HR-MGR|人力资源经理|management|组织招聘、绩效与培训工作|招聘及时率 绩效考核按期完成率
HR-LEAD|人事主管|functional|负责人事事务与团队协调|人事事务处理及时率
HR-PERF|薪酬绩效专员|functional|组织绩效考核与薪酬核算|薪酬核算准确率 绩效考核按期完成率
HR-BP|HRBP|functional|支持业务部门的人员与组织发展|关键岗位人员流失率 员工满意度
HR-REC|招聘专员|functional|管理招聘渠道，安排面试|招聘及时率 人均招聘成本
HR-TRN|培训专员|functional|制定并执行年度培训计划|培训计划完成率 培训满意度
FIN-DIR|财务总监|management|负责财务管理、预算与资金安全|预算执行偏差率 资金周转率
FIN-MGR|财务经理|management|组织会计核算与财务分析|报表按时提交率 预算执行偏差率
FIN-LEAD|会计主管|functional|审核凭证与报表|账务处理准确率
FIN-ACC|会计|functional|完成账务处理与财务报表|账务处理准确率 报表按时提交率
FIN-CSH|出纳|functional|办理资金收付|资金收付差错次数
FIN-ANL|财务分析师|functional|编制预算并分析经营数据|预算执行偏差率
ADM-DIR|行政总监|management|负责行政后勤与办公环境|行政费用预算控制率
ADM-MGR|行政经理|management|组织行政后勤服务|行政费用预算控制率 员工满意度
ADM-LEAD|行政主管|functional|安排行政事务|行政事务处理及时率
ADM-SPC|行政专员|functional|办公用品、会议与差旅服务|行政费用预算控制率 员工满意度
PUR-DIR|采购总监|management|制定采购策略，管理供应商|采购成本降低率
PUR-MGR|采购经理|management|组织采购执行与供应商评估|采购成本降低率 到货及时率
PUR-LEAD|采购主管|functional|审核采购订单|到货及时率
PUR-SPC|采购专员|functional|询价、下单与跟踪到货|采购成本降低率 到货及时率 供应商合格率
QA-DIR|质量总监|management|建设质量管理体系|客户质量投诉次数
QA-MGR|质量经理|management|组织质量检验与体系审核|质量体系审核通过率 良品率
QA-LEAD|质量主管|production|安排检验与质量改进|质量改进项目完成率
QA-ENG|质量工程师|production|制定检验标准，分析质量问题|客户质量投诉次数 质量体系审核通过率
IT-DIR|信息总监|management|规划信息化建设|系统可用率
IT-MGR|IT经理|management|保障信息系统稳定运行|系统可用率 故障响应及时率
IT-LEAD|IT主管|functional|安排运维值班|故障响应及时率
IT-ENG|IT工程师|functional|维护办公网络与业务系统|系统可用率 故障响应及时率
LEG-DIR|法务总监|management|负责公司法律风险管理|法律纠纷胜诉率
LEG-MGR|法务经理|management|组织合同审核与纠纷处理|合同审核及时率
LEG-LEAD|法务主管|functional|审核重大合同|合同审核及时率
LEG-SPC|法务专员|functional|审核合同，处理法律事务|合同审核及时率 法律纠纷胜诉率
"""


def _parse_positions(table: str) -> dict[str, PositionSpec]:
    specs = {}
    for line in table.strip().splitlines():
        code, title, family, responsibilities, indicators = line.split("|")
        names = tuple(indicators.split())
        if family == "management" and code != "GM-CEO":
            names += MANAGER_INDICATORS
        specs[code] = PositionSpec(code, title, family, responsibilities, names)
    return specs


POSITIONS = _parse_positions(_POSITION_TABLE)
CEO_POSITION = POSITIONS["GM-CEO"]


@dataclass(frozen=True)
class UnitSpec:
    """A first-level unit of the company (a centre or a functional department); positions
    by code: the unit's director, the manager of a team, a team lead and the staff mix."""

    key: str
    code: str
    name: str
    weight: float  # share of the company's people
    min_size: int
    min_company: int  # only companies at least this large have the unit
    staff: tuple[tuple[str, float], ...]
    extra: tuple[str, ...] = ()
    children: tuple[str, ...] = ()  # named sub-departments
    split_name: str = ""  # the unit's name once it has sub-departments

    @property
    def director(self) -> str:
        return f"{self.code}-DIR"

    @property
    def manager(self) -> str:
        return f"{self.code}-MGR"

    @property
    def lead(self) -> str:
        return f"{self.code}-LEAD" if self.code != "SAL" else "SAL-SUP"

    @property
    def positions(self) -> tuple[str, ...]:
        return (self.director, self.manager, *self.extra, self.lead, *(c for c, _ in self.staff))


UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("office", "GMO", "总经办", 0.003, 2, 0, (("GMO-AST", 1.0),)),
    UnitSpec(
        "sales",
        "SAL",
        "销售中心",
        0.30,
        12,
        0,
        (("SAL-REP", 0.78), ("SAL-KAM", 0.12), ("SAL-AST", 0.10)),
        extra=("SAL-RM",),
    ),
    UnitSpec(
        "rnd",
        "RND",
        "研发中心",
        0.22,
        5,
        0,
        (("RND-ENG", 0.55), ("RND-SENG", 0.2), ("RND-QA", 0.17), ("RND-PM", 0.08)),
        children=("平台研发部", "产品研发部", "测试部", "数据研发部", "移动研发部", "前端开发部"),
    ),
    UnitSpec(
        "production",
        "PRD",
        "生产中心",
        0.25,
        5,
        0,
        (("PRD-OP", 0.8), ("PRD-MT", 0.1), ("PRD-QC", 0.1)),
        extra=("PRD-FM",),
    ),
    UnitSpec(
        "service",
        "SVC",
        "客服部",
        0.10,
        3,
        0,
        (("SVC-REP", 1.0),),
        children=("热线服务部", "在线服务部", "售后服务部", "客户成功部"),
        split_name="客服中心",
    ),
    UnitSpec(
        "marketing",
        "MKT",
        "市场部",
        0.035,
        2,
        0,
        (("MKT-SPC", 1.0),),
        children=("品牌推广组", "市场活动组", "渠道拓展组", "数字营销组"),
    ),
    UnitSpec(
        "hr",
        "HR",
        "人力资源部",
        0.012,
        4,
        0,
        (("HR-PERF", 0.3), ("HR-BP", 0.25), ("HR-REC", 0.3), ("HR-TRN", 0.15)),
        children=("薪酬绩效组", "HRBP组", "招聘组", "培训发展组", "员工关系组"),
    ),
    UnitSpec(
        "finance",
        "FIN",
        "财务部",
        0.012,
        2,
        0,
        (("FIN-ACC", 0.6), ("FIN-CSH", 0.2), ("FIN-ANL", 0.2)),
        children=("会计核算组", "资金管理组", "财务分析组", "税务组"),
    ),
    UnitSpec("admin", "ADM", "行政部", 0.01, 2, 0, (("ADM-SPC", 1.0),)),
    UnitSpec(
        "procurement",
        "PUR",
        "采购部",
        0.015,
        2,
        1000,
        (("PUR-SPC", 1.0),),
        children=("原材料采购组", "设备采购组", "供应商管理组"),
    ),
    UnitSpec("quality", "QA", "质量管理部", 0.012, 2, 1000, (("QA-ENG", 1.0),)),
    UnitSpec("it", "IT", "信息技术部", 0.01, 2, 1000, (("IT-ENG", 1.0),)),
    UnitSpec("legal", "LEG", "法务部", 0.004, 2, 1000, (("LEG-SPC", 1.0),)),
)

SALES_REGIONS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("华东大区", 0.26, ("上海", "杭州", "南京", "苏州", "宁波", "合肥", "无锡", "济南")),
    ("华南大区", 0.18, ("广州", "深圳", "东莞", "佛山", "厦门", "福州", "南宁")),
    ("华北大区", 0.17, ("北京", "天津", "石家庄", "太原", "青岛", "呼和浩特")),
    ("华中大区", 0.12, ("武汉", "长沙", "郑州", "南昌")),
    ("西南大区", 0.11, ("成都", "重庆", "昆明", "贵阳")),
    ("西北大区", 0.08, ("西安", "兰州", "银川", "乌鲁木齐")),
    ("东北大区", 0.08, ("沈阳", "大连", "长春", "哈尔滨")),
)
FACTORIES = ("苏州", "武汉", "成都", "东莞", "天津", "西安", "合肥", "重庆")
SHIFTS = "甲乙丙丁戊己庚辛壬癸"

# Who the personas are; the usernames are printed by ``demo_logins``.
PERSONAS = ("admin", "ceo", "hr", "hrbp", "head", "manager", "employee", "committee")


# --- the plan ------------------------------------------------------------------------------


@dataclass(slots=True)
class DepartmentPlan:
    index: int
    code: str
    name: str
    parent: int | None
    depth: int
    unit: str
    head_position: str
    sort_order: int
    head: int = -1
    children: list[int] = field(default_factory=list)
    size: int = 0  # people in this department itself (not below)


@dataclass(slots=True)
class PersonPlan:
    index: int
    number: str
    name: str
    phone: str
    department: int
    position: str
    manager: int | None
    hire_date: dt.date
    status: str
    dotted_manager: int | None = None


@dataclass
class DemoPlan:
    seed: int
    departments: list[DepartmentPlan]
    positions: list[tuple[PositionSpec, int]]  # spec and the department index it belongs to
    people: list[PersonPlan]
    personas: dict[str, int]  # username → person index (admin has no employee record)
    grants: list[tuple[int, str, tuple[int, ...]]]  # person, role, scope departments

    def usernames(self) -> Iterator[str]:
        by_person = {index: name for name, index in self.personas.items()}
        for person in self.people:
            yield by_person.get(person.index, person.number)


class _Builder:
    def __init__(self, *, employees: int, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.today = today
        self.leaf_size = max(12, round(math.sqrt(employees) / 5))
        self.departments: list[DepartmentPlan] = []
        self.people: list[PersonPlan] = []

    # departments

    def add_department(
        self, name: str, parent: int | None, unit: str, head_position: str
    ) -> DepartmentPlan:
        index = len(self.departments)
        if parent is None:
            code, depth, order = "HQ", 0, 0
        else:
            up = self.departments[parent]
            order = len(up.children) + 1
            code = f"{up.code}-{order:02d}" if up.parent is not None else ""
            depth = up.depth + 1
            up.children.append(index)
        department = DepartmentPlan(
            index=index,
            code=code,
            name=name,
            parent=parent,
            depth=depth,
            unit=unit,
            head_position=head_position,
            sort_order=order,
        )
        self.departments.append(department)
        return department

    def split_counts(self, total: int, weights: list[float], minimum: int = 1) -> list[int]:
        """Share ``total`` by weights (largest remainder), each at least ``minimum``."""
        count = len(weights)
        spare = total - minimum * count
        scale = sum(weights)
        raw = [spare * w / scale for w in weights]
        shares = [math.floor(r) for r in raw]
        order = sorted(range(count), key=lambda i: raw[i] - shares[i], reverse=True)
        for i in order[: spare - sum(shares)]:
            shares[i] += 1
        return [s + minimum for s in shares]

    def build_unit(self, spec: UnitSpec, root: int, headcount: int) -> None:
        """Lay out the unit's sub-departments, then share its people among them."""
        leaves = max(1, min(round(headcount / self.leaf_size), headcount // 4))
        if spec.key == "sales":
            leaves = max(2, leaves)
        if spec.key == "office":
            leaves = 1
        elif spec.children and spec.key not in {"rnd", "service"}:
            leaves = min(leaves, len(spec.children))  # functional units stay shallow
        while True:
            first = len(self.departments)
            unit = self.add_department(spec.name, root, spec.key, spec.director)
            unit.code = spec.code
            self._lay_out(spec, unit.index, leaves)
            created = self.departments[first:]
            inner = [d for d in created if d.children]
            leaf_list = [d for d in created if not d.children]
            pool = headcount - len(inner)
            if pool >= 4 * len(leaf_list) or leaves == 1:
                break
            # Not enough people for this many teams: undo and try fewer.
            del self.departments[first:]
            self.departments[root].children.pop()
            leaves = max(1, leaves // 2)
        if len(leaf_list) > 1 or leaf_list[0] is not unit:
            unit.name = spec.split_name or spec.name
        for department in inner:
            department.size = 1
        weights = [self.rng.uniform(0.75, 1.25) for _ in leaf_list]
        for department, size in zip(
            leaf_list, self.split_counts(pool, weights, minimum=2), strict=True
        ):
            department.size = size
        if len(leaf_list) == 1 and leaf_list[0] is unit:
            unit.head_position = spec.manager

    def _numbered(self, parent: int, leaves: int, stem: str, spec: UnitSpec) -> None:
        """``leaves`` numbered teams (一组, 二组…) under ``parent``; past ten, in sections (处)."""
        cn = chinese_number
        if leaves <= 1:
            return
        if leaves <= 10:
            for i in range(1, leaves + 1):
                self.add_department(f"{stem}{cn(i)}组", parent, spec.key, spec.manager)
            return
        sections = math.ceil(leaves / 8)
        for i, share in enumerate(self.split_counts(leaves, [1.0] * sections), start=1):
            section = self.add_department(f"{stem}{cn(i)}处", parent, spec.key, spec.manager)
            for j in range(1, share + 1) if share > 1 else ():
                self.add_department(f"{section.name}{cn(j)}组", section.index, spec.key, spec.lead)

    def _lay_out(self, spec: UnitSpec, unit: int, leaves: int) -> None:
        if leaves <= 1:
            return
        if spec.key == "sales":
            self._lay_out_sales(spec, unit, leaves)
        elif spec.key == "production":
            self._lay_out_production(spec, unit, leaves)
        elif spec.children:
            names = spec.children[: min(leaves, len(spec.children))]
            weights = [1.0 / (1 + i / 3) for i in range(len(names))]
            for child_name, share in zip(names, self.split_counts(leaves, weights), strict=True):
                child = self.add_department(child_name, unit, spec.key, spec.manager)
                stem = child_name.removesuffix("部").removesuffix("组")
                self._numbered(child.index, share, stem, spec)
        else:
            self._numbered(unit, leaves, spec.name.removesuffix("部"), spec)

    def _lay_out_sales(self, spec: UnitSpec, unit: int, leaves: int) -> None:
        cn = chinese_number
        rm = spec.extra[0]
        if leaves <= 8:
            for i in range(1, leaves + 1):
                self.add_department(f"销售{cn(i)}部", unit, spec.key, spec.manager)
            return
        regions = SALES_REGIONS[: min(len(SALES_REGIONS), max(2, math.ceil(leaves / 6)))]
        for (region_name, _weight, cities), region_share in zip(
            regions, self.split_counts(leaves, [w for _name, w, _cities in regions]), strict=True
        ):
            region = self.add_department(region_name, unit, spec.key, rm)
            city_count = min(len(cities), max(1, math.ceil(region_share / 4)))
            city_weights = [1.0 / (1 + i / 2) for i in range(city_count)]
            for city, share in zip(
                cities[:city_count],
                self.split_counts(region_share, city_weights),
                strict=True,
            ):
                office = self.add_department(f"{city}销售部", region.index, spec.key, rm)
                if share == 1:
                    office.head_position = spec.manager
                for j in range(1, share + 1) if share > 1 else ():
                    self.add_department(
                        f"{city}销售{cn(j)}部", office.index, spec.key, spec.manager
                    )

    def _lay_out_production(self, spec: UnitSpec, unit: int, leaves: int) -> None:
        cn = chinese_number
        plant_manager = spec.extra[0]
        if leaves <= 3:
            for i in range(1, leaves + 1):
                self.add_department(f"{cn(i)}车间", unit, spec.key, spec.manager)
            return
        workshops = math.ceil(leaves / 6)
        plants = min(len(FACTORIES), math.ceil(workshops / 8)) if workshops > 8 else 0
        plant_ids = [
            self.add_department(f"{FACTORIES[i]}工厂", unit, spec.key, plant_manager).index
            for i in range(plants)
        ]
        shares = self.split_counts(leaves, [1.0] * workshops)
        for w, share in enumerate(shares):
            if plants:
                parent = plant_ids[w % plants]
                number = w // plants + 1
                stem = FACTORIES[w % plants] + cn(number)
            else:
                parent, stem = unit, cn(w + 1)
            shop = self.add_department(f"{stem}车间", parent, spec.key, spec.manager)
            for s in range(share) if share > 1 else ():
                label = SHIFTS[s] if s < len(SHIFTS) else cn(s + 1)
                self.add_department(f"{shop.name}{label}班", shop.index, spec.key, spec.lead)

    # people

    def hire_date(self, *, senior: bool) -> dt.date:
        latest = self.today - dt.timedelta(days=200)
        span = (latest - FOUNDED).days
        if senior:
            offset = int(self.rng.triangular(0, span, span * 0.3))
        else:
            offset = int(self.rng.triangular(0, span, span))  # the company keeps growing
        return FOUNDED + dt.timedelta(days=max(0, offset))

    def add_person(
        self, department: int, position: str, manager: int | None, *, staff: bool
    ) -> PersonPlan:
        rng = self.rng
        index = len(self.people)
        status: str = EmployeeStatus.ACTIVE
        hire_date = self.hire_date(senior=not staff)
        if staff:
            roll = rng.random()
            if roll < 0.05:
                status = EmployeeStatus.PROBATION
                hire_date = self.today - dt.timedelta(days=rng.randint(1, 175))
            elif roll < 0.065:
                status = EmployeeStatus.ON_LEAVE
            elif roll < 0.08:
                status = EmployeeStatus.LEFT
        person = PersonPlan(
            index=index,
            number=f"E{index + 1:06d}",
            name=person_name(rng),
            phone=mobile_number(rng),
            department=department,
            position=position,
            manager=manager,
            hire_date=hire_date,
            status=status,
        )
        self.people.append(person)
        return person

    def staff_people(self, spec: UnitSpec, department: DepartmentPlan, head: int) -> None:
        specs = [code for code, _ in spec.staff]
        weights = [w for _, w in spec.staff]
        staff_count = department.size - 1
        # Large teams get team leads, about one per ten people.
        groups = staff_count // 10 if staff_count > 15 else 0
        if groups == 0:
            for code in self.rng.choices(specs, weights=weights, k=staff_count):
                self.add_person(department.index, code, head, staff=True)
            return
        members = staff_count - groups
        for share in self.split_counts(members, [1.0] * groups):
            lead = self.add_person(department.index, spec.lead, head, staff=False)
            for code in self.rng.choices(specs, weights=weights, k=share):
                self.add_person(department.index, code, lead.index, staff=True)

    def people_for(self, spec: UnitSpec, department: DepartmentPlan, manager: int) -> None:
        head = self.add_person(department.index, department.head_position, manager, staff=False)
        department.head = head.index
        if department.size > 1:
            self.staff_people(spec, department, head.index)
        for child in department.children:
            self.people_for(spec, self.departments[child], head.index)


def _unit_sizes(total: int, units: list[UnitSpec]) -> list[int]:
    weights = [u.weight for u in units]
    minimums = [u.min_size for u in units]
    spare = total - sum(minimums)
    scale = sum(weights)
    sizes = [m + math.floor(spare * w / scale) for m, w in zip(minimums, weights, strict=True)]
    sizes[units.index(next(u for u in units if u.key == "production"))] += total - sum(sizes)
    return sizes


def plan_demo(*, employees: int, seed: int, today: dt.date) -> DemoPlan:
    """The whole demo company as plain data; the same arguments give the same plan."""
    if employees < MIN_EMPLOYEES:
        raise DemoError(f"The demo company needs at least {MIN_EMPLOYEES} employees.")
    builder = _Builder(employees=employees, seed=seed, today=today)
    root = builder.add_department(COMPANY_NAME, None, "company", CEO_POSITION.code)
    root.size = 1
    units = [u for u in UNITS if u.min_company <= employees]
    for spec, size in zip(units, _unit_sizes(employees - 1, units), strict=True):
        builder.build_unit(spec, root.index, size)

    ceo = builder.add_person(root.index, CEO_POSITION.code, None, staff=False)
    ceo.hire_date = FOUNDED
    root.head = ceo.index
    unit_roots = {builder.departments[i].unit: builder.departments[i] for i in root.children}
    for spec in units:
        builder.people_for(spec, unit_roots[spec.key], ceo.index)

    people = builder.people
    rng = builder.rng
    # Some dotted lines: a few people also answer to the head of a sibling team.
    leaves_by_unit: dict[str, list[DepartmentPlan]] = {}
    for department in builder.departments:
        if not department.children and department.parent is not None:
            leaves_by_unit.setdefault(department.unit, []).append(department)
    for person in people:
        if builder.departments[person.department].head == person.index or rng.random() >= 0.02:
            continue
        siblings = leaves_by_unit.get(builder.departments[person.department].unit, [])
        if len(siblings) > 1:
            other = rng.choice(siblings)
            if other.index != person.department and other.head != person.manager:
                person.dotted_manager = other.head

    def staff_in(unit: str, position: str | None = None) -> list[PersonPlan]:
        found = []
        for person in people:
            department = builder.departments[person.department]
            if department.unit != unit or department.head == person.index:
                continue
            if position is None or person.position == position:
                found.append(person)
        return found

    sales_root = unit_roots["sales"]
    first_rep = staff_in("sales", "SAL-REP")[0]
    hr_staff = staff_in("hr")
    hr_person, hrbp_person = hr_staff[0], hr_staff[1]
    hr_person.position, hrbp_person.position = "HR-PERF", "HR-BP"
    committee_heads = [unit_roots[key].head for key in ("rnd", "hr", "finance")]
    personas = {
        "ceo": ceo.index,
        "head": sales_root.head,
        "manager": first_rep.manager or 0,
        "employee": first_rep.index,
        "hr": hr_person.index,
        "hrbp": hrbp_person.index,
        "committee": committee_heads[0],
    }
    for index in personas.values():
        people[index].status = EmployeeStatus.ACTIVE
        if people[index].hire_date > today - dt.timedelta(days=200):
            people[index].hire_date = today - dt.timedelta(days=400)
    people[first_rep.index].dotted_manager = None
    grants: list[tuple[int, str, tuple[int, ...]]] = [
        (ceo.index, GrantedRole.EXECUTIVE, ()),
        (hr_person.index, GrantedRole.HR_ADMIN, ()),
        (hrbp_person.index, GrantedRole.HR_ADMIN, (sales_root.index,)),
        *((head, GrantedRole.COMMITTEE, ()) for head in committee_heads),
    ]
    positions = [(CEO_POSITION, root.index)] + [
        (POSITIONS[code], unit_roots[spec.key].index) for spec in units for code in spec.positions
    ]
    return DemoPlan(
        seed=seed,
        departments=builder.departments,
        positions=positions,
        people=people,
        personas=personas,
        grants=grants,
    )


# --- writing a plan ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    employees: int
    departments: int
    positions: int
    users: int
    personas: dict[str, str]  # username → employee number ("" for admin)
    seconds: float


def _next_id(model: type[Department] | type[Employee]) -> int:
    return int(model.objects.aggregate(top=Max("id"))["top"] or 0) + 1


def _check_empty(plan: DemoPlan) -> None:
    if Employee.objects.exists() or Department.objects.exists():
        raise DemoError(
            "This database already has an organisation; the demo company goes into an "
            "empty database only."
        )
    taken = set(User.objects.values_list("username", flat=True))
    clash = taken & ({*plan.usernames(), "admin"})
    if clash:
        raise DemoError(f"These user names are taken already: {', '.join(sorted(clash)[:5])}")
    codes = {spec.code for spec, _ in plan.positions}
    used = sorted(Position.objects.filter(code__in=codes).values_list("code", flat=True))
    if used:
        raise DemoError(f"These position codes are taken already: {', '.join(used[:5])}")


def _uuids(seed: int) -> Iterator[uuid.UUID]:
    rng = random.Random(f"uuid:{seed}")
    while True:
        yield uuid.UUID(int=rng.getrandbits(128), version=4)


def _write_positions(
    plan: DemoPlan, department_ids: list[int], uuids: Iterator[uuid.UUID]
) -> dict[str, int]:
    families = {}
    for order, (code, name) in enumerate(ROLE_FAMILIES):
        family, _ = RoleFamily.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
        families[code] = family.pk
    positions = Position.objects.bulk_create(
        [
            Position(
                uuid=next(uuids),
                code=spec.code,
                title=spec.title,
                department_id=department_ids[department],
                role_family_id=families[spec.family],
                responsibilities=spec.responsibilities,
                key_indicators="\n".join(spec.indicators),
            )
            for spec, department in plan.positions
        ]
    )
    return {position.code: position.pk for position in positions}


def _write_people(
    plan: DemoPlan,
    *,
    employee_ids: list[int],
    department_ids: list[int],
    position_ids: dict[str, int],
    password_hash: str,
    uuids: Iterator[uuid.UUID],
) -> dict[int, int]:
    """Accounts and employees, a batch at a time; returns person index → user id."""
    usernames = list(plan.usernames())
    report_paths: list[str] = [""] * len(plan.people)
    user_ids: dict[int, int] = {}
    now = timezone.now()
    for start in range(0, len(plan.people), BATCH_SIZE):
        batch = plan.people[start : start + BATCH_SIZE]
        users = User.objects.bulk_create(
            [
                User(
                    username=usernames[p.index],
                    name=p.name,
                    email=f"{p.number.lower()}@demo.example.cn",
                    password=password_hash,
                    is_active=p.status != EmployeeStatus.LEFT,
                    date_joined=now,
                )
                for p in batch
            ]
        )
        employees = []
        for person, user in zip(batch, users, strict=True):
            user_ids[person.index] = user.pk
            own = employee_ids[person.index]
            above = report_paths[person.manager] if person.manager is not None else "/"
            report_paths[person.index] = f"{above}{own}/"
            employees.append(
                Employee(
                    id=own,
                    uuid=next(uuids),
                    number=person.number,
                    name=person.name,
                    email=user.email,
                    phone=person.phone,
                    department_id=department_ids[person.department],
                    position_id=position_ids[person.position],
                    manager_id=None if person.manager is None else employee_ids[person.manager],
                    dotted_manager_id=(
                        None
                        if person.dotted_manager is None
                        else employee_ids[person.dotted_manager]
                    ),
                    hire_date=person.hire_date,
                    status=person.status,
                    user_id=user.pk,
                    report_path=report_paths[person.index],
                )
            )
        Employee.objects.bulk_create(employees)
    return user_ids


def write_plan(plan: DemoPlan, *, password: str = DEMO_PASSWORD) -> DemoSummary:
    """Write a plan into an empty organisation, in one transaction."""
    started = time.perf_counter()
    with transaction.atomic():
        _check_empty(plan)
        company = company_get_or_create(name=COMPANY_NAME)
        if not company.short_name and company.name == COMPANY_NAME:
            company.short_name = COMPANY_SHORT_NAME
            company.save(update_fields=["short_name", "updated_at"])
        uuids = _uuids(plan.seed)
        first_department, first_employee = _next_id(Department), _next_id(Employee)
        department_ids = [first_department + d.index for d in plan.departments]
        employee_ids = [first_employee + p.index for p in plan.people]
        paths: list[str] = []
        departments = []
        for d in plan.departments:
            above = paths[d.parent] if d.parent is not None else "/"
            paths.append(f"{above}{department_ids[d.index]}/")
            departments.append(
                Department(
                    id=department_ids[d.index],
                    uuid=next(uuids),
                    company=company,
                    code=d.code,
                    name=d.name,
                    parent_id=None if d.parent is None else department_ids[d.parent],
                    path=paths[-1],
                    depth=d.depth,
                    # The heads are inserted below; foreign keys are checked at commit.
                    head_id=employee_ids[d.head],
                    sort_order=d.sort_order,
                )
            )
        Department.objects.bulk_create(departments, batch_size=500)
        position_ids = _write_positions(plan, department_ids, uuids)
        password_hash = make_password(password)
        user_ids = _write_people(
            plan,
            employee_ids=employee_ids,
            department_ids=department_ids,
            position_ids=position_ids,
            password_hash=password_hash,
            uuids=uuids,
        )
        for person, role, scope in plan.grants:
            grant = RoleGrant.objects.create(user_id=user_ids[person], role=role)
            if scope:
                grant.departments.set([department_ids[d] for d in scope])
        admin = User.objects.create(
            username="admin",
            name="系统管理员",
            password=password_hash,
            is_staff=True,
            is_superuser=True,
        )
        RoleGrant.objects.create(user=admin, role=GrantedRole.SYSTEM_ADMIN)
        # Explicit ids leave PostgreSQL's sequences behind; bring them up to date.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Department, Employee]):
                cursor.execute(sql)
        audit_record(
            actor=Actor(user=None, channel=AuditChannel.COMMAND),
            instance=company,
            action=AuditAction.IMPORT,
            after={
                "demo": True,
                "seed": plan.seed,
                "employees": len(plan.people),
                "departments": len(plan.departments),
                "positions": len(plan.positions),
            },
            reason=f"seed_demo --employees {len(plan.people)} --seed {plan.seed}",
        )
    personas = {name: plan.people[index].number for name, index in plan.personas.items()}
    personas["admin"] = ""
    return DemoSummary(
        employees=len(plan.people),
        departments=len(plan.departments),
        positions=len(plan.positions),
        users=len(plan.people) + 1,
        personas=personas,
        seconds=time.perf_counter() - started,
    )


def seed_demo(*, employees: int, seed: int, today: dt.date | None = None) -> DemoSummary:
    """Seed the demo company (``employees`` people) into an empty organisation."""
    plan = plan_demo(employees=employees, seed=seed, today=today or timezone.localdate())
    return write_plan(plan)


# --- the demo logins -----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    name: str
    department: str


def _persona_roles() -> dict[str, str]:
    return {
        "admin": _("System administrator"),
        "ceo": _("Executive"),
        "hr": _("HR admin"),
        "hrbp": _("HRBP"),
        "head": _("Department head"),
        "manager": _("Manager"),
        "employee": _("Employee"),
        "committee": _("Performance committee"),
    }


def demo_logins() -> list[DemoLogin]:
    """The demo personas present in this database, in a fixed order."""
    users = {
        user.username: user
        for user in User.objects.filter(username__in=PERSONAS).select_related(
            "employee__department"
        )
    }
    roles = _persona_roles()
    logins = []
    for username in PERSONAS:
        user = users.get(username)
        if user is None:
            continue
        employee = getattr(user, "employee", None)
        role = roles[username]
        if username == "hrbp":
            scope = Department.objects.filter(
                pk__in=RoleGrant.objects.filter(user=user, role=GrantedRole.HR_ADMIN).values(
                    "departments"
                )
            )
            role = " ".join([role, *(d.name for d in scope)])
        logins.append(
            DemoLogin(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                name=user.display_name,
                department=employee.department.name if employee is not None else "—",
            )
        )
    return logins
