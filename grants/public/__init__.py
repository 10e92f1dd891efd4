"""Public pages: anyone can follow every pound and every decision, without signing in."""

from flask import Blueprint

bp = Blueprint("public", __name__)
