"""Background exports (pms/core/exports.py): starting a job, building it once in the worker
with progress, the status fragment and the download — for the person who started it, while
the kind's rule still lets them have it, for nobody else — failures, and the clean-up."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from pms.accounts.models import User
from pms.core import exports
from pms.core.audit import Actor
from pms.core.exports import BuiltExport, Progress
from pms.core.models import AuditAction, AuditEntry, ExportJob, ExportStatus
from pms.core.periodic import periodic_job
from pms.org.roles import Principal

pytestmark = pytest.mark.django_db
KIND = "test-export"
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)

# who the test kind lets have its file; tests take people off it to take their access away
ALLOWED: set[str] = set()
BUILDS: list[dict[str, Any]] = []
# (status, done, total) of the job as the page would read it, each time progress was told
SEEN: list[tuple[str, int, int]] = []


def build(principal: Principal, params: dict[str, Any], progress: Progress) -> BuiltExport:
    BUILDS.append(params)
    if params.get("fail") == "crash":
        raise RuntimeError("disk on fire")
    if params.get("fail") == "refuse":
        raise ValidationError("Nothing to export for this month.")
    rows = int(params.get("rows", 3))
    progress(0, rows)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the service)
    for n in range(1, rows + 1):
        out.write(f"{n}\n".encode())
        if n % 2 == 0:
            progress(n)
            job = ExportJob.objects.get(status=ExportStatus.RUNNING)
            SEEN.append((job.status, job.done, job.total))
    out.seek(0)
    assert principal.user is not None
    return BuiltExport(file=out, name=f"名单-{principal.user.username}.csv")


def allowed(principal: Principal, params: dict[str, Any]) -> bool:
    return principal.user is not None and principal.user.username in ALLOWED


exports.register_export(KIND, label="Test export", build=build, allowed=allowed)


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    ALLOWED.clear()
    BUILDS.clear()
    SEEN.clear()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def starter() -> User:
    ALLOWED.add("starter")
    return User.objects.create_user(username="starter", password="x")


@pytest.fixture
def other() -> User:
    ALLOWED.add("other")  # may have such files, but not this person's
    return User.objects.create_user(username="other", password="x")


Capture = Callable[..., Any]


def start(user: User, capture: Capture | None = None, **params: Any) -> ExportJob:
    if capture is None:
        return exports.export_start(actor=Actor(user=user), kind=KIND, params=params)
    with capture(execute=True):
        job = exports.export_start(actor=Actor(user=user), kind=KIND, params=params)
    job.refresh_from_db()
    return job


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(name: str, job: ExportJob) -> str:
    return reverse(f"core:{name}", args=[job.uuid])


# --- starting and running ------------------------------------------------------------------


def test_starting_queues_audits_and_the_worker_builds_on_commit(
    starter: User, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        job = exports.export_start(actor=Actor(user=starter), kind=KIND, params={"rows": 5})

    job.refresh_from_db()
    assert job.status == ExportStatus.QUEUED  # nothing built before the commit
    assert BUILDS == []
    assert (job.created_by, job.params, job.language) == (starter, {"rows": 5}, "en")
    entry = AuditEntry.objects.get(object_type="core.exportjob", object_id=str(job.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.actor == starter
    assert entry.after == {"kind": KIND, "params": {"rows": 5}}

    for callback in callbacks:
        callback()  # the commit: the (immediate) task runs

    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert (job.done, job.total) == (5, 5)
    assert job.finished_at == NOW
    assert job.file_name == "名单-starter.csv"
    assert job.file.name.startswith("exports/2027/03/")
    assert job.file.name.endswith(f"{job.uuid.hex}.csv")  # no name of anybody on disk
    with job.file.open("rb") as fh:
        assert fh.read() == b"1\n2\n3\n4\n5\n"


def test_progress_is_written_while_the_file_is_built(
    starter: User, django_capture_on_commit_callbacks: Capture
) -> None:
    start(starter, django_capture_on_commit_callbacks, rows=6)
    assert SEEN == [("running", 2, 6), ("running", 4, 6), ("running", 6, 6)]


def test_a_job_is_built_once(starter: User, django_capture_on_commit_callbacks: Capture) -> None:
    job = start(starter, django_capture_on_commit_callbacks)
    stored = job.file.name

    again = exports.export_job_run(job_id=job.pk)

    assert again is not None
    assert again.status == ExportStatus.DONE
    assert again.file.name == stored
    assert len(BUILDS) == 1
    assert exports.export_job_run(job_id=0) is None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"fail": "crash"}, "The export stopped because of an error. Please try again."),
        ({"fail": "refuse"}, "Nothing to export for this month."),
    ],
)
def test_a_failure_is_recorded_with_a_message(
    starter: User,
    django_capture_on_commit_callbacks: Capture,
    params: dict[str, str],
    message: str,
) -> None:
    job = start(starter, django_capture_on_commit_callbacks, **params)

    assert job.status == ExportStatus.FAILED
    assert job.error == message
    assert job.finished_at == NOW
    assert not job.file
    html = client_of(starter).get(page("export", job)).content.decode()
    assert message in html
    assert "every 2s" not in html
    assert client_of(starter).get(page("export_download", job)).status_code == 404


def test_access_lost_before_the_worker_runs_fails_the_job(
    starter: User, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        exports.export_start(actor=Actor(user=starter), kind=KIND, params={})
    ALLOWED.discard("starter")
    for callback in callbacks:
        callback()

    job = ExportJob.objects.get()
    assert job.status == ExportStatus.FAILED
    assert job.error == "You may no longer export this."
    assert BUILDS == []


def test_starting_refuses_bad_input_and_people_the_rule_refuses(starter: User, other: User) -> None:
    with pytest.raises(ValidationError) as caught:
        exports.export_start(actor=Actor(user=starter), kind="nope", params={})
    assert caught.value.message_dict == {"kind": ["Unknown export kind."]}
    with pytest.raises(ValidationError):
        exports.export_start(actor=Actor.system(), kind=KIND, params={})
    with pytest.raises(ValidationError):
        exports.export_start(actor=Actor(user=starter), kind=KIND, params=["x"])  # type: ignore[arg-type]
    ALLOWED.discard("other")
    with pytest.raises(PermissionDenied):
        exports.export_start(actor=Actor(user=other), kind=KIND, params={})
    assert not ExportJob.objects.exists()
    assert not AuditEntry.objects.filter(object_type="core.exportjob").exists()


# --- the status and the download -----------------------------------------------------------


def test_the_status_polls_while_running_and_offers_the_file_when_done(
    starter: User, django_capture_on_commit_callbacks: Capture
) -> None:
    client = client_of(starter)
    queued = start(starter)  # never committed: stays queued
    fragment = client.get(page("export", queued), headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert 'hx-trigger="every 2s"' in html
    assert "<html" not in html
    assert "Queued" in html

    job = start(starter, django_capture_on_commit_callbacks, rows=4)
    html = client.get(page("export", job), headers={"HX-Request": "true"}).content.decode()
    assert "every 2s" not in html
    assert page("export_download", job) in html
    assert "名单-starter.csv" in html
    whole = client.get(page("export", job))
    assert whole.status_code == 200
    assert "<html" in whole.content.decode()


def test_the_starter_downloads_the_file(
    starter: User, django_capture_on_commit_callbacks: Capture
) -> None:
    job = start(starter, django_capture_on_commit_callbacks, rows=2)

    response = client_of(starter).get(page("export_download", job))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"1\n2\n"  # type: ignore[attr-defined]
    assert response["Content-Type"].startswith("text/csv")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E5%90%8D%E5%8D%95-starter.csv" in disposition


def test_nobody_else_sees_or_downloads_a_job(
    starter: User, other: User, django_capture_on_commit_callbacks: Capture
) -> None:
    job = start(starter, django_capture_on_commit_callbacks)
    client = client_of(other)
    assert client.get(page("export", job)).status_code == 404
    assert client.get(page("export_download", job)).status_code == 404
    assert client.get("/exports/not-a-uuid/").status_code == 404
    assert Client().get(page("export_download", job)).status_code == 302  # to the sign-in


def test_the_starter_who_lost_access_is_refused(
    starter: User, django_capture_on_commit_callbacks: Capture
) -> None:
    job = start(starter, django_capture_on_commit_callbacks)
    ALLOWED.discard("starter")
    client = client_of(starter)
    assert client.get(page("export", job)).status_code == 403
    assert client.get(page("export_download", job)).status_code == 403
    starter.is_active = False
    starter.save(update_fields=["is_active"])
    ALLOWED.add("starter")
    assert client.get(page("export_download", job)).status_code in {302, 404}


def test_a_job_not_done_has_nothing_to_download(starter: User) -> None:
    job = start(starter)
    assert client_of(starter).get(page("export_download", job)).status_code == 404


def test_the_pages_take_no_other_method(
    starter: User, django_capture_on_commit_callbacks: Capture
) -> None:
    job = start(starter, django_capture_on_commit_callbacks)
    assert client_of(starter).post(page("export_download", job)).status_code == 405


# --- clean-up ------------------------------------------------------------------------------


def test_files_older_than_a_week_are_deleted_and_stuck_jobs_fail(
    starter: User, django_capture_on_commit_callbacks: Capture
) -> None:
    with time_machine.travel(NOW - dt.timedelta(days=8), tick=False):
        old = start(starter, django_capture_on_commit_callbacks)
        stuck = start(starter)  # its worker never came
    with time_machine.travel(NOW - dt.timedelta(days=6), tick=False):
        recent = start(starter, django_capture_on_commit_callbacks)
    old_file = old.file.name
    assert default_storage.exists(old_file)

    job = periodic_job("core.clean_exports")
    assert job is not None
    assert job.run(NOW) == 2

    old.refresh_from_db()
    assert not old.file
    assert not default_storage.exists(old_file)
    assert old.status == ExportStatus.DONE
    recent.refresh_from_db()
    assert default_storage.exists(recent.file.name)
    stuck.refresh_from_db()
    assert stuck.status == ExportStatus.FAILED
    assert stuck.error == "The export did not finish. Please export again."
    assert exports.exports_clean(NOW) == 0  # twice for the same moment: nothing more

    client = client_of(starter)
    assert client.get(page("export_download", old)).status_code == 404
    assert "deleted because it is old" in client.get(page("export", old)).content.decode()
