"""Background work of the goals app. Tasks take ids, load, call the service; running a
task again once its job has moved on does nothing."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_tasks import task

from pms.goals.models import RunStatus, TemplateRun


@task()
def apply_template_run(run_id: int) -> None:
    """Apply a template to its group, as far as the person who started it may reach now."""
    from pms.goals import access
    from pms.goals.services.templates import template_run_execute, template_run_fail
    from pms.org.models import Employee
    from pms.org.roles import principal_for

    run = TemplateRun.objects.select_related("created_by").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.QUEUED:
        return
    if run.created_by is None:  # started by a command or the system: everyone
        people = Employee.objects.all()
    else:
        principal = principal_for(run.created_by)
        if not access.can_apply_templates(principal):
            template_run_fail(
                run_id=run_id,
                error=_("The person who started this run may no longer apply templates."),
            )
            return
        people = access.employees_in_scope_for_scorecards(principal)
    template_run_execute(run_id=run_id, people_in_scope=people)
