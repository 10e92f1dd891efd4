"""Proposals: a group's bid to a table, with its budget."""

from flask import Blueprint

bp = Blueprint("proposals", __name__, url_prefix="/proposals")
