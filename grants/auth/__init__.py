"""Accounts: sign up, sign in and out, password reset, and each person's own page."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
