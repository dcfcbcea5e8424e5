import dataclasses

import pytest

from tasks.article import Article, Detection
from tasks.config import load_config
from tasks.models.loading import ModelCache, ModelUnavailable
from tasks.stages.translate import candidates, route, routing_table, translate_articles, translate_record
from tasks.stages.translate.backends import Decoding, Engine, load_engine, thread_counts
from tasks.stages.translate.batching import plan_batches
from tasks.stages.translate.checks import is_shouting, normalise_case, output_problem, repetition
from tasks.storage.memory import memory_for
from tasks.storage.store import Store


def _config(tmp_path, model, **translate):
    return load_config(
        overrides={
            "out": str(tmp_path / "out"),
            "translate": {"models": {"fr": str(model)}, "num_beams": 2, **translate},
        }
    )


def _article(id_: str, lang: str, body: str, title: str = "Titre", spans=()) -> Article:
    return dataclasses.replace(
        Article(id=id_, source=id_, format="txt", title=title, body=body),
        detection=Detection(lang, 0.99, True, spans=tuple(spans)),
    )


def _french(paragraph: int, n: int = 10) -> str:
    return " ".join(
        f"Le ministre a parlé du budget numéro {paragraph * n + i} devant les députés." for i in range(n)
    )


def _source(article: Article, entry: dict) -> str:
    return article.body[entry["source_start"] : entry["source_end"]]


def _target(article: Article, entry: dict) -> str:
    return article.translation.body[entry["target_start"] : entry["target_end"]]


def test_routing_uses_overrides_then_the_template_then_the_fallback():
    config = load_config(overrides={"translate": {"models": {"pt": "Helsinki-NLP/opus-mt-ROMANCE-en"}}})
    assert route("fr", config.translate) == "Helsinki-NLP/opus-mt-fr-en"
    assert route("pt", config.translate) == "Helsinki-NLP/opus-mt-ROMANCE-en"
    assert route("mul", config.translate) == "Helsinki-NLP/opus-mt-mul-en"
    assert candidates("de", config.translate) == ["Helsinki-NLP/opus-mt-de-en", "Helsinki-NLP/opus-mt-mul-en"]
    table = routing_table(["en", "fr", "pt"], config.translate)
    assert table == [
        ("fr", "Helsinki-NLP/opus-mt-fr-en"),
        ("pt", "Helsinki-NLP/opus-mt-ROMANCE-en"),
        ("fallback", "Helsinki-NLP/opus-mt-mul-en"),
    ]


def test_ctranslate2_is_the_default_backend_with_int8():
    config = load_config()
    assert config.translate.backend == "ctranslate2" and config.translate.quantization == "int8"
    inter, intra = thread_counts(config.translate)
    assert inter >= 1 and intra >= 1


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_paragraphs_and_sentence_order_are_kept(tmp_path, tiny_marian, backend):
    text = "Premier paragraphe. Deuxième phrase ici.\n\nSecond paragraphe, seul."
    article = _article("fr1", "fr", text)
    (out,) = translate_articles([article], _config(tmp_path, tiny_marian, backend=backend), ModelCache())
    translation = out.translation
    assert translation.backend == backend and translation.model == str(tiny_marian)
    alignment = translation.sentences
    assert [_source(article, a) for a in alignment] == [
        "Premier paragraphe.",
        "Deuxième phrase ici.",
        "Second paragraphe, seul.",
    ]
    assert [a["paragraph"] for a in alignment] == [0, 0, 1]
    assert translation.body.count("\n\n") == 1
    assert translation.body.split("\n\n")[1] == _target(out, alignment[2])
    assert translation.body.split("\n\n")[0] == f"{_target(out, alignment[0])} {_target(out, alignment[1])}"
    assert all(_target(out, a) and _target(out, a) == _target(out, a).strip() for a in alignment)
    assert alignment[-1]["target_end"] == len(translation.body)
    assert translation.title and translation.title != article.title


def test_both_backends_give_the_same_greedy_translation(tiny_marian):
    sentences = ["Premier paragraphe.", "Les roquettes sont tombées près de l'ambassade dimanche soir."]
    decoding = Decoding(beams=1, max_ratio=1.0, max_min=4)
    outputs = {}
    for backend in ("transformers", "ctranslate2"):
        config = load_config(overrides={"translate": {"backend": backend, "quantization": "float32"}})
        engine = load_engine(str(tiny_marian), config.translate, ModelCache())
        assert isinstance(engine, Engine) and engine.backend == backend
        outputs[backend] = engine.translate(sentences, decoding, token_budget=64)
    for (reference, count), (converted, converted_count) in zip(
        outputs["transformers"], outputs["ctranslate2"], strict=True
    ):
        # transformers spends the last step on the forced end-of-sentence token; CTranslate2 on one more token
        assert reference and converted.startswith(reference)
        assert converted_count == count + 1


def test_last_sentence_of_a_3000_word_article_is_translated(tmp_path, tiny_marian):
    paragraphs = [_french(p) for p in range(30)]
    paragraphs[-1] += " La dernière phrase compte aussi."
    text = "\n\n".join(paragraphs)
    assert len(text.split()) >= 3000
    article = _article("long", "fr", text)
    (out,) = translate_articles([article], _config(tmp_path, tiny_marian), ModelCache())
    alignment = out.translation.sentences
    assert len(alignment) == 301
    last = alignment[-1]
    assert _source(article, last) == "La dernière phrase compte aussi."
    assert last["target_end"] == len(out.translation.body) and last["target_end"] > last["target_start"]
    assert out.translation.body.count("\n\n") == 29


def test_a_sentence_longer_than_the_window_is_split_at_clauses_not_truncated(tmp_path, tiny_marian):
    long_sentence = ", ".join(f"le point {i} du rapport" for i in range(120)) + "."
    short = "Une phrase courte."
    article = _article("fr1", "fr", f"{long_sentence} {short}")
    config = _config(tmp_path, tiny_marian, max_input_tokens=64)
    (out,) = translate_articles([article], config, ModelCache())
    first, second = out.translation.sentences
    assert _source(article, first) == long_sentence and _source(article, second) == short
    assert first["pieces"] > 1 and second["pieces"] == 1
    # each piece is translated: the translation grows with the number of pieces
    assert len(_target(out, first)) > (first["pieces"] - 1) * len(_target(out, second))


def _memory(config):
    return memory_for(config, Store(config.store_url))


def test_the_memory_makes_a_rerun_translate_nothing(tmp_path, tiny_marian, monkeypatch):
    config = _config(tmp_path, tiny_marian)
    articles = [_article("fr1", "fr", "Premier paragraphe. Deuxième phrase.\n\nSecond paragraphe.")]
    first = translate_articles(articles, config, ModelCache(), memory=_memory(config))

    def no_model(*args, **kwargs):
        raise AssertionError("a rerun loaded a model")

    monkeypatch.setattr("tasks.stages.translate.stage.load_engine", no_model)
    cache = ModelCache()
    assert translate_articles(articles, config, cache, memory=_memory(config)) == first  # a new process
    assert cache.loaded() == []
    monkeypatch.undo()
    changed = _config(tmp_path, tiny_marian, num_beams=1)  # other decoding options: other entries
    monkeypatch.setattr("tasks.stages.translate.stage.load_engine", no_model)
    with pytest.raises(AssertionError, match="loaded a model"):
        translate_articles(articles, changed, ModelCache(), memory=_memory(changed))


def test_the_memory_can_be_switched_off(tmp_path, tiny_marian):
    config = _config(tmp_path, tiny_marian, memory=False)
    assert _memory(config) is None
    translate_articles([_article("fr1", "fr", "Une phrase.")], config, ModelCache(), memory=_memory(config))
    assert not (tmp_path / "out" / ".store" / "translation-memory").exists()


def test_sentences_repeated_across_articles_are_translated_once(tmp_path, tiny_marian, monkeypatch):
    calls: list[list[str]] = []
    original = Engine.translate

    def spy(self, texts, decoding, token_budget):
        calls.append(list(texts))
        return original(self, texts, decoding, token_budget)

    monkeypatch.setattr(Engine, "translate", spy)
    boilerplate = "Abonnez-vous à notre lettre."
    articles = [_article(f"fr{i}", "fr", f"Nouvelle numéro {i}. {boilerplate}") for i in range(3)]
    out = translate_articles(articles, _config(tmp_path, tiny_marian, check_output=False), ModelCache())
    assert len(calls) == 1
    assert sorted(calls[0]) == sorted({boilerplate, "Titre", *(f"Nouvelle numéro {i}." for i in range(3))})
    assert len({_target(a, a.translation.sentences[1]) for a in out}) == 1


def test_all_caps_lines_are_translated_in_sentence_case(tmp_path, tiny_marian):
    config = _config(tmp_path, tiny_marian, memory=False)
    shouted, plain = translate_articles(
        [
            _article("a", "fr", "LE GOUVERNEMENT ANNONCE UN PLAN POUR LES ÉCOLES."),
            _article("b", "fr", "Le gouvernement annonce un plan pour les écoles."),
        ],
        config,
        ModelCache(),
    )
    assert shouted.translation.body == plain.translation.body


def test_a_sentence_still_bad_after_the_retry_is_flagged(tmp_path, tiny_marian, monkeypatch):
    calls = []
    original = Engine.translate

    def spy(self, texts, decoding, token_budget):
        calls.append(decoding)
        return original(self, texts, decoding, token_budget)

    monkeypatch.setattr(Engine, "translate", spy)
    # Output forced to four times the input: a length no translation has, so the check must fire.
    config = _config(tmp_path, tiny_marian, min_new_tokens_ratio=4.0, max_new_tokens_ratio=4.0)
    article = _article(
        "fr1",
        "fr",
        "Les roquettes sont tombées près de l'ambassade dimanche soir.",
        title="Deux roquettes tombent près de l'ambassade",
    )
    (out,) = translate_articles([article], config, ModelCache())
    assert [d.no_repeat_ngram_size for d in calls] == [0, 3]
    assert calls[1].repetition_penalty == config.translate.retry_repetition_penalty
    (entry,) = out.translation.sentences
    assert entry["check"].startswith("length ratio")
    assert [f.kind for f in out.flags].count("check-translation") == 2  # the headline and the sentence
    clean = _config(tmp_path / "clean", tiny_marian, check_output=False)
    (unchecked,) = translate_articles([article], clean, ModelCache())
    assert not unchecked.flags and "check" not in unchecked.translation.sentences[0]


def test_a_confident_foreign_quotation_in_an_english_article_is_translated(tmp_path, tiny_marian):
    body = 'The minister spoke on Sunday. "Nous ne céderons pas aux menaces." He then left the room.'
    start = body.index('"Nous')
    end = body.index(" He then")
    spans = [(0, start, "en", 0.99), (start, end, "fr", 0.95), (end + 1, len(body), "en", 0.99)]
    article = _article("en1", "en", body, title="Minister speaks", spans=spans)
    weak = _article("en2", "en", body, title="Minister speaks", spans=[(start, end, "fr", 0.5)])
    plain = _article("en3", "en", "Nothing foreign here.", title="Plain")
    out, unchanged_weak, unchanged = translate_articles(
        [article, weak, plain], _config(tmp_path, tiny_marian), ModelCache()
    )
    assert unchanged == plain and unchanged_weak == weak
    assert out.translation.title == "Minister speaks"
    first, quote, last = out.translation.sentences
    assert [e["lang"] for e in (first, quote, last)] == ["en", "fr", "en"]
    assert _source(out, quote) == '"Nous ne céderons pas aux menaces."'
    assert quote["model"] == str(tiny_marian) and first["model"] is None
    assert _target(out, first) == "The minister spoke on Sunday."
    assert _target(out, last) == "He then left the room."
    assert _target(out, quote) != _source(out, quote)


def test_a_sentence_detected_as_english_in_a_french_article_is_kept(tmp_path, tiny_marian):
    body = "Le ministre a parlé. We will not give in. Il est parti."
    start = body.index("We")
    spans = [(0, start - 1, "fr", 0.99), (start, start + 21, "en", 0.97), (start + 22, len(body), "fr", 0.99)]
    article = _article("fr1", "fr", body, spans=spans)
    (out,) = translate_articles([article], _config(tmp_path, tiny_marian), ModelCache())
    entries = out.translation.sentences
    assert [e["lang"] for e in entries] == ["fr", "en", "fr"]
    assert _target(out, entries[1]) == "We will not give in."


def test_missing_model_degrades_with_a_flag_and_the_fallback_is_tried(tmp_path, tiny_marian):
    config = _config(tmp_path, tiny_marian)
    articles = [
        _article("fr1", "fr", "Le texte."),
        _article("nl1", "nl", "De tekst."),
        _article("en1", "en", "The text."),
    ]
    out = translate_articles(articles, config, ModelCache())
    assert [a.id for a in out] == ["fr1", "nl1", "en1"]
    assert out[0].translation is not None and out[0].translation.model == str(tiny_marian)
    assert out[1].translation is None and [f.kind for f in out[1].flags] == ["not-translated"]
    assert "opus-mt-nl-en" in out[1].flags[0].message
    assert out[2] == articles[2]
    with_fallback = _config(tmp_path, tiny_marian, fallback_model=str(tiny_marian))
    dutch = translate_articles([articles[1]], with_fallback, ModelCache())[0]
    assert dutch.translation.model == str(tiny_marian) and not dutch.flags


def test_fail_policy_raises_the_model_error(tmp_path):
    config = load_config(overrides={"out": str(tmp_path), "models": {"policy": "fail"}})
    with pytest.raises(ModelUnavailable, match="opus-mt-nl-en"):
        translate_articles([_article("nl1", "nl", "De tekst.")], config, ModelCache())


def test_jsonl_record_gets_text_and_sentence_alignment(tmp_path, tiny_marian):
    config = _config(tmp_path, tiny_marian)
    record = {"id": 7, "source_lang": "fr-FR", "text": "Une phrase. Une autre.\n\nFin."}
    out = translate_record(record, config, ModelCache())
    assert out["id"] == 7 and set(out) == {"id", "text", "sentences"}
    assert [record["text"][s["source_start"] : s["source_end"]] for s in out["sentences"]] == [
        "Une phrase.",
        "Une autre.",
        "Fin.",
    ]
    assert out["text"].count("\n\n") == 1
    english = translate_record({"id": 8, "source_lang": "en", "text": "As is."}, config)
    assert english == {"id": 8, "text": "As is.", "sentences": []}
    missing = translate_record({"id": 9, "source_lang": "nl", "text": "Tekst."}, config, ModelCache())
    assert missing["text"] is None and "opus-mt-nl-en" in missing["error"]


def test_batches_respect_the_token_budget_and_cover_every_sentence():
    lengths = [5, 40, 12, 12, 300, 7, 39, 8]
    batches = plan_batches(lengths, token_budget=80)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert [4] in batches  # longer than the budget: alone, not cut
    for batch in batches:
        assert len(batch) == 1 or len(batch) * max(lengths[i] for i in batch) <= 80
    firsts = [lengths[b[0]] for b in batches]
    assert firsts == sorted(firsts, reverse=True)


def test_decoding_steps_follow_the_ratios():
    decoding = Decoding(beams=4, max_ratio=1.2, max_min=0, min_ratio=1.2)
    assert decoding.steps(10) == (12, 12)
    assert Decoding(max_ratio=1.6, max_min=16).steps(5) == (16, 0)


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("The minister spoke to the deputies about the budget.", None),
        ("The the the the minister spoke.", "repetition loop"),
        ("of the zone, of the zone, of the zone, of the zone", "repetition loop"),
        ("<unk_1><unk_1><unk_1><unk_1>", "repetition loop"),
        ("", "empty output"),
        ("Yes.", "length ratio 0.20"),
        ("Le ministre a parlé aux députés du budget.", "source copied"),
    ],
)
def test_output_checks(target, problem):
    source = "Le ministre a parlé aux députés du budget."
    source_tokens = 10
    target_tokens = max(1, len(target.split())) * 2 if target != "Yes." else 2
    assert output_problem(source, target, source_tokens, target_tokens) == problem


def test_a_loop_in_the_source_is_not_the_model_s_fault():
    assert repetition("Allez, allez, allez, allez !")
    assert output_problem("Allez allez allez allez !", "Go go go go go!", 6, 6) is None


def test_shouting_is_detected_and_put_in_sentence_case():
    assert is_shouting("ACCUEIL | POLITIQUE | ÉCONOMIE | SPORT")
    assert normalise_case("« LE GOUVERNEMENT ANNONCE »") == "« Le gouvernement annonce »"
    assert not is_shouting("L'OTAN et l'UE se réunissent à Bruxelles.")
    assert not is_shouting("AFP")
    assert normalise_case("Rien à changer.") == "Rien à changer."
