"""Money: pledges, money received, awards and payments, all through the ledger."""

from flask import Blueprint

bp = Blueprint("money", __name__, url_prefix="/money")
