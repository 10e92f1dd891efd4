"""Panels: invitations, reading proposals, comments only the panel sees, pausing."""

from flask import Blueprint

bp = Blueprint("panels", __name__, url_prefix="/panel")
