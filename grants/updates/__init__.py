"""Group updates: groups tell everyone how their funded work is going, in their own words."""

from flask import Blueprint

bp = Blueprint("updates", __name__, url_prefix="/groups")
