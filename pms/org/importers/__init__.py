"""Import kinds of the organisation: departments, positions and employees.

Each file is the truth for the rows it contains, keyed by department code, position code or
employee number: a row creates the object or brings it in line with the file; a blank
optional cell clears the value. Objects missing from the file are left alone.

Checking keeps only small per-row keys in memory (codes and numbers seen, the
number → manager map for the loop check); existing rows are looked up a chunk at a time.
Applying writes in bulk, sets the self-references (parent, manager) once every row exists,
then recomputes the materialised paths of the whole tree in Python.
"""

from pms.core.imports import register
from pms.org.importers.common import (
    STATUS_EXPORT_WORD,
    STATUS_WORDS,
    find_cycles,
    normalise_indicators,
    parse_date,
    recompute_department_paths,
    recompute_report_paths,
)
from pms.org.importers.departments import DepartmentImporter
from pms.org.importers.employees import EmployeeImporter
from pms.org.importers.positions import PositionImporter

DEPARTMENTS = register(DepartmentImporter())
POSITIONS = register(PositionImporter())
EMPLOYEES = register(EmployeeImporter())
ORG_KINDS = (DEPARTMENTS.kind, POSITIONS.kind, EMPLOYEES.kind)

__all__ = [
    "DEPARTMENTS",
    "EMPLOYEES",
    "ORG_KINDS",
    "POSITIONS",
    "STATUS_EXPORT_WORD",
    "STATUS_WORDS",
    "find_cycles",
    "normalise_indicators",
    "parse_date",
    "recompute_department_paths",
    "recompute_report_paths",
]
