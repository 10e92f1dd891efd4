"""Running for real: health checks, request logs, proxy headers, the administrator's
delivery page, and the worker and routine `flask` commands."""

from flask import Blueprint

bp = Blueprint("ops", __name__)
