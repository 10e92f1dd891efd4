"""Open data: CSV, JSON, 360Giving and an Atom feed of the platform's public records."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

# Its commands are `flask open-data ...` (commands.py).
bp = Blueprint("opendata", __name__, url_prefix="/open-data", cli_group="open-data")


@bp.record_once
def _remake_files_after_changes(_state: BlueprintSetupState) -> None:
    """Every committed change to what the 360Giving files show has them made again (services.py)."""
    from grants.core import use_case_committing
    from grants.opendata.services import remake_after_change

    use_case_committing.connect(remake_after_change, weak=False)
