"""Each open dataset's columns: their names in the files stay the same in every language (for
programs), and the open-data page gives each a human label in the reader's language (issue 19)."""

from __future__ import annotations

import csv
import io

from grants.opendata.columns import COLUMNS
from grants.opendata.data import DATASETS
from tests.conftest import text_of


def test_every_column_of_every_file_has_a_label_and_the_headers_stay_english(client, demo):
    assert set(COLUMNS) == set(DATASETS)
    for dataset, labels in COLUMNS.items():
        for language in ("en", "cy"):
            client.get(f"/language/{language}")
            body = client.get(f"/open-data/{dataset}.csv").get_data(as_text=True)
            header = next(csv.reader(io.StringIO(body)))
            assert header == list(labels), (dataset, language)  # the same names, whatever the language


def test_the_open_data_page_labels_the_columns_in_welsh(client, demo):
    client.get("/language/cy")
    text = text_of(client.get("/open-data/"))
    assert "Beth sydd ym mhob colofn" in text
    assert "received_pence Arian a dderbyniwyd, mewn ceiniogau" in text
    assert "Money received, in pence" not in text
    client.get("/language/en")
    assert "received_pence Money received, in pence" in text_of(client.get("/open-data/"))


def test_a_text_in_every_language_is_json_a_program_can_read_and_comes_last(client, demo):
    """A table's and a bid's versions in each language are one JSON cell, after every column that was
    there before languages were added (a program reading columns by place keeps working)."""
    import json

    for dataset, before in (("rounds", "url"), ("proposals", "submitted_at")):
        rows = list(csv.DictReader(io.StringIO(client.get(f"/open-data/{dataset}.csv").get_data(as_text=True))))
        header = list(rows[0])
        assert header[-2:] == ["language", "texts"] and header[-3] == before, header
        for row in rows:
            texts = json.loads(row["texts"])
            assert row["language"] in texts and texts[row["language"]]["title"] == row["title"]
    welsh = [json.loads(r["texts"]) for r in rows if "cy" in json.loads(r["texts"])]
    assert welsh, "the demo has a bid written in Welsh"
