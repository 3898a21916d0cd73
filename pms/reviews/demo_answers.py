"""What the demo company's raters answer: a level per question near the reviewee's standing
(self reviews a little kinder, peers and subordinates more scattered), Chinese comments
now and then, the open questions answered, the veto item left untouched ("no").

Plain functions of a ``random.Random`` and the rating form, so the same seed gives the
same answers.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from pms.reviews.models import RaterType
from pms.reviews.selectors.ratings import Mode, Question
from pms.reviews.services.ratings import AnswerInput
from pms.scoring.ratings import LevelsScale, NumericScale, RatingScale, YesNoScale

# how people stand, best first: S 8 %, A 25 %, B 45 %, C 17 %, D 5 %
STANDING = ((0, 8), (1, 25), (2, 45), (3, 17), (4, 5))
# (leniency, scatter) of each rater type, in levels (negative is kinder)
BIAS: dict[str, tuple[float, float]] = {
    RaterType.SELF: (-0.5, 0.4),
    RaterType.MANAGER: (0.0, 0.35),
    RaterType.DOTTED: (-0.1, 0.5),
    RaterType.SKIP: (0.0, 0.5),
    RaterType.PEER: (-0.2, 0.6),
    RaterType.UPWARD: (-0.3, 0.6),
    RaterType.CROSS: (-0.1, 0.6),
}
# the share of rated questions that get a comment, by rater type
COMMENT_SHARE: dict[str, float] = {
    RaterType.SELF: 0.4,
    RaterType.MANAGER: 0.5,
    RaterType.PEER: 0.2,
    RaterType.UPWARD: 0.2,
}

ITEM_COMMENTS = {
    "good": (
        "季度内主动牵头解决了两次客户紧急问题，获得客户书面表扬",
        "跨部门项目中协调资源及时，项目提前一周交付",
        "主动分享经验，带教新同事很快上手",
        "遇到困难不推诿，想办法拿到了结果",
        "方案考虑周全，数据翔实，评审一次通过",
    ),
    "fair": (
        "能按要求完成工作，个别任务需要提醒",
        "沟通及时，但跟进节奏可以更快一些",
        "专业能力满足岗位要求，可以多总结方法",
        "整体稳定，希望在复杂问题上更主动",
    ),
    "low": (
        "多次延误交付，需要加强计划性",
        "客户反馈响应慢，有投诉未闭环",
        "工作质量不稳定，返工较多",
        "与团队配合不够主动，需要改进",
    ),
}
HIGHLIGHTS = (
    "完成了重点客户的续约，并新开拓了两家行业客户",
    "牵头梳理了部门流程，平均处理时间缩短约20%",
    "带领小组按期完成版本上线，线上问题明显减少",
    "通过了专业资格认证，并在部门内做了两次分享",
    "主动承担跨部门项目，推动问题在两周内解决",
)
IMPROVEMENTS = (
    "需要提升时间管理，重要事项提前规划，希望得到项目管理方面的培训",
    "在数据分析方面还需加强，希望参加相关课程",
    "跨部门沟通还可以更主动，希望上级多给反馈",
    "希望在复杂客户谈判中得到资深同事的指导",
)
OVERALL: dict[str, dict[str, tuple[str, ...]]] = {
    RaterType.SELF: {
        "good": ("本期目标基本全部达成，个人成长明显，下期继续挑战更高目标",),
        "fair": ("大部分工作按计划完成，仍有提升空间，下期重点改进计划性",),
        "low": ("本期有几项重要工作没有完成，我会认真反思并制定改进计划",),
    },
    RaterType.MANAGER: {
        "good": (
            "业绩突出，能力全面，是团队的骨干，建议承担更多挑战性工作",
            "结果导向强，协作积极，下期可以尝试带新人",
        ),
        "fair": (
            "工作稳定可靠，达到岗位要求；下期希望在主动性和方法总结上有突破",
            "整体表现良好，个别目标未达成，需要加强过程跟进",
        ),
        "low": (
            "本期多项工作未达到要求，需要制定改进计划，下期重点跟进",
            "与岗位要求仍有较大差距，已约定每两周一次辅导沟通",
        ),
    },
    RaterType.PEER: {
        "good": ("合作非常愉快，响应快，专业靠谱", "乐于帮助同事，值得学习"),
        "fair": ("合作顺畅，希望沟通再主动一些", "能完成分内工作，期待更多分享"),
        "low": ("协作时经常需要多次催促", "交付质量有待提高"),
    },
    RaterType.UPWARD: {
        "good": ("目标清晰，经常给予具体的反馈和支持", "遇到问题总是第一时间帮我们协调"),
        "fair": ("整体支持到位，希望任务优先级能提前说明",),
        "low": ("希望多一些一对一的沟通和辅导",),
    },
}


def standing(rng: random.Random) -> float:
    """A person's standing in levels (0 = S … 4 = D), drawn from ``STANDING``."""
    draw = rng.randrange(100)
    for level, share in STANDING:
        if draw < share:
            return level + rng.uniform(-0.4, 0.4)
        draw -= share
    return 2.0


def _band(level: float) -> str:
    if level < 1.5:
        return "good"
    if level < 2.9:
        return "fair"
    return "low"


def _points_value(scale: NumericScale, level: int) -> str:
    share = Decimal(4 - level) / Decimal(4)
    value = scale.min + (scale.max - scale.min) * share
    if scale.step:
        steps = ((value - scale.min) / scale.step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        value = scale.min + steps * scale.step
    return f"{value.normalize():f}"


def scale_value(scale: RatingScale | None, level: int) -> str:
    """The answer at ``level`` (0 = best) on a scale; "no" for a veto item."""
    match scale:
        case LevelsScale():
            ordered = sorted(scale.levels, key=lambda lv: lv.points, reverse=True)
            return ordered[min(level, len(ordered) - 1)].code
        case NumericScale():
            return _points_value(scale, level)
        case YesNoScale():
            return "no"
    return ""


def answers_for(
    questions: list[Question], rater_type: str, person_level: float, rng: random.Random
) -> tuple[dict[str, AnswerInput], str]:
    """Every question of a form answered as this rater would, and an overall comment."""
    lean, scatter = BIAS.get(rater_type, (0.0, 0.5))
    share = COMMENT_SHARE.get(rater_type, 0.2)
    band = _band(person_level)
    answers: dict[str, AnswerInput] = {}
    for question in questions:
        if question.mode == Mode.TEXT:
            if rater_type in (RaterType.SELF, RaterType.MANAGER) or rng.random() < 0.3:
                texts = IMPROVEMENTS if "改进" in question.title else HIGHLIGHTS
                answers[question.key] = AnswerInput(value=rng.choice(texts))
            continue
        if question.mode != Mode.SCALE:
            continue
        if isinstance(question.scale, YesNoScale):
            answers[question.key] = AnswerInput(value="no")
            continue
        level = round(person_level + lean + rng.gauss(0, scatter))
        level = max(0, min(4, level))
        comment = rng.choice(ITEM_COMMENTS[_band(level)]) if rng.random() < share else ""
        answers[question.key] = AnswerInput(
            value=scale_value(question.scale, level), comment=comment
        )
    overall = ""
    closing = OVERALL.get(rater_type, {}).get(band, ())
    if closing and (rater_type in (RaterType.SELF, RaterType.MANAGER) or rng.random() < 0.5):
        overall = rng.choice(closing)
    return answers, overall


__all__ = ["answers_for", "scale_value", "standing"]
