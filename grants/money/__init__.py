"""Money: pledges, money received, awards and payments, all through the ledger."""

from flask import Blueprint

# cli_group=None: its commands are top-level (`flask reconcile`, `flask send-due-tranches`).
bp = Blueprint("money", __name__, url_prefix="/money", cli_group=None)
