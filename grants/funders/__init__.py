"""Funders: organisations that give money, and the people who act for them."""

from flask import Blueprint

bp = Blueprint("funders", __name__, url_prefix="/funders")
