"""The access layer names the import kind without importing the importers (no cycle)."""

from pms.tracking import access
from pms.tracking.importers.actuals import KIND


def test_the_access_layer_and_the_importer_agree_on_the_kind() -> None:
    assert access.ACTUALS_IMPORT_KIND == KIND
