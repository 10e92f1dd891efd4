"""Fixtures for the public pages and open data: the demo, loaded through the real services."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grants.demo import load_demo
from grants.extensions import db
from grants.models import Round


@pytest.fixture
def demo(app):  # noqa: ANN001, ANN201
    """The demo data (tables at every stage); returns the published rounds by slug."""
    load_demo()
    db.session.commit()
    return {r.slug: r for r in db.session.execute(select(Round)).scalars()}
