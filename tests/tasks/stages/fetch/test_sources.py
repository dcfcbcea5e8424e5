import re

import pytest

from tasks.config import PROJECT_ROOT, load_config
from tasks.stages.fetch.sources import Source, SourcesError, load_sources, parse_sources


def test_the_example_file_loads_with_stable_ids():
    sources = load_sources(PROJECT_ROOT / "sources.example.yaml")
    assert [(s.kind, s.id) for s in sources] == [
        ("feed", "example-news-world"),
        ("feed", "exemple-quotidien"),
        ("feed", sources[2].id),
        ("page", "ejemplo-directo-sequia"),  # accents folded
    ]
    assert re.fullmatch(r"src-[0-9a-f]{12}", sources[2].id)  # a digest of the URL: the same in every run
    world = sources[0]
    assert (world.lang, world.tags, world.limit, world.url) == (
        "en",
        ("world",),
        20,
        "https://news.example.com/world/rss.xml",
    )


def test_ids_come_from_the_name_else_the_url():
    named = Source(kind="feed", url="https://example.com/a.xml", name="  Le Monde — Afrique! ")
    assert named.id == "le-monde-afrique"
    unnamed = Source(kind="feed", url="https://example.com/a.xml", name="Новости")  # nothing to slug
    other = Source(kind="feed", url="https://example.com/b.xml")
    assert unnamed.id.startswith("src-") and unnamed.id != other.id
    assert unnamed.id == Source(kind="page", url="https://example.com/a.xml").id


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "feeds:\n  - url: ftp://example.com/feed.xml\n",
            "feeds[0].url: Value error, only http and https URLs",
        ),
        ("feeds:\n  - url: file:///etc/passwd\n", "feeds[0].url: Value error, only http and https URLs"),
        ("feeds:\n  - url: https://\n", "feeds[0].url: Value error, not a valid URL"),
        (
            "feeds:\n  - url: https://example.com/a\n    limt: 3\n",
            "feeds[0].limt: Extra inputs are not permitted",
        ),
        ("pages:\n  - name: No URL\n", "pages[0].url: Field required"),
        ("feed:\n  - url: https://example.com/a\n", "feed: Extra inputs are not permitted"),
        (
            "feeds:\n  - url: https://example.com/a\n    limit: 0\n",
            "feeds[0].limit: Input should be greater than or equal to 1",
        ),
        (
            "feeds:\n  - url: https://example.com/a\n    lang: French\n",
            "feeds[0].lang: Value error, not a language code",
        ),
        (
            "feeds:\n  - {url: 'https://example.com/a', name: World}\npages:\n  - {url: 'https://example.com/b', name: world}\n",
            "https://example.com/b: id 'world' (from its name) already used by https://example.com/a",
        ),
        (
            "feeds:\n  - url: https://example.com/a\n  - url: https://example.com/a\n",
            "https://example.com/a: listed twice",
        ),
        ("- https://example.com/a\n", "expected a mapping with `feeds` and `pages`, got list"),
        ("feeds: [url: x\n", "not valid YAML"),
    ],
)
def test_bad_files_are_refused_with_the_place_and_the_reason(tmp_path, text, message):
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    with pytest.raises(SourcesError) as error:
        load_sources(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_every_problem_is_listed_at_once_and_an_empty_file_is_no_sources(tmp_path):
    with pytest.raises(SourcesError) as error:
        parse_sources({"feeds": [{"url": "ftp://a"}, {"url": "https://example.com", "tgs": []}]})
    assert "feeds[0].url" in str(error.value) and "feeds[1].tgs" in str(error.value)
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n")
    assert load_sources(path) == []
    with pytest.raises(SourcesError, match="cannot read"):
        load_sources(tmp_path / "missing.yaml")


def test_the_config_names_the_sources_file_relative_to_itself(tmp_path):
    path = tmp_path / "briefing.toml"
    path.write_text('[fetch]\nsources = "sources.yaml"\ntimeout = 2.5\n')
    config = load_config(path)
    assert (config.fetch.sources, config.fetch.timeout) == (str(tmp_path / "sources.yaml"), 2.5)
    assert load_config().fetch.sources == ""  # no sources file: the offline `input` files only
