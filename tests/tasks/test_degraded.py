import email
import email.policy
from pathlib import Path

import pytest

from tasks.article import Article, Detection, Flag, Story, Summary, Translation
from tasks.config import load_config
from tasks.degraded import Degradation, degradation
from tasks.pipeline import open_run, run_all, run_deliver
from tests.conftest import SEEDS


def _article(id, lang, *, model=None, missing=None):
    flags = (Flag("not-translated", f"not translated: model unavailable ({missing})", "translate"),)
    return Article(
        id=id,
        source=f"{id}.txt",
        format="txt",
        title="T",
        body="B",
        detection=Detection(lang, 0.99, True),
        translation=Translation("T", "B", model, "ctranslate2") if model else None,
        flags=flags if missing else (),
    )


def test_degradation_names_the_missing_models_out_of_those_the_run_needed():
    articles = {
        "fr": _article("fr", "fr", model="opus-mt-fr-en"),
        "de": _article("de", "de", missing="opus-mt-de-en"),
        "ru": _article("ru", "ru", missing="opus-mt-ru-en"),
        "en": _article("en", "en"),
    }
    fallback = Flag("summary-fallback", "extractive summary: summary model unavailable (distilbart)", "s")
    stories = [
        Story("s1", ("fr", "de"), "H", summary=Summary("x", "extractive-fallback", flags=(fallback,))),
        Story("s2", ("ru", "en"), "H", summary=Summary("x", "single", "distilbart")),
    ]
    found = degradation(articles, stories)
    assert found.degraded
    assert sorted(found.missing_translation) == ["opus-mt-de-en", "opus-mt-ru-en"]
    assert len(found.translation_models) == 3 and found.untranslated_languages == ["de", "ru"]
    assert found.summary_model == "distilbart" and found.fallback_stories == 1
    assert found.line() == (
        "degraded run: 2 of 3 translation models and the summary model are unavailable: "
        "run `briefing models pull` on a machine with Hub access, or see README § Models"
    )
    assert Degradation.from_dict(found.as_dict()) == found


def test_a_run_with_every_model_is_not_degraded():
    articles = {"fr": _article("fr", "fr", model="opus-mt-fr-en")}
    stories = [Story("s1", ("fr",), "H", summary=Summary("x", "single", "distilbart"))]
    found = degradation(articles, stories)
    assert not found.degraded and found.line() == "" and found.banner() == []
    assert Degradation.from_dict(None) == Degradation()


def _run(tmp_path: Path, **overrides):
    config = load_config(
        overrides={
            "input": [
                str(SEEDS / "001_bagdad-roquettes-zone-verte.txt"),
                str(SEEDS / "005_antwerp-port-strike.txt"),
            ],
            "out": str(tmp_path),
            "deliver": {"recipients": ["desk@example.org"]},
            **overrides,
        }
    )
    run = open_run(config, "2026-11-24")
    paths = run_all(run)
    run_deliver(run)
    eml = tmp_path / "outbox" / "2026-11-24" / "desk@example.org.eml"
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    return paths, message


def test_a_degraded_run_says_so_in_the_digest_the_subject_and_the_report(tmp_path):
    paths, message = _run(tmp_path)  # no Hub in tests: the default models cannot be loaded
    assert message["Subject"] == "Briefing for 2026-11-24 (degraded)"
    for name in ("digest.html", "page.html"):
        assert "Degraded run: some models were unavailable" in Path(paths[name]).read_text()
    assert "DEGRADED RUN" in Path(paths["digest.txt"]).read_text()
    report = Path(paths["report.txt"]).read_text().splitlines()
    assert report[-1].startswith(
        "degraded run: 1 of 1 translation model and the summary model are unavailable"
    )


@pytest.mark.slow
def test_a_run_with_models_has_no_banner_and_a_plain_subject(tmp_path, tiny_marian, tiny_bart):
    paths, message = _run(
        tmp_path,
        translate={"models": {"fr": str(tiny_marian)}, "num_beams": 1},
        summarise={"model": str(tiny_bart), "num_beams": 1, "min_new_tokens": 4, "max_new_tokens": 16},
    )
    assert message["Subject"] == "Briefing for 2026-11-24"
    for name in ("digest.html", "digest.txt", "page.html"):
        text = Path(paths[name]).read_text()
        assert "egraded" not in text and "DEGRADED" not in text
    assert not Path(paths["report.txt"]).read_text().splitlines()[-1].startswith("degraded")
