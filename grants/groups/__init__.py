"""Groups: user-led community groups that bid, and their members."""

from flask import Blueprint

bp = Blueprint("groups", __name__, url_prefix="/groups")
