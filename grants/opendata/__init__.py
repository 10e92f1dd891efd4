"""Open data: CSV, JSON, 360Giving and an Atom feed of the platform's public records."""

from flask import Blueprint

# Its commands are `flask open-data ...` (commands.py).
bp = Blueprint("opendata", __name__, url_prefix="/open-data", cli_group="open-data")

