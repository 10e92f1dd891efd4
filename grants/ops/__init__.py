"""Running for real: health checks, request logs, proxy headers, the administrator's
delivery page, and the worker and routine `flask` commands."""

from flask import Blueprint

# cli_group=None: its commands are top-level (`flask worker`, `flask jobs ...`, `flask admin ...`; commands.py).
bp = Blueprint("ops", __name__, cli_group=None)
