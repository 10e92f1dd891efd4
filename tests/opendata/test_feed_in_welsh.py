"""The Atom feed in the reader's language (issue 19): it follows the language like a page (the
language link, else Accept-Language), says which language it is in, and is kept once per language."""

from __future__ import annotations

import xml.etree.ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, **headers):  # noqa: ANN001, ANN003, ANN202
    response = client.get("/open-data/feed.atom", headers=headers)
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    summaries = [e.find(f"{ATOM}summary").text for e in root.findall(f"{ATOM}entry")]
    return root, titles, summaries, response


def test_the_feed_reads_in_welsh_for_a_welsh_reader_and_in_english_otherwise(client, demo):
    root, titles, summaries, response = _feed(client, **{"Accept-Language": "cy"})
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "cy-GB"
    assert root.find(f"{ATOM}title").text.endswith(": penderfyniadau a thaliadau")
    assert "Penderfyniad: Peer Support Table 2026" in titles
    assert any(t.startswith("Taliad i grŵp: ") for t in titles)
    assert not any(t.startswith(("Decision:", "Payment to group")) for t in titles)
    assert any("ariannwyd" in s for s in summaries)
    assert "Accept-Language" in response.headers["Vary"]

    # The English reader is not served the Welsh copy from the page cache, and the other way round.
    root, titles, _summaries, _response = _feed(client, **{"Accept-Language": "en-GB"})
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
    assert "Decision: Peer Support Table 2026" in titles
    assert any(t.startswith("Payment to group: ") for t in titles)

    # The language link chooses it too, as for a page.
    client.get("/language/cy")
    _root, titles, _summaries, _response = _feed(client)
    assert "Penderfyniad: Peer Support Table 2026" in titles
