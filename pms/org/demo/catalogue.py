"""The demo company's vocabulary: names, role families, positions from job analysis,
units and regions."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

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
