"""The demo company as plain data, reproducible for a seed (no database)."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from pms.org.demo.catalogue import (
    CEO_POSITION,
    COMPANY_NAME,
    FACTORIES,
    FOUNDED,
    MIN_EMPLOYEES,
    POSITIONS,
    SALES_REGIONS,
    SHIFTS,
    UNITS,
    DemoError,
    PositionSpec,
    UnitSpec,
    chinese_number,
    mobile_number,
    person_name,
)
from pms.org.models import (
    EmployeeStatus,
    GrantedRole,
)

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
