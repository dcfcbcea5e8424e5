"""Summaries: map-reduce over the whole text on both backends, batching, faithfulness guard, extractive fallback."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from tasks.article import Article, Detection, Story, Summary, Translation
from tasks.config import load_config
from tasks.models.loading import ModelCache
from tasks.stages.faithfulness import unsupported
from tasks.stages.summarise import (
    check,
    extractive_summary,
    load_backend,
    map_reduce,
    story_text,
    summarise_stories,
    window,
)
from tasks.text import sentences_of

FACT = "The harbour master confirmed that the Zeebrugge lock gate failed at 04:17 on Friday."


def config_for(model, **summarise):
    """A config with the tiny model and short, fixed decoding (random weights never stop by themselves)."""
    options = {"model": str(model), "num_beams": 1, "min_new_tokens": 4, "max_new_tokens": 8}
    return load_config(overrides={"summarise": options | summarise})


def long_article(words: int = 5000) -> str:
    """Varied news-like paragraphs of about `words` words, with FACT only in the last third."""
    subjects = ["The port authority", "Union officials", "The ministry", "Shipping lines", "Local residents"]
    verbs = ["said", "warned", "estimated", "reported", "confirmed"]
    objects = ["delays for container traffic", "losses for the logistics sector", "talks later in the week"]
    paragraphs, count, i = [], 0, 0
    fact_at = int(words * 0.8)
    while count < words:
        sentences = []
        for _ in range(4):
            sentence = (
                f"{subjects[i % 5]} {verbs[i // 5 % 5]} on day {i} that {objects[i % 3]} "
                f"would continue for {i % 7 + 2} more days."
            )
            sentences.append(sentence)
            count += len(sentence.split())
            i += 1
            if count >= fact_at and FACT not in " ".join(paragraphs + sentences):
                sentences.append(FACT)
                count += len(FACT.split())
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def article(aid: str, body: str, lang: str = "en", title: str = "Title", translation=None) -> Article:
    """An article with its language detected."""
    return Article(
        id=aid,
        source=f"{aid}.txt",
        format="txt",
        title=title,
        body=body,
        detection=Detection(lang, 1.0, True),
        translation=translation,
    )


class Recorder:
    """Wraps a model and keeps, decoded, the input ids of every generate call: what the model actually read."""

    def __init__(self, model, tokenizer) -> None:
        self.model, self.tokenizer = model, tokenizer
        self.calls: list[list[str]] = []

    def __getattr__(self, name):
        return getattr(self.model, name)

    def generate(self, input_ids, **kwargs):
        self.calls.append(self.tokenizer.batch_decode(input_ids, skip_special_tokens=True))
        return self.model.generate(input_ids=input_ids, **kwargs)

    def translate_batch(self, source, **kwargs):
        ids = [self.tokenizer.convert_tokens_to_ids(tokens) for tokens in source]
        self.calls.append(self.tokenizer.batch_decode(ids, skip_special_tokens=True))
        return self.model.translate_batch(source, **kwargs)


@pytest.fixture(params=["transformers", "ctranslate2"])
def recorded(request, tiny_bart):
    """A backend of each kind on the tiny BART, with its model wrapped in a Recorder."""
    config = config_for(tiny_bart, backend=request.param)
    backend = load_backend(config, ModelCache())
    backend.loaded = dataclasses.replace(backend.loaded)
    backend.loaded.model = Recorder(backend.loaded.model, backend.loaded.tokenizer)
    return backend, config


def test_a_short_text_is_summarised_once(recorded):
    backend, config = recorded
    text = "Dockworkers at the port of Antwerp walked off the job on Monday for 48 hours."
    (summary,) = map_reduce([text], backend, window(backend, config.summarise))
    assert (summary.method, summary.chunks) == ("single", 1)
    assert summary.input_tokens == backend.count_tokens(text) and summary.text
    assert backend.loaded.model.calls == [[text]]


def test_a_5000_word_article_is_read_whole_and_its_last_third_reaches_the_model(recorded):
    backend, config = recorded
    text = long_article()
    assert len(text.split()) >= 5000 and text.index(FACT) > len(text) * 2 / 3
    tokenizer, limit = backend.loaded.tokenizer, window(backend, config.summarise)
    naive = tokenizer.decode(tokenizer(text, truncation=True, max_length=1024)["input_ids"])
    assert FACT not in naive  # cutting at the window would have lost the fact

    (summary,) = map_reduce([text], backend, limit)

    inputs = [chunk for call in backend.loaded.model.calls for chunk in call]
    first_round = sorted(inputs[: summary.chunks], key=lambda chunk: text.index(chunk[:60]))
    assert summary.method == "chunked" and summary.chunks > 4
    assert summary.input_tokens == backend.count_tokens(text) > 4 * limit
    assert any(FACT in chunk for chunk in first_round)
    assert " ".join(first_round).split() == text.split()  # every word read once, in order, none dropped
    assert all(chunk.endswith(".") for chunk in first_round)  # cut at sentence boundaries
    assert all(backend.count_tokens(chunk) <= limit for chunk in inputs)
    assert len(inputs) > summary.chunks and summary.text  # partial summaries were summarised again


def test_chunks_of_all_stories_in_a_batch_share_generate_calls(recorded):
    backend, config = recorded
    texts = [long_article(600), "A short story about a strike.", long_article(500)]
    summaries = map_reduce(texts, backend, window(backend, config.summarise))
    assert [s.method for s in summaries] == ["chunked", "single", "chunked"]
    calls = backend.loaded.model.calls
    owners = [{i for chunk in call for i, t in enumerate(texts) if chunk[:60] in t} for call in calls]
    assert any(len(found) > 1 for found in owners)
    chunks = sum(s.chunks for s in summaries)
    assert len(calls) < chunks  # batched, not one call per chunk


@pytest.mark.parametrize("forced_bos", [False, True], ids=["plain", "forced-bos"])
def test_ctranslate2_and_transformers_decode_alike(tiny_bart, tmp_path, forced_bos):
    model = tiny_bart
    if forced_bos:  # as the hub's distilbart-cnn, whose summaries start with <s>
        model = tmp_path / "bart-bos"
        shutil.copytree(tiny_bart, model)
        generation = json.loads((model / "generation_config.json").read_text())
        (model / "generation_config.json").write_text(json.dumps(generation | {"forced_bos_token_id": 0}))
    texts = ["The green zone in Baghdad was the target of two Katyusha rockets.", long_article(600)]
    outputs = {}
    for backend_name in ("transformers", "ctranslate2"):
        config = config_for(model, backend=backend_name, quantization="float32", num_beams=2)
        backend = load_backend(config, ModelCache())
        outputs[backend_name] = map_reduce(texts, backend, window(backend, config.summarise))
    assert outputs["ctranslate2"] == outputs["transformers"]


def test_the_summary_record_says_how_it_was_made(tiny_bart):
    config = config_for(tiny_bart)
    articles = {
        "en": article("en", "Two rockets hit Baghdad's green zone on Sunday. Nobody was hurt."),
        "long": article("long", long_article(1200)),
        "fr": article("fr", "Deux roquettes ont visé Bagdad dimanche. Personne n'a été blessé.", lang="fr"),
    }
    stories = [Story(id=k, article_ids=(k,), headline=k) for k in articles]
    done = {s.id: s.summary for s in summarise_stories(stories, articles, config, ModelCache())}
    assert (done["en"].method, done["en"].model) == ("single", str(tiny_bart))
    assert done["long"].method == "chunked" and done["long"].chunks > 1
    assert done["fr"].method == "extractive-fallback" and done["fr"].model is None
    assert "no source of this story is in English" in done["fr"].flags[0].message
    assert done["fr"].text == articles["fr"].body  # whole sentences of the original, labelled


def test_an_unavailable_model_gives_a_labelled_extractive_summary():
    config = load_config(overrides={"summarise": {"model": "example-org/missing-summariser"}})
    body = " ".join(
        f"Sentence number {i} tells the reader one more thing about the strike." for i in range(12)
    )
    articles = {"a": article("a", body)}
    (story,) = summarise_stories(
        [Story(id="s", article_ids=("a",), headline="h")], articles, config, ModelCache()
    )
    assert story.summary.method == "extractive-fallback"
    assert (
        "extractive summary" in story.summary.flags[0].message
        and "unavailable" in story.summary.flags[0].message
    )
    assert story.summary.text == " ".join(sentences_of(body)[:3])


def test_the_extractive_summary_keeps_whole_sentences_within_the_configured_length():
    config = load_config(overrides={"summarise": {"extractive_sentences": 3, "extractive_max_words": 20}})
    text = (
        "By Staff Writer\n\nThe port reopened on Wednesday after a two-day strike by dockworkers. "
        "Officials said more than forty ships had been waiting at anchor outside the harbour since Monday, "
        "and that clearing the backlog could take the rest of the week according to the authority. "
        "Unions called the reform unfair. More talks are planned next week. Shares fell."
    )
    summary = extractive_summary(text, config.summarise)
    assert summary == (
        "The port reopened on Wednesday after a two-day strike by dockworkers. Unions called the reform unfair."
    )
    assert len(summary.split()) <= 20 and all(s in sentences_of(text) for s in sentences_of(summary))


def test_the_guard_finds_numbers_dates_and_names_missing_from_the_source():
    source = (
        "About 2,500 U.S. soldiers remain in Iraq, the embassy in Baghdad said on Sunday, 22 November. "
        "Two rockets were fired; damage is put at 2.5 million dollars."
    )
    assert unsupported("Two rockets hit Baghdad on Sunday; 2 500 US soldiers remain in Iraq.", source) == []
    assert unsupported("Damage reached $2,500,000, the embassy said on 22 November.", source) == []
    assert unsupported("However, the embassy in Baghdad said so.", source) == []
    assert unsupported("Three rockets hit Erbil on Monday, 25 November; damage 2.5 billion.", source) == [
        "Erbil",
        "Monday",
        "25",
        "2.5 (2500000000)",
    ]


def test_an_unfaithful_summary_is_flagged_or_replaced_by_policy():
    source = "Two rockets hit the green zone in Baghdad on Sunday. Nobody was hurt, the embassy said."
    candidate = Summary("Two rockets hit Baghdad on Monday, killing 3.", "single", "m", 1, 20)
    flagged = check(candidate, source, config_for("m").summarise)
    assert flagged.text == candidate.text and flagged.method == "single"
    assert flagged.flags[0].kind == "unfaithful" and "check against source" in flagged.flags[0].message
    assert "Monday" in flagged.flags[0].message and "3" in flagged.flags[0].message
    replaced = check(candidate, source, config_for("m", faithfulness="extractive").summarise)
    assert replaced.method == "extractive-fallback" and replaced.text == source
    assert "Monday" in replaced.flags[0].message
    faithful = Summary("Two rockets hit Baghdad on Sunday.", "single", "m", 1, 20)
    assert check(faithful, source, config_for("m").summarise) == faithful


def test_model_summaries_go_through_the_guard(tiny_bart):
    config = config_for(tiny_bart)
    source = "Two rockets hit the green zone in Baghdad on Sunday. Nobody was hurt, the embassy said."
    articles = {"a": article("a", source)}
    (story,) = summarise_stories(
        [Story(id="s", article_ids=("a",), headline="h")], articles, config, ModelCache()
    )
    missing = unsupported(story.summary.text, source)
    assert missing  # the random model writes tokens the source does not have
    assert [f.kind for f in story.summary.flags] == ["unfaithful"]
    assert all(m in story.summary.flags[0].message for m in missing[:10])


def test_fusion_adds_only_sentences_that_bring_new_names_or_numbers():
    best = article("en", "Two rockets hit Baghdad on Sunday. Nobody was hurt.")
    other = article(
        "fr",
        "Deux roquettes.",
        lang="fr",
        translation=Translation(
            "Rockets", "Two rockets hit Baghdad on Sunday. About 2,500 US soldiers remain in Iraq.", "m", None
        ),
    )
    untranslated = article("de", "Etwa 2500 US-Soldaten sind im Irak stationiert, sagte Berlin.", lang="de")
    articles = {a.id: a for a in (best, other, untranslated)}
    story = Story(id="s", article_ids=("fr", "en", "de"), headline="h")
    assert story_text(story, articles) == best.body  # the English original is the best source
    fused = story_text(story, articles, fuse=True)
    assert fused == best.body + "\n\nAbout 2,500 US soldiers remain in Iraq."
