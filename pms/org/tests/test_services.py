"""Org services: trees stay consistent, loops are refused, every change is audited."""

import pytest
from django.core.exceptions import ValidationError

from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.org import services
from pms.org.models import Department, Employee, EmployeeStatus, Position
from pms.org.tests import factories
from pms.org.tests.factories import TestOrg

SYSTEM = Actor.system()


def audit_for(instance: object) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=instance._meta.label_lower,  # type: ignore[attr-defined]
            object_id=str(instance.pk),  # type: ignore[attr-defined]
        ).order_by("id")
    )


def test_department_paths_follow_the_tree(org: TestOrg) -> None:
    assert org.hq.path == f"/{org.hq.pk}/"
    assert org.sales1.path == f"/{org.hq.pk}/{org.sales.pk}/{org.sales1.pk}/"
    assert org.sales1.depth == 2
    assert org.sales1.is_within(org.sales)
    assert not org.rnd.is_within(org.sales)


def test_department_create_is_audited(org: TestOrg) -> None:
    # when
    dept = services.department_create(
        actor=Actor(user=org.hr_admin.user), code="SALES3", name="销售三部", parent=org.sales
    )
    # then
    entries = audit_for(dept)
    assert [e.action for e in entries] == [AuditAction.CREATE]
    assert entries[0].actor == org.hr_admin.user
    assert entries[0].after is not None
    assert entries[0].after["name"] == "销售三部"
    assert entries[0].after["parent"] == "销售中心"


def test_department_code_must_be_unique(org: TestOrg) -> None:
    with pytest.raises(ValidationError) as exc:
        services.department_create(actor=SYSTEM, code="SALES1", name="重复")
    assert "code" in exc.value.message_dict
    assert Department.objects.filter(name="重复").count() == 0


def test_move_subtree_rewrites_all_descendant_paths(org: TestOrg) -> None:
    # given a grandchild under 销售一部
    team = factories.department("大客户组", parent=org.sales1)
    # when 销售中心 moves under 研发中心
    services.department_move(actor=SYSTEM, department=org.sales, new_parent=org.rnd, reason="重组")
    # then the whole subtree follows, depths included
    team.refresh_from_db()
    org.sales1.refresh_from_db()
    assert org.sales1.path == f"/{org.hq.pk}/{org.rnd.pk}/{org.sales.pk}/{org.sales1.pk}/"
    assert org.sales1.depth == 3
    assert team.path == f"{org.sales1.path}{team.pk}/"
    assert team.depth == 4
    entry = audit_for(org.sales)[-1]
    assert entry.action == AuditAction.MOVE
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["parent"] == "总部"
    assert entry.after["parent"] == "研发中心"
    assert entry.reason == "重组"


def test_move_under_own_subtree_is_refused(org: TestOrg) -> None:
    with pytest.raises(ValidationError) as exc:
        services.department_move(actor=SYSTEM, department=org.sales, new_parent=org.sales1)
    assert "parent" in exc.value.message_dict
    org.sales.refresh_from_db()
    assert org.sales.parent == org.hq


def test_close_moves_people_positions_and_children(org: TestOrg) -> None:
    # given
    team = factories.department("大客户组", parent=org.sales1)
    position = Position.objects.get(code="SALES-REP")
    # when
    services.department_close(
        actor=SYSTEM, department=org.sales1, move_to=org.sales2, reason="合并"
    )
    # then
    org.sales1.refresh_from_db()
    assert not org.sales1.is_active
    assert org.sales1.closed_at is not None
    assert set(Employee.objects.filter(department=org.sales1)) == set()
    org.employee.refresh_from_db()
    assert org.employee.department == org.sales2
    position.refresh_from_db()
    assert position.department == org.sales2
    team.refresh_from_db()
    assert team.parent == org.sales2
    assert team.path.startswith(org.sales2.path)
    close_entry = audit_for(org.sales1)[-1]
    assert close_entry.action == AuditAction.CLOSE
    assert close_entry.after is not None
    assert close_entry.after["people_moved"] == 3
    assert audit_for(org.employee)[-1].reason == "合并"


def test_close_into_own_subtree_is_refused(org: TestOrg) -> None:
    with pytest.raises(ValidationError):
        services.department_close(actor=SYSTEM, department=org.sales, move_to=org.sales1)
    org.sales.refresh_from_db()
    assert org.sales.is_active


def test_employee_report_path_and_account(org: TestOrg) -> None:
    assert org.employee.report_path == (
        f"/{org.ceo.pk}/{org.head.pk}/{org.manager.pk}/{org.employee.pk}/"
    )
    assert org.employee.user is not None
    assert org.employee.user.username == org.employee.number
    assert not org.employee.user.has_usable_password()


def test_manager_loop_is_refused(org: TestOrg) -> None:
    # when the head would report to someone in their own chain
    with pytest.raises(ValidationError) as exc:
        services.employee_update(actor=SYSTEM, employee=org.head, changes={"manager": org.employee})
    # then nothing changed
    assert "manager" in exc.value.message_dict
    assert "loop" in exc.value.message_dict["manager"][0]
    org.head.refresh_from_db()
    assert org.head.manager == org.ceo


def test_own_manager_is_refused(org: TestOrg) -> None:
    with pytest.raises(ValidationError):
        services.employee_update(
            actor=SYSTEM, employee=org.manager, changes={"manager": org.manager}
        )


def test_new_manager_carries_the_whole_chain(org: TestOrg) -> None:
    # when 张经理 moves under 赵经理 with their reports
    services.employee_update(
        actor=SYSTEM, employee=org.manager, changes={"manager": org.other_manager}, reason="调岗"
    )
    # then the reports' paths follow
    org.employee.refresh_from_db()
    assert org.employee.report_path == (
        f"{org.other_manager.report_path}{org.manager.pk}/{org.employee.pk}/"
    )
    entry = audit_for(org.manager)[-1]
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["manager"] == str(org.head)
    assert entry.after["manager"] == str(org.other_manager)
    assert entry.reason == "调岗"


def test_update_without_change_writes_no_audit(org: TestOrg) -> None:
    before = len(audit_for(org.employee))
    services.employee_update(actor=SYSTEM, employee=org.employee, changes={"name": "陈员工"})
    assert len(audit_for(org.employee)) == before


def test_leaving_deactivates_the_account(org: TestOrg) -> None:
    services.employee_update(
        actor=SYSTEM, employee=org.peer, changes={"status": EmployeeStatus.LEFT}
    )
    assert org.peer.user is not None
    org.peer.user.refresh_from_db()
    assert not org.peer.user.is_active


def test_duplicate_employee_number_is_refused(org: TestOrg) -> None:
    with pytest.raises(ValidationError) as exc:
        services.employee_create(actor=SYSTEM, number="E0004", name="重复", department=org.sales1)
    assert "number" in exc.value.message_dict
    assert not Employee.objects.filter(name="重复").exists()


def test_bad_email_is_refused(org: TestOrg) -> None:
    with pytest.raises(ValidationError) as exc:
        services.employee_update(actor=SYSTEM, employee=org.peer, changes={"email": "not-an-email"})
    assert "email" in exc.value.message_dict


def test_people_cannot_join_a_closed_department(org: TestOrg) -> None:
    services.department_close(actor=SYSTEM, department=org.sales2, move_to=org.sales1)
    org.sales2.refresh_from_db()
    with pytest.raises(ValidationError):
        services.employee_update(
            actor=SYSTEM, employee=org.peer, changes={"department": org.sales2}
        )


def test_audit_log_is_append_only(org: TestOrg) -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="x")
