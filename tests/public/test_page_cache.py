"""Public pages are kept for visitors who are not signed in, and forgotten at every change."""

from __future__ import annotations

import pytest
from flask import Flask

from config import TestConfig
from grants import create_app
from grants.caching import GENERATION
from grants.extensions import cache, db
from tests import factories
from tests.conftest import Client, login, make_app, text_of
from tests.public.test_query_counts import counting


@pytest.fixture
def app(database_url: str, tmp_path) -> Flask:  # noqa: ANN001
    """The app with a real cache in the process (production shares Redis instead)."""
    app = make_app(
        database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"), CACHE_TYPE="SimpleCache", CACHE_DEFAULT_TIMEOUT=300
    )
    app.test_client_class = Client
    with app.app_context():
        cache.clear()
        yield app
        db.session.remove()
        db.engine.dispose()


def _queries_for(client, url: str) -> tuple[int, str]:  # noqa: ANN001
    with counting() as seen:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(seen), response.get_data(as_text=True)


def test_a_visitor_gets_the_kept_page_without_touching_the_database(app):
    rnd = factories.open_round(factories.person(), title="Table of kept pages")
    client = app.test_client()
    # The 360Giving file is a stored file; what is kept is which version is current.
    for url in ("/", f"/tables/{rnd.slug}", "/ledger", "/ledger?page=1", "/open-data/", "/open-data/360giving.json"):
        first, body = _queries_for(client, url)
        again, same = _queries_for(client, url)
        assert first > 0 and again == 0, url
        assert same == body


def test_any_committed_change_is_seen_by_the_next_visitor(app):
    convenor = factories.person()
    rnd = factories.open_round(convenor, title="Table of changes")
    factories.funded(rnd.id, 1_000)
    client = app.test_client()
    assert "£10" in text_of(client.get(f"/tables/{rnd.slug}"))
    assert "£35" not in text_of(client.get(f"/tables/{rnd.slug}"))
    factories.funded(rnd.id, 2_500)  # a second funder's money arrives: one use case
    assert "£35" in text_of(client.get(f"/tables/{rnd.slug}"))


def test_a_ballot_leaves_the_kept_pages_alone_but_a_change_to_public_data_does_not(app):
    """No public page shows a ballot before the count, so voting day does not empty the cache."""
    from grants.ballots.services import cast_ballot

    convenor, lead, voter = factories.person(), factories.person(), factories.person()
    rnd = factories.open_round(convenor, title="Table while voting")
    factories.funded(rnd.id, 10_000)
    bid = factories.proposal(lead, rnd.id, factories.group(lead), 5_000)
    factories.seat(convenor, rnd.id, voter)
    factories.to_voting(convenor, rnd.id)
    client = app.test_client()
    url = f"/tables/{rnd.slug}"
    _queries_for(client, url)
    generation = cache.get(GENERATION)
    cast_ballot(person=voter, round_id=rnd.id, chosen_ids=[bid.id])
    assert cache.get(GENERATION) == generation
    assert _queries_for(client, url)[0] == 0  # still the kept page
    factories.funded(rnd.id, 2_500)
    assert cache.get(GENERATION) != generation
    assert _queries_for(client, url)[0] > 0


def test_signed_in_people_and_visitors_with_a_message_are_served_fresh(app):
    convenor = factories.person("Cara Convenor")
    factories.open_round(convenor, title="Table for signed in")
    visitor = app.test_client()
    _queries_for(visitor, "/")  # kept for visitors
    member = app.test_client()
    login(member, convenor.email)
    queries, body = _queries_for(member, "/")
    assert queries > 0
    assert "Sign out" in body and "Sign out" not in visitor.get("/").get_data(as_text=True)
    # Signing out leaves a message for the next page: that page is made for this visitor alone.
    member.post("/logout", data={"csrf_token": _token(member)})
    queries, _ = _queries_for(member, "/")
    assert queries > 0


def _token(client) -> str:  # noqa: ANN001
    from tests.conftest import csrf_token

    return csrf_token(client)


def test_only_plain_successful_pages_are_kept(app):
    client = app.test_client()
    assert client.get("/tables/no-such-table").status_code == 404
    with counting() as seen:
        assert client.get("/tables/no-such-table").status_code == 404
    assert seen, "a page that was not found is looked up again, not kept"
    from flask import Response, session

    from grants.caching import _shareable

    with app.test_request_context("/"):
        assert _shareable("<p>a page</p>")
        assert not _shareable(Response("moved", status=302))
        assert not _shareable(Response(iter(["a", "b"])))  # streamed: made as it is sent
        session["csrf_token"] = "theirs"  # the page gave this visitor a token of their own
        assert not _shareable("<p>a page</p>")


def test_app_servers_sharing_redis_forget_a_page_together(database_url, tmp_path):  # noqa: ANN001
    """Production: a change made through one app server is seen at once through another."""
    import secrets

    settings = {
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": "redis://127.0.0.1:6379/15",
        "CACHE_KEY_PREFIX": f"test-{secrets.token_hex(4)}:",
        "CACHE_DEFAULT_TIMEOUT": 300,
    }
    one = make_app(database_url, **settings)
    two = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": database_url, **settings})
    one.test_client_class = two.test_client_class = Client
    with one.app_context():
        rnd = factories.open_round(factories.person(), title="Table on two servers")
        factories.funded(rnd.id, 1_000)
        slug = rnd.slug
    with two.app_context():
        visitor = two.test_client()
        assert "£10" in text_of(visitor.get(f"/tables/{slug}"))
        assert _queries_for(visitor, f"/tables/{slug}")[0] == 0  # kept in Redis
    with one.app_context():
        factories.funded(rnd.id, 2_500)
    with two.app_context():
        assert "£35" in text_of(visitor.get(f"/tables/{slug}"))
        cache.clear()
        db.engine.dispose()
    with one.app_context():
        db.engine.dispose()


def test_a_lost_cache_never_fails_the_change(app, monkeypatch, caplog):
    from grants import caching

    def broken(*_args):  # noqa: ANN002
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(caching.cache.cache, "inc", broken)
    rnd = factories.open_round(factories.person(), title="Table while the cache is away")
    assert rnd.id
    assert "Could not move the public pages' cache on" in caplog.text
    assert cache.get(GENERATION) is None


def test_the_kept_version_of_the_360giving_file_moves_on_when_the_files_are_remade(app):
    from grants.core import transaction
    from grants.models import Group
    from grants.opendata.services import make_open_data_files
    from tests.money.conftest import awarded_round

    scenario = awarded_round(10_000, [5_000])
    client = app.test_client()
    first = client.get("/open-data/360giving.json")
    assert _queries_for(client, "/open-data/360giving.json")[0] == 0
    with transaction() as session:  # the group the file names changes its name
        session.get(Group, scenario.groups[0].id).name = "Renamed Group"
    assert client.get("/open-data/360giving.json").headers["ETag"] == first.headers["ETag"]  # until remade
    make_open_data_files()  # what the worker does after the change
    again = client.get("/open-data/360giving.json")
    assert again.headers["ETag"] != first.headers["ETag"] and b"Renamed Group" in again.data
