"""Stories: cross-lingual grouping on the seeds and on a labelled set, duplicates, ranking.

Run as a script to print the threshold sweep recorded in docs/stories.md:
.venv/bin/python -m tests.tasks.stages.test_stories
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
from functools import cache
from pathlib import Path

import pytest

from tasks.article import Article, Detection, Translation
from tasks.config import StoriesConfig
from tasks.stages.stories import (
    build_stories,
    canonical_number,
    cluster,
    find_duplicates,
    fold,
    name_key,
    names_in,
    numbers_in,
    reads_as_english,
    similarity,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "stories" / "articles.json"
MULTILINGUAL = DATA.with_name("multilingual.json")
HELD_OUT = DATA.with_name("multilingual_heldout.json")
SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def labelled(
    translated: bool = False, path: Path = DATA
) -> tuple[list[Article], dict[str, str], dict[str, str]]:
    """The labelled articles (with their reference English as translation if asked), events and copies."""
    records = json.loads(path.read_text(encoding="utf-8"))
    articles = []
    for r in records:
        english = r.get("english") if translated else None
        articles.append(
            Article(
                id=r["id"],
                source=f"{r['id']}.json",
                format="json",
                title=r["title"],
                body=r["body"],
                url=r["url"],
                outlet=r["outlet"],
                published=r["published"],
                detection=Detection(r["lang"], 1.0, True),
                translation=Translation(english["title"], english["body"], "reference", None)
                if english
                else None,
            )
        )
    events = {r["id"]: r["event"] for r in records}
    copies = {r["id"]: r["duplicate_of"] for r in records if r.get("duplicate_of")}
    return articles, events, copies


@cache
def seeds() -> tuple[Article, ...]:
    """The seed articles as ingested: untranslated, language detected."""
    from tasks.stages.detect import detect_language
    from tasks.stages.ingest import ingest

    out = []
    for article in ingest([SEEDS]).articles:
        guess = detect_language(f"{article.title}\n{article.body}", article.lang_hint)
        out.append(
            dataclasses.replace(article, detection=Detection(guess.lang, guess.confidence, guess.reliable))
        )
    return tuple(out)


def seed_name(article: Article) -> str:
    """`001`, or `004:sciopero` for a feed item."""
    name = article.source.split("#")[0].split("/")[-1][:3]
    return f"{name}:{article.url.rsplit('/', 1)[-1].split('-')[0]}" if "#" in article.source else name


def partition(stories) -> set[frozenset[str]]:
    """The stories as sets of article ids."""
    return {frozenset(s.article_ids) for s in stories}


def pairwise(groups: list[list[str]], events: dict[str, str]) -> tuple[float, float, float]:
    """Precision, recall and F1 over pairs of articles put in one story."""
    story = {a: k for k, group in enumerate(groups) for a in group}
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(story), 2):
        same_story, same_event = story[a] == story[b], events[a] == events[b]
        tp += same_story and same_event
        fp += same_story and not same_event
        fn += same_event and not same_story
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def bcubed(groups: list[list[str]], events: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1: per article, the share of its story that is its event and of its event
    that is in its story, averaged over articles."""
    story = {a: k for k, group in enumerate(groups) for a in group}
    members: dict[int, set[str]] = {}
    for article, k in story.items():
        members.setdefault(k, set()).add(article)
    same_event: dict[str, set[str]] = {}
    for article in story:
        same_event.setdefault(events[article], set()).add(article)
    precision = recall = 0.0
    for article, k in story.items():
        mine = same_event[events[article]]
        precision += len(members[k] & mine) / len(members[k])
        recall += len(members[k] & mine) / len(mine)
    precision, recall = precision / len(story), recall / len(story)
    return precision, recall, 2 * precision * recall / (precision + recall)


def test_numbers_are_compared_in_one_spelling():
    assert {canonical_number(n) for n in ("2,500", "2 500", "2.500", "2500", "2\u202f500")} == {"2500"}
    assert canonical_number("3,5") == canonical_number("3.5") == "3.5"
    assert canonical_number("180.000") == "180000"
    assert canonical_number("1,000,000.50") == "1000000.5"
    assert canonical_number("08") == "8"


def test_names_survive_spelling_and_case_but_common_words_do_not():
    assert name_key("baghdad") == name_key("bagdad")
    assert name_key("katyusha") == name_key("katjuscha") == name_key("katioucha")
    assert name_key("swarzedz") == name_key("swarzedzem")
    assert name_key("rotterdam") != name_key("roskosmos")
    text = "The rockets hit Baghdad. The embassy said the C-RAM system worked. Rockets often miss."
    assert names_in(text) == ["baghdad", "c-ram", "ram"]


def test_names_are_compared_across_scripts_through_transliteration():
    spellings = {
        "Baghdad": ["Bagdad", "Багдад", "Βαγδάτη", "バグダッド", "巴格达", "بغداد"],
        "Trump": ["Трамп", "Τραμπ", "トランプ", "特朗普", "ترامب", "트럼프"],
        "Rotterdam": ["Роттердам", "Ρότερνταμ", "ロッテルダム", "روتردام"],
        "Ankara": ["Анкара", "Άγκυρα", "アンカラ", "安卡拉", "أنقرة"],
        "Iraq": ["Irak", "Ирак", "イラク", "伊拉克", "العراق"],
    }
    for latin, others in spellings.items():
        key = name_key(fold(latin))
        assert {name_key(fold(o)) for o in others} == {key}, latin
    assert len({name_key(fold(n)) for n in spellings}) == len(spellings)


def test_names_are_found_in_scripts_without_capitals():
    assert [name_key(n) for n in names_in("ドナルド・トランプ大統領がバグダッドを訪れた。", "ja")] == [
        name_key("donald"),
        name_key("trump"),
        name_key("baghdad"),
    ]
    assert name_key("baghdad") in {name_key(n) for n in names_in("火箭弹击中巴格达绿区。", "zh")}
    arabic = {name_key(n) for n in names_in("وصل الوفد إلى نوفوروسيسك صباح الأربعاء.", "ar")}
    assert name_key("novorossiysk") in arabic
    assert name_key("wasala") not in arabic  # `وصل` (arrived) is a common word, not a name


def test_digits_of_every_script_and_number_words_read_as_numbers():
    assert numbers_in("٣٥٠ طناً و١٫٥ كيلومتر") == ["350", "1.5"]  # Arabic-Indic digits and decimal sign
    assert numbers_in("कुल १२०० लोग") == ["1200"]  # Devanagari
    assert numbers_in("１２０万台") == ["1200000"]  # full width, with 万
    assert numbers_in("2.5 million", "en") == numbers_in("2,5 Millionen", "de") == ["2500000"]
    assert numbers_in("3,4 млрд долларов", "ru") == numbers_in("34亿美元", "zh") == ["3400000000"]
    assert numbers_in("3.400 millones", "es") == ["3400000000"]
    assert numbers_in("twelve ships and two million barrels", "en") == ["12", "2000000"]
    assert numbers_in("zwölf Schiffe", "de") == ["12"] and numbers_in("zwölf Schiffe", "en") == []
    assert numbers_in("A320 and G7 jets") == []  # part of a word, not a quantity
    assert numbers_in("约30万台", "zh") == ["300000"]  # Chinese writes numbers against its words


def test_capitalised_german_common_nouns_are_not_names():
    text = (
        "Den Backofen auf 180 Grad vorheizen. Für den Teig 250 Gramm Mehl und eine Prise Salz verkneten. "
        "Der Teig ruht, sagte Merkel in Leipzig am Rande eines Treffens mit Scholz."
    )
    assert names_in(text, "de") == ["merkel", "leipzig", "scholz"]
    assert "backofen" in names_in(text, "en")  # only languages that capitalise nouns are read this way
    luxembourgish = "Mir hunn eng Kichen. De Backuewen ass waarm, sot Bettel zu Lëtzebuerg."
    assert names_in(luxembourgish, "lb") == ["bettel", "letzebuerg"]


def test_sparse_average_linkage_matches_scipy_on_random_graphs():
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    rng = np.random.default_rng(3)
    for _ in range(30):
        n = int(rng.integers(2, 25))
        sim = rng.random((n, n)) * (rng.random((n, n)) < 0.3)
        sim = np.triu(sim, 1)
        sim = sim + sim.T
        distance = 1.0 - sim
        np.fill_diagonal(distance, 0.0)
        labels = fcluster(linkage(squareform(distance, checks=False), "average"), 1.0 - 0.4, "distance")
        expected = sorted(sorted(np.flatnonzero(labels == k).tolist()) for k in set(labels))
        assert cluster(sim, 0.4) == expected


def test_anchors_in_too_many_articles_link_nothing_and_time_bounds_a_story():
    base = Article(
        id="a", source="a.txt", format="txt", title="", body="", detection=Detection("en", 1.0, True)
    )
    day = [
        dataclasses.replace(base, id=f"a{i}", body=f"Report {i}: Kellerman met Ostrovsky about 4,812 crates.")
        for i in range(4)
    ]
    assert len(build_stories(day)) == 1
    assert len(build_stories(day, StoriesConfig(anchor_max_articles=3))) == 4  # every anchor is in all four
    assert similarity(day, StoriesConfig(anchor_max_articles=3)).nnz == 0
    apart = [
        dataclasses.replace(day[0], published="2026-11-01T08:00:00Z"),
        dataclasses.replace(day[1], published="2026-11-06T08:00:00Z"),
    ]
    assert len(build_stories(apart)) == 2  # beyond `time_window_hours`
    assert len(build_stories(apart, StoriesConfig(time_window_hours=200, time_half_life_hours=1e6))) == 1


def test_multilingual_events_group_across_ten_languages_and_scripts():
    articles, events, copies = labelled(path=MULTILINGUAL)
    stories = build_stories(articles)
    expected: dict[str, set[str]] = {}
    for article_id, event in events.items():
        if article_id not in copies:
            expected.setdefault(event, set()).add(article_id)
    assert partition(stories) == {frozenset(g) for g in expected.values()}
    assert {d: o for s in stories for d, o in s.duplicates.items()} == copies
    toyota = next(s for s in stories if "toyota-recall-ja" in s.article_ids)
    assert {"#1200000", "#460000"} <= set(toyota.anchors)  # `1,2 млн`, `120万台`, `1.2 million`
    for threshold in (0.15, 0.25):
        found = build_stories(articles, StoriesConfig(threshold=threshold))
        groups = [list(s.article_ids) + list(s.duplicates) for s in found]
        assert bcubed(groups, events)[2] >= 0.95, threshold


def test_held_out_multilingual_set_groups_with_high_b_cubed_f1():
    # Written after the rules were fixed and scored once: no rule was changed for it.
    articles, events, _ = labelled(path=HELD_OUT)
    groups = [list(s.article_ids) + list(s.duplicates) for s in build_stories(articles)]
    precision, recall, f1 = bcubed(groups, events)
    assert precision == 1.0 and recall >= 0.9 and f1 >= 0.95


SEED_GROUPS = {
    frozenset({"000", "001", "002"}),  # Baghdad rockets: en, fr, de
    frozenset({"003", "004:sciopero", "005"}),  # Antwerp strike: es, it, en
    frozenset({"006", "007"}),  # wheat deal: ru, ar
}


def seed_partition(articles: list[Article]) -> set[frozenset[str]]:
    """The stories of the seeds as sets of seed names."""
    stories = build_stories(articles)
    return {frozenset(seed_name(a) for a in articles if a.id in s.article_ids) for s in stories}


def test_seed_stories_are_grouped_across_languages_and_the_copy_is_a_duplicate():
    articles = list(seeds())
    by_name = {seed_name(a): a.id for a in articles}
    named = seed_partition(articles)
    assert named >= SEED_GROUPS
    assert all(len(g) == 1 for g in named - SEED_GROUPS)  # everything else stands alone
    stories = build_stories(articles)
    duplicates = {d: o for s in stories for d, o in s.duplicates.items()}
    assert duplicates == {by_name["009"]: by_name["008"]}
    listed = [a for s in stories for a in s.article_ids]
    assert sorted(listed + list(duplicates)) == sorted(a.id for a in articles)


def test_nonsense_from_a_broken_translation_model_links_nothing(tiny_marian):
    import torch

    from tasks.models.loading import ModelCache

    loaded = ModelCache().get(str(tiny_marian))

    def translate(text: str) -> str:
        inputs = loaded.tokenizer([text], return_tensors="pt")
        with torch.inference_mode():
            output = loaded.model.generate(**inputs, num_beams=1, max_new_tokens=24)
        return loaded.tokenizer.batch_decode(output, skip_special_tokens=True)[0]

    articles = []
    for article in seeds():  # the French rockets report and the Italian museum reopening: unrelated
        if seed_name(article) in ("001", "004:ravenna"):
            body = translate(article.body.split(". ")[0] + ".")
            assert not reads_as_english(body)
            translation = Translation(translate(article.title), body, "tiny", "transformers")
            article = dataclasses.replace(article, translation=translation)
        articles.append(article)
    assert seed_partition(articles) >= SEED_GROUPS
    assert reads_as_english(next(a for a in articles if seed_name(a) == "000").body)


def test_each_story_records_its_score_and_the_shared_evidence():
    stories = build_stories(list(seeds()))
    config = StoriesConfig()
    rockets = next(s for s in stories if "Bagdad" in s.reason or "bagdad" in s.reason)
    assert len(rockets.article_ids) == 3 and rockets.score >= config.threshold
    assert "bagdad/baghdad" in rockets.reason and "c-ram" in rockets.reason and "2500" in rockets.reason
    wheat = next(s for s in stories if len(s.article_ids) == 2)
    assert "3500000" in wheat.reason and "850000000" in wheat.reason  # `3,5 млн` and `3.5 مليون`
    assert all(s.reason.startswith("single source") for s in stories if len(s.article_ids) == 1)


@pytest.mark.parametrize("translated", [False, True], ids=["as-ingested", "with-english"])
def test_labelled_events_group_together_and_distractors_stay_apart(translated):
    articles, events, copies = labelled(translated)
    stories = build_stories(articles)
    expected: dict[str, set[str]] = {}
    for article_id, event in events.items():
        if article_id not in copies:
            expected.setdefault(event, set()).add(article_id)
    assert partition(stories) == {frozenset(g) for g in expected.values()}
    assert {d: o for s in stories for d, o in s.duplicates.items()} == copies


def test_the_threshold_sits_inside_a_range_of_perfect_grouping():
    articles, events, copies = labelled()
    originals = [a for a in sorted(articles, key=lambda a: a.id) if a.id not in copies]
    sim = similarity(originals, StoriesConfig())
    for threshold in (0.15, 0.2, 0.25):
        groups = [[originals[i].id for i in g] for g in cluster(sim, threshold)]
        assert pairwise(groups, events) == (1.0, 1.0, 1.0), threshold
    too_low = [[originals[i].id for i in g] for g in cluster(sim, 0.05)]
    assert pairwise(too_low, events)[0] < 1.0  # the distractors do share evidence with their look-alikes


def test_grouping_does_not_depend_on_input_order():
    articles, _, _ = labelled()
    shuffled = articles[:]
    random.Random(7).shuffle(shuffled)
    assert build_stories(shuffled) == build_stories(articles)


def test_original_of_a_copy_is_the_wire_dateline_then_the_earliest():
    articles, _, _ = labelled()
    original = next(a for a in articles if a.id == "fire-botlek-en")  # dateline, no time
    copy = next(a for a in articles if a.id == "fire-botlek-en-copy")
    assert find_duplicates([copy, original], 0.8) == {copy.id: original.id}
    undated = dataclasses.replace(original, body=original.body.split(" - ", 1)[1])
    assert find_duplicates([copy, undated], 0.8) == {undated.id: copy.id}
    reworded = dataclasses.replace(
        copy, body=copy.body.replace("resin", "plastic pellets").replace("two", "2")
    )
    assert find_duplicates([reworded, original], 0.8) == {reworded.id: original.id}
    other = next(a for a in articles if a.id == "fire-botlek-nl")
    assert find_duplicates([other, original], 0.8) == {}


def test_headline_is_the_english_title_of_the_best_source():
    articles, _, _ = labelled()
    chosen = [a for a in articles if a.id in ("derail-poznan-pl", "derail-poznan-de")]
    (story,) = build_stories(chosen)
    assert (
        story.headline == max(chosen, key=lambda a: len(a.body)).title
    )  # nothing in English: original title
    translated = [
        dataclasses.replace(a, translation=Translation("Coal train derails", "Eighteen wagons...", "m", None))
        if a.id.endswith("-pl")
        else a
        for a in chosen
    ]
    (story,) = build_stories(translated)
    assert story.headline == "Coal train derails" and story.article_ids[0] == "derail-poznan-pl"


def test_stories_are_ranked_by_sources_recency_and_topics():
    articles, _, _ = labelled()
    stories = build_stories(articles)
    assert [s.rank_score for s in stories] == sorted((s.rank_score for s in stories), reverse=True)
    top = stories[0]
    assert len(top.article_ids) >= 3 and "recency" in top.reason
    singles = [s for s in stories if len(s.article_ids) == 1]
    assert all(s.rank_score <= top.rank_score for s in singles)
    watched = StoriesConfig(topics={"poznan": ["Poznań", "Posen"]})
    first = build_stories(articles, watched)[0]
    assert "derail-poznan-pl" in first.article_ids and "topics poznan" in first.reason


def sweep() -> None:
    """Print pairwise precision / recall / F1 per threshold on the labelled set and the seeds."""
    thresholds = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]
    seed_articles = list(seeds())
    seed_events = {a.id: seed_name(a) for a in seed_articles}
    for group in (("000", "001", "002"), ("003", "004:sciopero", "005"), ("006", "007"), ("008", "009")):
        for a in seed_articles:
            if seed_name(a) in group:
                seed_events[a.id] = group[0]
    sets = {
        "labelled, as ingested": labelled(False)[:2],
        "labelled, with English": labelled(True)[:2],
        "seeds, as ingested": (seed_articles, seed_events),
        "multilingual (11 languages, 6 scripts)": labelled(path=MULTILINGUAL)[:2],
        "multilingual held-out (9 languages, 5 scripts)": labelled(path=HELD_OUT)[:2],
    }
    print("Pairwise precision / recall / F1, originals only")
    print("| set | " + " | ".join(str(t) for t in thresholds) + " |")
    print("|---" * (len(thresholds) + 1) + "|")
    for name, (articles, events) in sets.items():
        ordered = sorted(articles, key=lambda a: a.id)
        copies = find_duplicates(ordered, StoriesConfig().duplicate_threshold)
        originals = [a for a in ordered if a.id not in copies]
        sim = similarity(originals, StoriesConfig())
        cells = []
        for threshold in thresholds:
            groups = [[originals[i].id for i in g] for g in cluster(sim, threshold)]
            p, r, f = pairwise(groups, events)
            cells.append(f"{p:.2f} / {r:.2f} / {f:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nB-cubed precision / recall / F1 of build_stories (republished copies with their original)")
    print("| set | " + " | ".join(str(t) for t in thresholds) + " |")
    print("|---" * (len(thresholds) + 1) + "|")
    for name, (articles, events) in sets.items():
        cells = []
        for threshold in thresholds:
            found = build_stories(articles, StoriesConfig(threshold=threshold))
            p, r, f = bcubed([list(s.article_ids) + list(s.duplicates) for s in found], events)
            cells.append(f"{p:.2f} / {r:.2f} / {f:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sweep()


def test_an_undated_story_ranks_by_when_it_was_received():
    from dataclasses import replace

    from tasks.article import Story
    from tasks.stages.stories import rank

    articles, _, _ = labelled()
    dated = [a for a in articles if a.published][:1]
    base = replace(articles[0], id="undated", published=None, received=None)
    story = Story(id="u", article_ids=("undated",), headline="U")
    others = {a.id: a for a in dated}
    newest = max(a.published for a in dated)
    for received, expected in ((None, 0.0), (newest, 1.0)):
        pool = {**others, "undated": replace(base, received=received)}
        (ranked,) = rank([story], pool, StoriesConfig())
        assert f"recency {expected:.2f}" in ranked.reason
