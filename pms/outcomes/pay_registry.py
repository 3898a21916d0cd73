"""What applying results to pay, promotion and training registers when the app is ready:
the wording of the pay steps, the import kinds of bases and salaries, and the exports
(payroll files, the promotion list, training needs)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register_pay() -> None:
    from pms.core.exports import register_export
    from pms.goals.rules import register_wording
    from pms.outcomes import importers  # noqa: F401  (registers the import kinds)
    from pms.outcomes import pay_exporters as files
    from pms.outcomes.pay_wording import PAY_STEP_SENTENCES

    register_wording(errors={}, steps=PAY_STEP_SENTENCES)
    register_export(
        files.BONUS_PAYROLL,
        label=_("Bonus plan for payroll"),
        build=files.bonus_payroll_build,
        allowed=files.bonus_payroll_allowed,
    )
    register_export(
        files.RAISE_PAYROLL,
        label=_("Raise plan for payroll"),
        build=files.raise_payroll_build,
        allowed=files.raise_payroll_allowed,
    )
    register_export(
        files.PROMOTION_LIST,
        label=_("Promotion eligibility"),
        build=files.promotion_build,
        allowed=files.promotion_allowed,
    )
    register_export(
        files.TRAINING_NEEDS,
        label=_("Training needs"),
        build=files.training_build,
        allowed=files.training_allowed,
    )
