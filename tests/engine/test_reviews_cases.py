"""Bad-input review cases: negation, emoji, languages, very long, empty and HTML text."""

from __future__ import annotations

import csv

import pytest

from engine.reviews import service
from engine.reviews.cleaning import clean_review
from engine.reviews.models import LexiconModel, label_of

CASES_FILE = "C32-C36_reviews_edge_cases.csv"


@pytest.fixture(scope="module")
def rows(cases):
    with open(cases / CASES_FILE, encoding="utf-8", newline="") as file:
        return {row["review_id"]: row for row in csv.DictReader(file)}


@pytest.fixture(scope="module")
def cases_shop(cases, tmp_path_factory):
    from engine.importers import import_file
    from engine.store import open_store

    path = tmp_path_factory.mktemp("cases") / "shop.db"
    with open_store(path, create=True) as store:
        import_file(store, cases / CASES_FILE, kind="reviews", format="generic",
                    mapping={"rating": "rating", "body": "text", "author": "review_id"})
    service.train_sentiment(path)
    return path


def _label(text: str) -> str:
    clean = clean_review(None, text)
    if not clean.has_text:
        return "no_text"
    return label_of(float(LexiconModel().predict_proba([clean.text])[0]))


@pytest.mark.parametrize("review_id", ["R01", "R02", "R03", "R04", "R05", "R06", "R07", "R08", "R09", "R11", "R12", "R18", "R19", "R20"])
def test_case_expected_label(rows, review_id):
    row = rows[review_id]
    assert _label(row["text"]) == row["expected_label"]


def test_french_review_marked_and_scored_by_emoji(rows):
    clean = clean_review(None, rows["R10"]["text"])
    assert clean.language == "fr"
    assert not clean.is_covered


@pytest.mark.parametrize("review_id", ["R13", "R14", "R15", "R16", "R17"])
def test_empty_or_number_review_has_no_text(rows, review_id):
    assert not clean_review(None, rows[review_id]["text"]).has_text


def test_html_review_has_two_sentences(rows):
    clean = clean_review(None, rows["R18"]["text"])
    assert clean.sentences == ("Great mug!", "Would buy again & recommend.")


def test_entities_unescaped(rows):
    assert clean_review(None, rows["R19"]["text"]).text.startswith("<3 <3")


@pytest.mark.xfail(strict=True, reason="sarcasm: 'Oh great, another mug that leaks' reads as praise to VADER")
def test_sarcasm_negative(rows):
    assert _label(rows["R21"]["text"]) == "negative"


def test_mixed_language_not_negative(rows):
    assert _label(rows["R24"]["text"]) != "negative"


def test_all_rows_processed_through_shop(cases_shop, rows):
    summary = service.summarize(cases_shop)
    assert summary.current.count == len(rows)
    labels = {item.author: item.label for item in summary.reviews}
    assert labels["R13"] == "no_text"
    assert labels["R15"] == "no_text"
    assert labels["R10"] == "language_not_covered"
    assert labels["R03"] == "negative"
    assert labels["R01"] == "positive"


def test_shop_mismatches_found(cases_shop):
    summary = service.summarize(cases_shop)
    mismatched = {item.author for item in summary.mismatches}
    assert "R23" in mismatched
    assert "R22" in mismatched


def test_handle_aspect_negative(cases_shop):
    service.add_topic(cases_shop, "handle")
    summary = service.summarize(cases_shop)
    handle = next(aspect for aspect in summary.aspects if aspect.name == "handle")
    hits = service.aspect_sentences(cases_shop, "handle")
    r03 = [hit for hit in hits if hit.text == "The handle feels flimsy."]
    assert r03 and r03[0].label == "negative"
    assert handle.negative >= 1


def test_no_html_aspects(cases_shop):
    from engine.store import open_store

    with open_store(cases_shop) as store:
        names = {topic.name for topic in service.load_topics(store)}
    assert not names & {"br", "amp", "div", "class"}


def test_cases_shop_uses_vader(cases_shop):
    assert service.summarize(cases_shop).model.startswith("vader")
