"""Panel pay: a table's rate, each member's time, choice, expenses and pay runs.

Its own feature (issue 13: "panel pay lives with panels, or its own feature"). The pages keep
their addresses under /money/ so bookmarks and links in old e-mails still work.
"""

from flask import Blueprint

bp = Blueprint("panel_pay", __name__, url_prefix="/money")
