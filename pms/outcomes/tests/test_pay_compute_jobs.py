"""Computing a large bonus or raise plan in the worker: small plans while HR waits, large
ones queued and followed on the plan page, nothing changing meanwhile, failures kept with
their reason, one job per request, who may follow the progress and what it costs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import (
    BonusFactor,
    BonusLine,
    BonusMethod,
    BonusPlan,
    ComputeState,
    PlanStatus,
    RaiseLine,
    RaisePlan,
)
from pms.outcomes.services import bonus as bonus_services
from pms.outcomes.services import pay_lines
from pms.outcomes.services import raises as raise_services
from pms.outcomes.tasks import compute_pay_plan
from pms.outcomes.tests import pay_factories as pf
from pms.reviews.models import Cycle

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
D = Decimal
BUSY = "This plan is being computed; nothing in it can change until that is done."


@pytest.fixture
def cycle(org: TestOrg) -> Cycle:
    """Four published results: A, B, B in 销售一部, S in 研发中心."""
    return pf.cycle_with_results(org, pf.SALES_AND_RD, "2025年度考核")


@pytest.fixture
def large(settings: Any) -> None:
    """Plans of more than two people count as large."""
    settings.PMS_PAY_COMPUTE_INLINE = 2


@pytest.fixture
def plan(org: TestOrg, hr: Actor, cycle: Cycle) -> BonusPlan:
    made = pf.bonus_plan(hr, cycle, name="2025年终奖", budget=D("50000"))
    pf.set_bases(hr, made, {org.employee: "10000", org.peer: "8000"})
    return made


@pytest.fixture
def raise_plan(org: TestOrg, hr: Actor, cycle: Cycle) -> RaisePlan:
    made = pf.raise_plan(hr, cycle, name="2026调薪")
    pf.set_salaries(hr, made, {org.employee: ("10000", "8000", "14000")})
    return made


def url(name: str, *args: Any) -> str:
    return reverse(f"outcomes:{name}", args=[getattr(a, "uuid", a) for a in args])


def amounts(plan: BonusPlan | RaisePlan) -> dict[str, Decimal]:
    lines: Any = BonusLine if isinstance(plan, BonusPlan) else RaiseLine
    return dict(lines.objects.filter(plan=plan).values_list("employee__number", "amount"))


def computed_entries(plan: BonusPlan | RaisePlan) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=plan._meta.label_lower, object_id=str(plan.pk), reason="Computed"
        )
    )


def queue(client: Client, name: str, plan: BonusPlan | RaisePlan, capture: Any) -> list[Any]:
    """Ask for a computation through the page; the callbacks that would enqueue the job
    once the request commits (not run)."""
    with capture() as callbacks:
        response = client.post(url(name, plan))
    assert response.status_code == 302
    assert response["Location"] == url(name.replace("compute", "plan"), plan)
    return list(callbacks)


# --- small plans ---------------------------------------------------------------------------


def test_a_plan_up_to_the_threshold_is_computed_while_hr_waits(
    settings: Any,
    client_for: ClientFor,
    plan: BonusPlan,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.PMS_PAY_COMPUTE_INLINE = 4  # exactly the plan's four people
    client = client_for("hr_admin")
    callbacks = queue(client, "bonus_compute", plan, django_capture_on_commit_callbacks)
    assert callbacks == []
    plan.refresh_from_db()
    assert plan.computed_at is not None
    assert (plan.compute_state, plan.compute_error) == (ComputeState.IDLE, "")
    assert amounts(plan)["E0004"] == D("12000.00")
    assert len(computed_entries(plan)) == 1
    page = client.get(url("bonus_plan", plan))
    assert 'id="compute-progress"' not in page.text
    assert f'action="{url("bonus_compute", plan)}"' in page.text


# --- large plans ---------------------------------------------------------------------------


@pytest.mark.usefixtures("large")
def test_a_large_bonus_plan_is_queued_followed_and_computed_by_the_worker(
    client_for: ClientFor,
    org: TestOrg,
    plan: BonusPlan,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = client_for("hr_admin")
    callbacks = queue(client, "bonus_compute", plan, django_capture_on_commit_callbacks)
    assert len(callbacks) == 1
    plan.refresh_from_db()
    assert (plan.compute_state, plan.compute_total, plan.compute_done) == (
        ComputeState.QUEUED,
        4,
        0,
    )
    assert plan.compute_requested_at is not None
    assert plan.computed_at is None
    assert set(amounts(plan).values()) == {D("0")}
    assert computed_entries(plan) == []
    # the page follows the job and offers no change meanwhile
    page = client.get(url("bonus_plan", plan))
    assert page.status_code == 200
    assert 'id="compute-progress"' in page.text
    assert f'hx-get="{url("bonus_compute_progress", plan)}"' in page.text
    assert f'action="{url("bonus_compute", plan)}"' not in page.text
    assert url("bonus_factor", plan) not in page.text
    assert url("bonus_line_base", pf.line_of(plan, org.employee)) not in page.text
    listing = client.get(url("bonus_plans"))
    assert "Waiting to be computed" in listing.text
    fragment = client.get(url("bonus_compute_progress", plan), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "Waiting for the worker to compute about 4 lines." in fragment.text
    assert "HX-Refresh" not in fragment
    # the worker writes the lines in batches, the progress with each
    monkeypatch.setattr(pay_lines, "BATCH_SIZE", 2)
    with CaptureQueriesContext(connection) as captured:
        callbacks[0]()
    progress = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('UPDATE "outcomes_bonusplan" SET "compute_done"')
    ]
    assert len(progress) == 2
    plan.refresh_from_db()
    assert plan.computed_at is not None
    assert (plan.compute_state, plan.compute_done, plan.compute_total, plan.compute_error) == (
        ComputeState.IDLE,
        4,
        4,
        "",
    )
    assert amounts(plan) == {
        "E0004": D("12000.00"),
        "E0005": D("8000.00"),
        "E0003": D("0.00"),
        "E0007": D("0.00"),
    }
    [entry] = computed_entries(plan)
    assert entry.actor == org.hr_admin.user
    assert entry.after is not None
    assert (entry.after["people"], entry.after["total"]) == (4, "20000.00")
    # the page polling the fragment reloads, and shows the figures
    fragment = client.get(url("bonus_compute_progress", plan), headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true"
    page = client.get(url("bonus_plan", plan))
    assert 'id="compute-progress"' not in page.text
    assert url("bonus_lock", plan) in page.text
    assert client.post(url("bonus_lock", plan)).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.LOCKED


@pytest.mark.usefixtures("large")
def test_a_large_raise_plan_is_computed_by_the_worker(
    client_for: ClientFor,
    org: TestOrg,
    raise_plan: RaisePlan,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for("hr_admin")
    callbacks = queue(client, "raise_compute", raise_plan, django_capture_on_commit_callbacks)
    assert len(callbacks) == 1
    raise_plan.refresh_from_db()
    assert raise_plan.compute_state == ComputeState.QUEUED
    page = client.get(url("raise_plan", raise_plan))
    assert f'hx-get="{url("raise_compute_progress", raise_plan)}"' in page.text
    assert url("raise_matrix", raise_plan) not in page.text
    callbacks[0]()
    raise_plan.refresh_from_db()
    assert raise_plan.compute_state == ComputeState.IDLE
    assert raise_plan.computed_at is not None
    assert amounts(raise_plan)["E0004"] == D("700.00")  # A in q2 of the example matrix: 7 %
    assert len(computed_entries(raise_plan)) == 1


# --- nothing changes meanwhile -------------------------------------------------------------


@pytest.mark.usefixtures("large")
def test_nothing_in_a_queued_bonus_plan_changes(
    client_for: ClientFor,
    org: TestOrg,
    hr: Actor,
    plan: BonusPlan,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for("hr_admin")
    queue(client, "bonus_compute", plan, django_capture_on_commit_callbacks)
    plan.refresh_from_db()
    requested = plan.compute_requested_at
    before = AuditEntry.objects.count()
    line = pf.line_of(plan, org.employee)
    attempts = [
        lambda: bonus_services.bonus_base_set(actor=hr, line=line, base=D("1")),
        lambda: bonus_services.bonus_factor_set(
            actor=hr, plan=plan, department=org.sales1, factor=D("2")
        ),
        lambda: bonus_services.bonus_plan_update(actor=hr, plan=plan, changes={"cap": D("1")}),
        lambda: bonus_services.bonus_plan_compute(actor=hr, plan=plan),
        lambda: bonus_services.bonus_plan_compute_request(actor=hr, plan=plan),
        lambda: bonus_services.bonus_plan_lock(actor=hr, plan=plan),
        lambda: bonus_services.bonus_plan_delete(actor=hr, plan=plan),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert caught.value.messages == [BUSY]
    # through the pages: the reason, and asking again queues nothing more
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url("bonus_compute", plan), follow=True)
    assert callbacks == []
    assert BUSY in response.text
    response = client.get(url("bonus_plan_edit", plan), follow=True)
    assert BUSY in response.text
    response = client.post(
        url("bonus_factor", plan), {"department": str(org.sales1.uuid), "factor": "2"}
    )
    assert response.status_code == 400
    assert BUSY in response.text
    response = client.post(url("bonus_line_base", line), {"base": "1"})
    assert response.status_code == 400
    assert BUSY in response.text
    assert 'name="base"' not in client.get(url("bonus_line", line)).text
    for name in ("bonus_lock", "bonus_delete"):
        response = client.post(url(name, plan), follow=True)
        assert BUSY in response.text
    plan.refresh_from_db()
    assert (plan.compute_state, plan.compute_requested_at) == (ComputeState.QUEUED, requested)
    assert plan.status == PlanStatus.DRAFT
    assert pf.line_of(plan, org.employee).base == D("10000.00")
    assert not BonusFactor.objects.filter(plan=plan).exists()
    assert AuditEntry.objects.count() == before


@pytest.mark.usefixtures("large")
def test_nothing_in_a_queued_raise_plan_changes(
    client_for: ClientFor,
    org: TestOrg,
    hr: Actor,
    raise_plan: RaisePlan,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for("hr_admin")
    queue(client, "raise_compute", raise_plan, django_capture_on_commit_callbacks)
    line = pf.raise_line_of(raise_plan, org.employee)
    attempts = [
        lambda: raise_services.raise_matrix_set(
            actor=hr, plan=raise_plan, matrix=raise_plan.matrix
        ),
        lambda: raise_services.raise_inputs_set(
            actor=hr, line=line, salary=D("1"), range_min=D("1"), range_max=D("2")
        ),
        lambda: raise_services.raise_plan_update(
            actor=hr, plan=raise_plan, changes={"name": "改名"}
        ),
        lambda: raise_services.raise_plan_lock(actor=hr, plan=raise_plan),
        lambda: raise_services.raise_plan_delete(actor=hr, plan=raise_plan),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert caught.value.messages == [BUSY]
    response = client.post(
        url("raise_line_inputs", line),
        {"salary": "1", "range_min": "1", "range_max": "2"},
    )
    assert response.status_code == 400
    raise_plan.refresh_from_db()
    assert raise_plan.name == "2026调薪"
    assert raise_plan.compute_state == ComputeState.QUEUED
    assert pf.raise_line_of(raise_plan, org.employee).salary == D("10000.00")


# --- one job per request -------------------------------------------------------------------


@pytest.mark.usefixtures("large")
def test_a_job_runs_once_and_an_older_request_does_nothing(
    org: TestOrg, hr: Actor, plan: BonusPlan, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bonus_services.bonus_plan_compute_request(actor=hr, plan=plan)
    assert len(callbacks) == 1
    plan.refresh_from_db()
    assert plan.compute_requested_at is not None
    job = {
        "kind": "bonus",
        "plan_id": plan.pk,
        "user_id": org.hr_admin.user.pk,  # type: ignore[union-attr]
        "channel": "web",
        "language": "en",
    }
    older = (plan.compute_requested_at - dt.timedelta(seconds=1)).isoformat()
    assert compute_pay_plan.call(**job, requested_at=older) is False
    plan.refresh_from_db()
    assert plan.compute_state == ComputeState.QUEUED
    requested = plan.compute_requested_at.isoformat()
    assert compute_pay_plan.call(**job, requested_at=requested) is True
    assert compute_pay_plan.call(**job, requested_at=requested) is False
    plan.refresh_from_db()
    assert plan.compute_state == ComputeState.IDLE
    assert len(computed_entries(plan)) == 1


# --- failures ------------------------------------------------------------------------------


@pytest.mark.usefixtures("large")
def test_a_refusal_is_kept_on_the_plan_in_the_language_of_the_page(
    client_for: ClientFor,
    org: TestOrg,
    hr: Actor,
    cycle: Cycle,
    django_capture_on_commit_callbacks: Any,
) -> None:
    plan = pf.bonus_plan(hr, cycle, method=BonusMethod.POOL, pool=D("10000"))
    pf.set_bases(hr, plan, {org.employee: "10000"})
    with django_capture_on_commit_callbacks(execute=True):
        plan = bonus_services.bonus_plan_compute_request(actor=hr, plan=plan)
    plan.refresh_from_db()
    assert plan.compute_state == ComputeState.FAILED
    assert plan.computed_at is None
    assert plan.compute_error == (
        "3 people have no bonus base. Enter or import their bases, or share the pool by "
        "coefficient alone."
    )
    assert set(amounts(plan).values()) == {D("0")}
    assert computed_entries(plan) == []
    page = client_for("hr_admin").get(url("bonus_plan", plan))
    assert "The last computation failed:" in page.text
    assert "3 people have no bonus base." in page.text
    # not held: fix the inputs, compute again
    assert f'action="{url("bonus_compute", plan)}"' in page.text
    # the worker says it in the language of the page that asked
    with translation.override("zh-hans"):
        expected = _(
            "%(count)d people have no bonus base. Enter or import their bases, or share the "
            "pool by coefficient alone."
        ) % {"count": 3}
        with django_capture_on_commit_callbacks(execute=True):
            bonus_services.bonus_plan_compute_request(actor=hr, plan=plan)
    plan.refresh_from_db()
    assert plan.compute_error == expected
    # once the inputs are right, the next computation clears the failure
    bonus_services.bonus_plan_update(actor=hr, plan=plan, changes={"weigh_by_base": False})
    with django_capture_on_commit_callbacks(execute=True):
        bonus_services.bonus_plan_compute_request(actor=hr, plan=plan)
    plan.refresh_from_db()
    assert (plan.compute_state, plan.compute_error) == (ComputeState.IDLE, "")
    assert plan.computed_at is not None


@pytest.mark.usefixtures("large")
def test_an_error_in_the_worker_is_kept_and_the_plan_is_not_held(
    org: TestOrg,
    hr: Actor,
    plan: BonusPlan,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        bonus_services.bonus_plan_compute_request(actor=hr, plan=plan)
    plan.refresh_from_db()

    def broken(plan: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(pay_lines, "lines_sync", broken)
    with pytest.raises(RuntimeError):
        pay_lines.plan_compute_run(
            computing=bonus_services.COMPUTING,
            plan_id=plan.pk,
            user_id=None,
            channel="web",
            requested_at=plan.compute_requested_at,  # type: ignore[arg-type]
            language="en",
        )
    plan.refresh_from_db()
    assert plan.compute_state == ComputeState.FAILED
    assert plan.compute_error == "The computation stopped because of an error."
    bonus_services.bonus_base_set(actor=hr, line=pf.line_of(plan, org.peer), base=D("1"))


@pytest.mark.usefixtures("large")
def test_inputs_imported_while_computing_leave_the_plan_to_compute_again(
    hr: Actor,
    plan: BonusPlan,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written = pay_lines._write

    def import_meanwhile(*args: Any, **kwargs: Any) -> None:
        written(*args, **kwargs)
        # what applying an import of bases does to the plan (``importers.pay``)
        BonusPlan.objects.filter(pk=plan.pk).update(computed_at=None, updated_at=timezone.now())

    monkeypatch.setattr(pay_lines, "_write", import_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        bonus_services.bonus_plan_compute_request(actor=hr, plan=plan)
    plan.refresh_from_db()
    assert plan.compute_state == ComputeState.FAILED
    assert plan.computed_at is None
    assert plan.compute_error == (
        "The plan's inputs changed while it was being computed; compute it again."
    )
    assert computed_entries(plan) == []


@pytest.mark.usefixtures("large")
def test_a_job_no_worker_finished_holds_the_plan_no_longer(
    client_for: ClientFor,
    org: TestOrg,
    hr: Actor,
    plan: BonusPlan,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        bonus_services.bonus_plan_compute_request(actor=hr, plan=plan)
    # the worker took the job two hours ago and was restarted
    BonusPlan.objects.filter(pk=plan.pk).update(
        compute_state=ComputeState.RUNNING,
        compute_requested_at=timezone.now() - dt.timedelta(hours=2),
    )
    client = client_for("hr_admin")
    page = client.get(url("bonus_plan", plan))
    assert "seems to have stopped" in page.text
    assert f'hx-get="{url("bonus_compute_progress", plan)}"' not in page.text
    callbacks = queue(client, "bonus_compute", plan, django_capture_on_commit_callbacks)
    assert len(callbacks) == 1
    callbacks[0]()
    plan.refresh_from_db()
    assert plan.compute_state == ComputeState.IDLE
    assert amounts(plan)["E0004"] == D("12000.00")


# --- who follows the progress, and what it costs -------------------------------------------


@pytest.mark.usefixtures("large")
def test_the_progress_is_for_whoever_reads_plans(
    client_for: ClientFor,
    hr: Actor,
    plan: BonusPlan,
    raise_plan: RaisePlan,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        bonus_services.bonus_plan_compute_request(actor=hr, plan=plan)
    pages = [url("bonus_compute_progress", plan), url("raise_compute_progress", raise_plan)]
    for persona in ("employee", "manager", "head", "ceo", "outsider"):
        client = client_for(persona)
        for page in pages:
            assert client.get(page).status_code == 404, (persona, page)
    missing = reverse("outcomes:bonus_compute_progress", args=[raise_plan.uuid])
    assert client_for("hr_admin").get(missing).status_code == 404
    # an HRBP reads every plan (the lines of their scope), so follows its computation too
    response = client_for("hrbp").get(pages[0])
    assert response.status_code == 200
    assert "Waiting to be computed" in response.text
    assert client_for("hrbp").post(url("bonus_compute", plan)).status_code == 403


@pytest.mark.usefixtures("large")
def test_the_progress_takes_the_same_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, hr: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    counts = []
    for size in (3, 13):
        the_cycle = pf.results_cycle()
        for person in pf.people(org.sales2, size):
            pf.result(the_cycle, person, "B")
        plan = pf.bonus_plan(hr, the_cycle)
        with django_capture_on_commit_callbacks(execute=False):
            bonus_services.bonus_plan_compute_request(actor=hr, plan=plan)
        for persona in ("hr_admin", "hrbp"):
            client = client_for(persona)
            page = url("bonus_compute_progress", plan)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(page, headers={"HX-Request": "true"})
            assert response.status_code == 200
            counts.append((persona, len(captured.captured_queries)))
    assert counts[:2] == counts[2:]
