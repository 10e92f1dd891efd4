"""Open data: CSV, JSON, 360Giving and an Atom feed of the platform's public records."""

from flask import Blueprint

bp = Blueprint("opendata", __name__, url_prefix="/open-data")
