"""Secret ballots: choosing, checking your answers, casting, and the receipt."""

from flask import Blueprint

bp = Blueprint("ballots", __name__, url_prefix="/vote")
