"""Rounds ("tables"): rules, timetable, panel staff and the round's life, for convenors."""

from flask import Blueprint

bp = Blueprint("rounds", __name__, url_prefix="/manage/tables")
