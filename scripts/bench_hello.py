"""The reference page for scripts/bench_web: the least a Flask app can do, on the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Hello."""
    return "hello"
