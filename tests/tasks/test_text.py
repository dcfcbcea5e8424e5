import pytest

from tasks.text import _split, fit_to_window, paragraph_spans, sentences_of, split_sentences


def _words(text: str) -> int:
    return len(text.split())


def test_paragraph_spans_skip_blank_lines():
    text = "One.\n\n\nTwo\nstill two.\n\n"
    assert [text[s:e] for s, e in paragraph_spans(text)] == ["One.", "Two\nstill two."]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("fr", "M. Dupont est arrivé. Il a parlé à 20 h.", ["M. Dupont est arrivé.", "Il a parlé à 20 h."]),
        ("de", "Am 3. Mai sprach er. Dann ging er.", ["Am 3. Mai sprach er.", "Dann ging er."]),
        ("xx", "First one. Second one.", ["First one.", "Second one."]),
    ],
)
def test_sentences_follow_the_language_rules(lang, text, expected):
    assert [text[s:e] for s, e in split_sentences(text, lang)] == expected


def test_a_repeated_sentence_keeps_its_own_offsets():
    text = "Lire aussi. Le texte. Lire aussi. Fin."
    spans = split_sentences(text, "fr")
    assert [text[s:e] for s, e in spans] == ["Lire aussi.", "Le texte.", "Lire aussi.", "Fin."]
    assert spans == sorted(spans) and len(set(spans)) == 4


def test_sentences_cover_every_character():
    text = "  Une phrase.   Deux… trois ?! « Quatre » — cinq.  ***  "
    spans = split_sentences(text, "fr")
    covered = "".join(text[s:e] for s, e in spans)
    assert covered.replace(" ", "") == text.replace(" ", "")
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)


def test_fit_to_window_splits_at_clauses_then_words_and_never_cuts():
    sentence = ", ".join(f"le point {i} du rapport" for i in range(40)) + "."
    pieces = fit_to_window(sentence, _words, 20)
    assert len(pieces) > 1 and all(_words(p) <= 20 for p in pieces)
    assert all(p.endswith((",", ".")) for p in pieces)  # cut after clauses, not inside them
    assert " ".join(pieces) == sentence
    run_on = " ".join(f"mot{i}" for i in range(50))
    assert " ".join(fit_to_window(run_on, _words, 20)) == run_on
    assert fit_to_window("court", _words, 20) == ["court"]


def test_sentences_of_goes_paragraph_by_paragraph():
    text = "Rain fell. Roads closed.\n\nA new day"
    assert sentences_of(text) == ["Rain fell.", "Roads closed.", "A new day"]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "He met J. Smith at noon. They talked.", ["He met J. Smith at noon.", "They talked."]),
        (
            "en",
            "Dr. Smith arrived at 5 p.m. on Monday. He left.",
            ["Dr. Smith arrived at 5 p.m. on Monday.", "He left."],
        ),
        ("de", "Die Bahn u. a. streikt. Morgen nicht.", ["Die Bahn u. a. streikt.", "Morgen nicht."]),
        (
            "es",
            "¿Vendrá mañana? Sí. Lo dijo el Sr. Pérez.",
            ["¿Vendrá mañana?", "Sí.", "Lo dijo el Sr. Pérez."],
        ),
        ("zh", "政府公布新的计划。他说很好！", ["政府公布新的计划。", "他说很好！"]),
    ],
)
def test_abbreviations_and_initials_do_not_end_a_sentence(lang, text, expected):
    assert [text[s:e] for s, e in split_sentences(text, lang)] == expected


def test_splitting_is_cached_and_callers_get_their_own_list():
    text = "Une phrase. Une autre."
    first = split_sentences(text, "fr")
    first.append((0, 1))
    hits = _split.cache_info().hits
    assert split_sentences(text, "fr") == [(0, 11), (12, 22)]
    assert _split.cache_info().hits == hits + 1
