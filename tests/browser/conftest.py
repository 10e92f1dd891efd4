"""A live server over a copy of the demo world, and Debian's chromium driven by Playwright.

The browser tests need /usr/bin/chromium and axe-core (scripts/test installs both). Outside CI
they are skipped with a reason when either is missing; in CI (CI=true) a missing one fails.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.security.world import World, build_sqlite_template, cloned_world, describe

# Debian's Chromium headless shell (package chromium-headless-shell): the same Blink and V8 as
# /usr/bin/chromium, the same version, without the windowing browser around them. Playwright runs
# headless tests in it too. It lays out and checks a page the same (no scrollbar takes width in
# either), and needs half the processor time the full browser does (measured: one role's walk
# 46.9 s -> 38.6 s; Chromium's own time 18 s -> 9 s), time the machine's other tests then use.
# OT_CHROMIUM=/usr/bin/chromium runs the tests in the full browser.
CHROMIUM = os.environ.get("OT_CHROMIUM", "/usr/lib/chromium/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE_JS = os.environ.get("OT_AXE_JS", "")
# Screenshots of every page shape, for a person to look at, are taken when asked for: with
# OT_SCREENSHOTS set to a folder (scripts/screenshots sets it). Nothing checks them, and a full
# page's PNG costs more than every check made on it, so the suite does not take them by default.
TAKE_SCREENSHOTS = bool(os.environ.get("OT_SCREENSHOTS"))
SCREENSHOTS = Path(os.environ.get("OT_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "test-artifacts/screenshots")


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (scripts/test installs it with apt)"
    if not AXE_JS or not Path(AXE_JS).exists():
        return "axe-core is not installed (run the suite through scripts/test, which installs it)"
    return None


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001
    """Every test here is a browser test; skip them all (never in CI) when the browser is missing."""
    reason = _missing()
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if reason and not os.environ.get("CI"):
                item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class LiveSite:
    """A running copy of the site: its base URL, its app and the world's object names."""

    url: str
    app: Flask
    world: World


@contextmanager
def live_site(template: tuple[str, str, str], folder: Path) -> Iterator[LiveSite]:
    """Serve a fresh copy of the demo world (built once, in `template`) on 127.0.0.1 in a thread."""
    with cloned_world(template, folder, RATELIMIT_ENABLED=False) as app:
        with app.app_context():
            world = describe(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield LiveSite(url=f"http://127.0.0.1:{server.server_port}", app=app, world=world)
        finally:
            server.shutdown()
            thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    """One headless chromium for the whole session."""
    reason = _missing()
    if reason:
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def browser_world(tmp_path_factory) -> tuple[str, str, str]:  # noqa: ANN001
    """The demo world, built once per session in a SQLite file; each site serves a copy."""
    return build_sqlite_template(tmp_path_factory.mktemp("browser-world"))


@pytest.fixture(scope="module")
def site(browser_world, tmp_path_factory) -> Iterator[LiveSite]:  # noqa: ANN001
    """A live site shared by a module's read-only checks."""
    with live_site(browser_world, tmp_path_factory.mktemp("site")) as running:
        yield running


@pytest.fixture
def fresh_site(browser_world, tmp_path) -> Iterator[LiveSite]:  # noqa: ANN001
    """A live site of its own, for a journey that changes things."""
    with live_site(browser_world, tmp_path) as running:
        yield running
