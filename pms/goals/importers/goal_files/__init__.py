"""Goals from a spreadsheet: individual goals on scorecards (个人目标) and department goals
(部门目标), one row per goal.

Matching and what a file changes
- A scorecard goal is matched on employee number + period + goal title, a department goal
  on department code + period + title. A row creates the goal (and, for a person without a
  scorecard in that period, the scorecard) or brings the goal in line with the file; a row
  that matches exactly changes nothing, so importing the same file twice is harmless.
- A blank optional cell clears the value; a column the file does not have at all leaves
  the stored value alone (a file of 工号, 期间, 目标名称 and 权重 only re-weights). The
  scoring rule is the exception: a blank 评分规则 keeps the goal's rule (a new goal takes
  its indicator's rule, or linear).
- Goals that are not in the file are left alone. With the "replace" kind
  (``scorecard_goals_replace``) the file is the whole scorecard instead: goals of a
  person's scorecard in that period that the file does not list are removed.
- Agreed goals are never changed by a file: a row that would change or add a goal on an
  approved or signed scorecard, or change an approved or submitted department goal, is
  refused with "change it through an adjustment". Rows that match them exactly pass.

Checks
Every row is checked before anything is written and every problem is reported with its
line and column. Across the file: the weights of each person's scorecard must total
100 % (the file's goals plus the goals it leaves alone), a key result needs its objective
(in the file or already on the scorecard), department goals aligned to one goal may
contribute at most 100 % together, and no goal may end up aligned to itself.

Who
The file is checked and applied with the rights of the person who uploaded it:
company-wide HR and system admins reach everyone; an HRBP only people and departments in
their scope — other rows are refused one by one.

Writing
Applying writes in bulk, a chunk at a time, in the import's single transaction: the same
rows and the same audit entries (create/update/delete, before and after) that the
services in ``pms.goals.services.scorecards`` and ``pms.goals.services.plan`` write.
"""

from pms.core.imports import register
from pms.goals.importers.goal_files.common import (
    DEPARTMENT_GOALS,
    GOAL_KINDS,
    HUNDRED,
    KIND_EXPORT_WORD,
    KIND_WORDS,
    NUMBER_DIGITS,
    NUMBER_PLACES,
    PERCENT_PLACES,
    SCORECARD_GOALS,
    SCORECARD_GOALS_REPLACE,
    GoalFileSession,
    importing_principal,
    parse_number,
)
from pms.goals.importers.goal_files.department_goals import (
    DepartmentGoalImporter,
    DepartmentGoalSession,
)
from pms.goals.importers.goal_files.scorecard_goals import (
    ScorecardGoalImporter,
    ScorecardGoalReplaceImporter,
    ScorecardGoalReplaceSession,
    ScorecardGoalSession,
)

SCORECARD_GOAL_IMPORTER = register(ScorecardGoalImporter())
SCORECARD_GOAL_REPLACE_IMPORTER = register(ScorecardGoalReplaceImporter())
DEPARTMENT_GOAL_IMPORTER = register(DepartmentGoalImporter())

__all__ = [
    "DEPARTMENT_GOALS",
    "DEPARTMENT_GOAL_IMPORTER",
    "GOAL_KINDS",
    "HUNDRED",
    "KIND_EXPORT_WORD",
    "KIND_WORDS",
    "NUMBER_DIGITS",
    "NUMBER_PLACES",
    "PERCENT_PLACES",
    "SCORECARD_GOALS",
    "SCORECARD_GOALS_REPLACE",
    "SCORECARD_GOAL_IMPORTER",
    "SCORECARD_GOAL_REPLACE_IMPORTER",
    "DepartmentGoalImporter",
    "DepartmentGoalSession",
    "GoalFileSession",
    "ScorecardGoalImporter",
    "ScorecardGoalReplaceImporter",
    "ScorecardGoalReplaceSession",
    "ScorecardGoalSession",
    "importing_principal",
    "parse_number",
]
