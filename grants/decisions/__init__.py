"""Decision records in and out: Pabulib export of decided rounds, and importing a .pb file as a round."""

from flask import Blueprint

bp = Blueprint("decisions", __name__)
