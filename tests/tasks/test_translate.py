import dataclasses

import pytest

from tasks.article import Article, Detection
from tasks.config import load_config
from tasks.models import ModelCache
from tasks.text import fit_to_window, paragraph_spans
from tasks.translate import (
    TransformersTranslator,
    route,
    translate_articles,
    translate_text,
)


@pytest.fixture(scope="module")
def translator(tiny_marian):
    config = load_config(overrides={"translate": {"num_beams": 1, "max_new_tokens_ratio": 1.0}})
    return TransformersTranslator(str(tiny_marian), config.translate, ModelCache())


def _french(n: int) -> str:
    return " ".join(f"Le ministre a parlé du budget numéro {i} devant les députés." for i in range(n))


def test_routing_uses_overrides_then_the_template():
    config = load_config(overrides={"translate": {"models": {"pt": "Helsinki-NLP/opus-mt-ROMANCE-en"}}})
    assert route("fr", config.translate) == "Helsinki-NLP/opus-mt-fr-en"
    assert route("pt", config.translate) == "Helsinki-NLP/opus-mt-ROMANCE-en"


def test_paragraphs_and_sentence_order_are_kept(translator):
    text = "Premier paragraphe. Deuxième phrase ici.\n\nSecond paragraphe, seul."
    english, alignment = translate_text(text, "fr", translator)
    assert english.count("\n\n") == 1
    assert [text[a["source_start"] : a["source_end"]] for a in alignment] == [
        "Premier paragraphe.",
        "Deuxième phrase ici.",
        "Second paragraphe, seul.",
    ]
    for a in alignment:
        assert (
            english[a["target_start"] : a["target_end"]]
            == english[a["target_start"] : a["target_end"]].strip()
        )
    starts = [a["target_start"] for a in alignment]
    assert starts == sorted(starts)
    assert alignment[-1]["target_end"] == len(english)


def test_last_sentence_of_a_3000_word_article_is_translated(translator):
    paragraphs = [_french(10) for _ in range(30)]
    paragraphs[-1] += " La dernière phrase compte aussi."
    text = "\n\n".join(paragraphs)
    assert len(text.split()) >= 3000
    english, alignment = translate_text(text, "fr", translator)
    last = alignment[-1]
    assert text[last["source_start"] : last["source_end"]] == "La dernière phrase compte aussi."
    assert last["target_end"] == len(english) and last["target_end"] > last["target_start"]
    assert english.count("\n\n") == 29


def test_a_sentence_longer_than_the_window_is_split_not_truncated(translator):
    long_sentence = ", ".join(f"le point {i} du rapport" for i in range(200)) + "."
    pieces = fit_to_window(long_sentence, translator.count_tokens, 64)
    assert len(pieces) > 1
    assert all(translator.count_tokens(p) <= 64 for p in pieces)
    assert " ".join(pieces).replace(" ", "") == long_sentence.replace(" ", "")


def test_missing_model_degrades_with_a_flag(tiny_marian):
    config = load_config(overrides={"translate": {"models": {"fr": str(tiny_marian)}}})
    french = Article(id="fr1", source="a", format="txt", title="Titre", body="Le texte.")
    dutch = Article(id="nl1", source="b", format="txt", title="Titel", body="De tekst.")
    english = Article(id="en1", source="c", format="txt", title="Title", body="The text.")
    articles = [
        dataclasses.replace(french, detection=Detection("fr", 0.99, True)),
        dataclasses.replace(dutch, detection=Detection("nl", 0.99, True)),
        dataclasses.replace(english, detection=Detection("en", 0.99, True)),
    ]
    out = translate_articles(articles, config, ModelCache())
    assert [a.id for a in out] == ["fr1", "nl1", "en1"]
    assert out[0].translation is not None and out[0].translation.model == str(tiny_marian)
    assert out[1].translation is None and [f.kind for f in out[1].flags] == ["not-translated"]
    assert "opus-mt-nl-en" in out[1].flags[0].message
    assert out[2] == articles[2]


def test_fail_policy_raises_the_model_error():
    config = load_config(overrides={"models": {"policy": "fail"}})
    article = dataclasses.replace(
        Article(id="nl1", source="b", format="txt", title="Titel", body="De tekst."),
        detection=Detection("nl", 0.99, True),
    )
    with pytest.raises(Exception, match="opus-mt-nl-en"):
        translate_articles([article], config, ModelCache())


def test_paragraph_spans_skip_blank_lines():
    text = "One.\n\n\nTwo\nstill two.\n\n"
    assert [text[s:e] for s, e in paragraph_spans(text)] == ["One.", "Two\nstill two."]
