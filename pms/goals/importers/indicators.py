"""The indicator library from a spreadsheet: one row per indicator, matched on its code.

A row creates the indicator or brings it in line with the file; a blank optional cell
clears the value (or, for direction, data source, frequency, rule and the yes/no columns,
takes the default). Indicators missing from the file are left alone — the library is never
pruned by an import. The export writes the same columns, so an exported file imports back
unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.core.imports import Column, Importer, Row, SessionContext, bulk_set
from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import (
    Aggregation,
    DataSource,
    Direction,
    EntryBy,
    Frequency,
    Indicator,
    Perspective,
)
from pms.goals.rules import rule_from_text, rule_to_text
from pms.org.importers.common import OrgSession
from pms.org.models import RoleFamily
from pms.scoring.errors import ScoringError

# The words a file may use; the export writes the first (Chinese) one of each value.
DIRECTION_WORDS: dict[str, str] = {
    "越高越好": Direction.HIGHER,
    "越低越好": Direction.LOWER,
    "区间": Direction.RANGE,
    "越大越好": Direction.HIGHER,
    "越小越好": Direction.LOWER,
    "区间内": Direction.RANGE,
    "higher": Direction.HIGHER,
    "higher is better": Direction.HIGHER,
    "lower": Direction.LOWER,
    "lower is better": Direction.LOWER,
    "range": Direction.RANGE,
    "within a range": Direction.RANGE,
}
DATA_SOURCE_WORDS: dict[str, str] = {
    "手工录入": DataSource.MANUAL,
    "excel导入": DataSource.EXCEL,
    "外部系统": DataSource.EXTERNAL,
    "手工": DataSource.MANUAL,
    "excel": DataSource.EXCEL,
    "系统": DataSource.EXTERNAL,
    "manual": DataSource.MANUAL,
    "external": DataSource.EXTERNAL,
}
FREQUENCY_WORDS: dict[str, str] = {
    "每日": Frequency.DAILY,
    "每周": Frequency.WEEKLY,
    "每月": Frequency.MONTHLY,
    "每季度": Frequency.QUARTERLY,
    "每半年": Frequency.HALF_YEARLY,
    "每年": Frequency.YEARLY,
    "日": Frequency.DAILY,
    "周": Frequency.WEEKLY,
    "月": Frequency.MONTHLY,
    "月度": Frequency.MONTHLY,
    "季度": Frequency.QUARTERLY,
    "半年": Frequency.HALF_YEARLY,
    "半年度": Frequency.HALF_YEARLY,
    "年": Frequency.YEARLY,
    "年度": Frequency.YEARLY,
    "daily": Frequency.DAILY,
    "weekly": Frequency.WEEKLY,
    "monthly": Frequency.MONTHLY,
    "quarterly": Frequency.QUARTERLY,
    "half_yearly": Frequency.HALF_YEARLY,
    "half-yearly": Frequency.HALF_YEARLY,
    "yearly": Frequency.YEARLY,
}
AGGREGATION_WORDS: dict[str, str] = {
    "累计": Aggregation.SUM,
    "最新值": Aggregation.LATEST,
    "平均值": Aggregation.AVERAGE,
    "合计": Aggregation.SUM,
    "求和": Aggregation.SUM,
    "最新": Aggregation.LATEST,
    "平均": Aggregation.AVERAGE,
    "sum": Aggregation.SUM,
    "latest": Aggregation.LATEST,
    "average": Aggregation.AVERAGE,
}
ENTRY_BY_WORDS: dict[str, str] = {
    "负责人或上级": EntryBy.EITHER,
    "负责人": EntryBy.OWNER,
    "上级": EntryBy.MANAGER,
    "不可手工录入": EntryBy.NOBODY,
    "本人": EntryBy.OWNER,
    "本人或上级": EntryBy.EITHER,
    "不允许": EntryBy.NOBODY,
    "either": EntryBy.EITHER,
    "owner": EntryBy.OWNER,
    "manager": EntryBy.MANAGER,
    "nobody": EntryBy.NOBODY,
}
PERSPECTIVE_WORDS: dict[str, str] = {
    "财务": Perspective.FINANCIAL,
    "客户": Perspective.CUSTOMER,
    "内部流程": Perspective.PROCESS,
    "学习与成长": Perspective.LEARNING,
    "内部运营": Perspective.PROCESS,
    "学习成长": Perspective.LEARNING,
    "financial": Perspective.FINANCIAL,
    "customer": Perspective.CUSTOMER,
    "process": Perspective.PROCESS,
    "internal process": Perspective.PROCESS,
    "learning": Perspective.LEARNING,
    "learning and growth": Perspective.LEARNING,
}
YES_WORDS = frozenset({"是", "y", "yes", "true", "1", "启用", "可选"})
NO_WORDS = frozenset({"否", "n", "no", "false", "0", "停用", "禁用", "不可选"})


def export_word(words: dict[str, str], value: str) -> str:
    """The first word the file format uses for a stored value (the Chinese one)."""
    for word, stored in words.items():
        if stored == value:
            return word
    return value


def yes_no(value: bool) -> str:
    return "是" if value else "否"


_FAMILY_SPLIT = re.compile(r"[\n,，;；、/|]")
_CODE_RE = re.compile(r"^\S+$")


def _word(words: dict[str, str], text: str) -> str | None:
    return words.get(text.strip().lower())


# Columns a file may leave out: the indicator keeps its value (a new one gets the default).
_KEEP_WHEN_ABSENT = (
    "definition",
    "formula",
    "unit",
    "direction",
    "data_source",
    "source_system",
    "frequency",
    "aggregation",
    "entry_by",
    "perspective",
    "enabled",
    "employee_selectable",
    "sort_order",
    "scoring_rule",
    "role_families",
)
# Where the parsed value behind an audit text is kept.
_RAW = {"scoring_rule": "_rule", "role_families": "_families"}


class IndicatorSession(OrgSession):
    key_column = "code"

    def __init__(self, context: SessionContext) -> None:
        super().__init__(context)
        self.families: dict[str, RoleFamily] = {}
        for family in RoleFamily.objects.all():
            self.families[family.code.lower()] = family
            self.families[family.name.lower()] = family
        self.families_by_pk = {family.pk: family for family in self.families.values()}
        self.family_names = {pk: family.name for pk, family in self.families_by_pk.items()}
        # Codes differing only in case would be confusing twins; the service refuses them too.
        self.codes_by_lower = {
            code.lower(): code for code in Indicator.objects.values_list("code", flat=True)
        }
        self.through = Indicator.role_families.through

    def _choice(self, row: Row, key: str, words: dict[str, str], default: str) -> str | None:
        text = row.get(key)
        if not text:
            return default
        value = _word(words, text)
        if value is None:
            allowed = "、".join(dict.fromkeys(export_word(words, v) for v in words.values()))
            self.context.error(
                row,
                key,
                _("Unknown value %(value)s; use one of %(allowed)s.")
                % {"value": text, "allowed": allowed},
            )
        return value

    def _flag(self, row: Row, key: str) -> bool | None:
        text = row.get(key).strip().lower()
        if not text or text in YES_WORDS:
            return True
        if text in NO_WORDS:
            return False
        self.context.error(row, key, _("Write 是 or 否 (yes or no)."))
        return None

    def _families(self, row: Row) -> list[RoleFamily] | None:
        found: dict[int, RoleFamily] = {}
        unknown: list[str] = []
        for part in _FAMILY_SPLIT.split(row.get("role_families")):
            name = part.strip()
            if not name:
                continue
            family = self.families.get(name.lower())
            if family is None:
                unknown.append(name)
            else:
                found[family.pk] = family
        if unknown:
            self.context.error(
                row,
                "role_families",
                _("Unknown role family %(name)s.") % {"name": "、".join(unknown)},
            )
            return None
        return sorted(found.values(), key=lambda family: family.name)

    def _rule(self, row: Row) -> dict[str, object] | None:
        text = row.get("scoring_rule")
        try:
            return rule_from_text(text) if text else rule_from_text("linear")
        except ValidationError as error:
            self.context.error(row, "scoring_rule", " ".join(error.messages))
            return None

    def _sort_order(self, row: Row) -> int | None:
        text = row.get("sort_order").strip()
        if not text:
            return 0
        if not text.isdigit():
            self.context.error(row, "sort_order", _("Write a whole number, 0 or more."))
            return None
        return int(text)

    def _parse(self, row: Row, code: str) -> dict[str, Any] | None:
        """The row's values in the audit snapshot's terms, or None after recording errors."""
        if not _CODE_RE.match(code):
            self.context.error(row, "code", _("A code cannot contain spaces."))
        other = self.codes_by_lower.get(code.lower())
        if other is not None and other != code:
            self.context.error(
                row,
                "code",
                _("The code %(code)s is already used by another indicator.") % {"code": other},
            )
        direction = self._choice(row, "direction", DIRECTION_WORDS, Direction.HIGHER)
        data_source = self._choice(row, "data_source", DATA_SOURCE_WORDS, DataSource.MANUAL)
        frequency = self._choice(row, "frequency", FREQUENCY_WORDS, Frequency.MONTHLY)
        aggregation = self._choice(row, "aggregation", AGGREGATION_WORDS, Aggregation.SUM)
        entry_by = self._choice(row, "entry_by", ENTRY_BY_WORDS, EntryBy.EITHER)
        perspective = self._choice(row, "perspective", PERSPECTIVE_WORDS, "")
        families = self._families(row)
        rule = self._rule(row)
        enabled = self._flag(row, "enabled")
        selectable = self._flag(row, "employee_selectable")
        sort_order = self._sort_order(row)
        if not self.ok(row) or families is None or rule is None:
            return None
        return {
            "name": row.get("name"),
            "definition": row.get("definition"),
            "formula": row.get("formula"),
            "unit": row.get("unit"),
            "direction": direction,
            "data_source": data_source,
            "source_system": row.get("source_system"),
            "frequency": frequency,
            "aggregation": aggregation,
            "entry_by": entry_by,
            "perspective": perspective,
            "enabled": enabled,
            "employee_selectable": selectable,
            "sort_order": sort_order,
            "scoring_rule": rule_to_text(rule),
            "role_families": "、".join(family.name for family in families),
            "_rule": rule,
            "_families": families,
        }

    def _current(self, codes: list[str]) -> dict[str, dict[str, Any]]:
        fields = (
            "id",
            "code",
            "name",
            "definition",
            "formula",
            "unit",
            "direction",
            "data_source",
            "source_system",
            "frequency",
            "aggregation",
            "entry_by",
            "perspective",
            "enabled",
            "employee_selectable",
            "sort_order",
            "scoring_rule",
        )
        current = {
            row["code"]: row for row in Indicator.objects.filter(code__in=codes).values(*fields)
        }
        names: dict[int, list[str]] = {row["id"]: [] for row in current.values()}
        family_ids: dict[int, list[int]] = {row["id"]: [] for row in current.values()}
        for indicator_id, family_id in self.through.objects.filter(
            indicator_id__in=names
        ).values_list("indicator_id", "rolefamily_id"):
            names[indicator_id].append(self.family_names.get(family_id, str(family_id)))
            family_ids[indicator_id].append(family_id)
        for row in current.values():
            row["_rule"] = row["scoring_rule"]
            try:
                row["scoring_rule"] = rule_to_text(row["scoring_rule"])
            except ScoringError:
                row["scoring_rule"] = str(row["scoring_rule"])
            row["role_families"] = "、".join(sorted(names[row["id"]]))
            row["_families"] = [
                self.families_by_pk[pk] for pk in family_ids[row["id"]] if pk in self.families_by_pk
            ]
        return current

    def process(self, rows: list[Row]) -> None:
        if not rows:
            return
        current = self._current([row.get("code") for row in rows])
        new: list[tuple[Indicator, dict[str, Any], list[RoleFamily]]] = []
        changed: list[Indicator] = []
        family_changes: dict[int, list[RoleFamily]] = {}
        entries: list[AuditEntry] = []
        now = timezone.now()
        for row in rows:
            code = self.claim_key(row)
            if code is None:
                continue
            desired = self._parse(row, code)
            if desired is None:
                continue
            existing = current.get(code)
            if existing is not None:
                # A column the file does not have leaves the indicator's value alone.
                for key in _KEEP_WHEN_ABSENT:
                    if key not in row.values:
                        desired[key] = existing[key]
                        if key in _RAW:
                            desired[_RAW[key]] = existing[_RAW[key]]
            rule = desired.pop("_rule")
            families = desired.pop("_families")
            if desired["data_source"] != DataSource.EXTERNAL:
                desired["source_system"] = ""
            elif not desired["source_system"]:
                self.context.error(
                    row, "source_system", _("Name the external system the values come from.")
                )
                continue
            before_all = None
            if existing is not None:
                before_all = {key: existing[key] for key in desired}
            outcome, before, after = self.classify(before_all, desired)
            if not self.context.apply or outcome == "unchanged":
                continue
            plain = {k: v for k, v in desired.items() if k not in {"scoring_rule", "role_families"}}
            indicator = Indicator(code=code, scoring_rule=rule, updated_at=now, **plain)
            if outcome == "create":
                new.append((indicator, {"code": code, **after}, families))
                continue
            if existing is None:  # classify says "update" only for an existing row
                continue
            indicator.pk = existing["id"]
            changed.append(indicator)
            if "role_families" in after:
                family_changes[indicator.pk] = families
            entries.append(self.entry(indicator, AuditAction.UPDATE, before, after))
        if new:
            Indicator.objects.bulk_create([indicator for indicator, _after, _f in new])
            for indicator, after, families in new:
                family_changes[indicator.pk] = families
                entries.append(self.entry(indicator, AuditAction.CREATE, None, after))
                self.codes_by_lower[indicator.code.lower()] = indicator.code
        if changed:
            bulk_set(
                Indicator,
                changed,
                [
                    "name",
                    "definition",
                    "formula",
                    "unit",
                    "direction",
                    "data_source",
                    "source_system",
                    "frequency",
                    "aggregation",
                    "entry_by",
                    "perspective",
                    "enabled",
                    "employee_selectable",
                    "sort_order",
                    "scoring_rule",
                    "updated_at",
                ],
            )
        if family_changes:
            self.through.objects.filter(indicator_id__in=family_changes).delete()
            self.through.objects.bulk_create(
                [
                    self.through(indicator_id=indicator_id, rolefamily_id=family.pk)
                    for indicator_id, families in family_changes.items()
                    for family in families
                ]
            )
        self.audit(entries)


def _column(
    key: str,
    header: str,
    aliases: tuple[str, ...],
    help_text: Any,
    example: str,
    *,
    required: bool = False,
    max_length: int | None = None,
) -> Column:
    return Column(
        key,
        header,
        aliases,
        required=required,
        max_length=max_length,
        help=help_text,
        example=example,
    )


class IndicatorImporter(Importer):
    kind = "indicators"
    label = gettext_lazy("Indicator library")
    session_class = IndicatorSession
    columns = (
        _column(
            "code",
            "代码",
            ("指标代码", "指标编码", "code", "indicator code"),
            gettext_lazy("Unique code of the indicator, without spaces; rows are matched by it."),
            "SAL-REVENUE",
            required=True,
            max_length=40,
        ),
        _column(
            "name",
            "名称",
            ("指标名称", "name", "indicator name"),
            gettext_lazy("Name of the indicator."),
            "销售额",
            required=True,
            max_length=100,
        ),
        _column(
            "definition",
            "定义",
            ("指标定义", "definition"),
            gettext_lazy("What the indicator measures."),
            "考核期内已确认收入的销售合同金额（不含税）。",
        ),
        _column(
            "formula",
            "计算公式",
            ("公式", "formula"),
            gettext_lazy("How the value is calculated, in words."),
            "Σ 已确认收入的合同金额",
        ),
        _column(
            "unit",
            "单位",
            ("unit",),
            gettext_lazy("Unit, e.g. 万元 or 次."),
            "万元",
            max_length=20,
        ),
        _column(
            "direction",
            "方向",
            ("指标方向", "direction"),
            gettext_lazy("越高越好, 越低越好 or 区间 (within a range); blank: 越高越好."),
            "越高越好",
        ),
        _column(
            "data_source",
            "数据来源",
            ("data source",),
            gettext_lazy("手工录入, Excel导入 or 外部系统; blank: 手工录入."),
            "外部系统",
        ),
        _column(
            "source_system",
            "来源系统",
            ("source system",),
            gettext_lazy("The external system's name, e.g. ERP or CRM; required for 外部系统."),
            "CRM",
            max_length=100,
        ),
        _column(
            "frequency",
            "更新频率",
            ("频率", "frequency", "update frequency"),
            gettext_lazy("每日, 每周, 每月, 每季度, 每半年 or 每年; blank: 每月."),
            "每月",
        ),
        _column(
            "aggregation",
            "汇总方式",
            ("aggregation", "values over a period"),
            gettext_lazy(
                "How a period's values make the figure: 累计 (added up, e.g. sales), 最新值 "
                "(a level, e.g. a rate) or 平均值; blank: 累计."
            ),
            "累计",
        ),
        _column(
            "entry_by",
            "手工录入人",
            ("entry by", "entered by hand by"),
            gettext_lazy("负责人, 上级, 负责人或上级 or 不可手工录入; blank: 负责人或上级."),
            "负责人或上级",
        ),
        _column(
            "perspective",
            "BSC维度",
            ("维度", "平衡计分卡维度", "perspective"),
            gettext_lazy("财务, 客户, 内部流程 or 学习与成长; may be blank."),
            "财务",
        ),
        _column(
            "role_families",
            "岗位序列",
            ("role families", "role family"),
            gettext_lazy("Role families by name or code, separated by 、 or commas."),
            "销售",
        ),
        _column(
            "scoring_rule",
            "评分规则",
            ("规则", "scoring rule", "rule"),
            gettext_lazy(
                "linear 0-120 · bands 100:100,90:80,80:60 below 0 · passfail 100 · "
                "milestones · deduction 100 -2 floor 0 · veto D; blank: linear 0-120."
            ),
            "linear 0-120",
        ),
        _column(
            "enabled",
            "启用",
            ("enabled",),
            gettext_lazy("是 or 否; blank: 是. A disabled indicator cannot be chosen."),
            "是",
        ),
        _column(
            "employee_selectable",
            "员工可选",
            ("employee selectable",),
            gettext_lazy("是 or 否; blank: 是. 否: only managers and HR may choose it."),
            "是",
        ),
        _column(
            "sort_order",
            "排序",
            ("顺序", "order", "sort order"),
            gettext_lazy("Position in the library list, a whole number; blank: 0."),
            "10",
        ),
    )
