"""The digest's track lines: New / Developing, what is new, earlier digests, rising, Still developing."""

from __future__ import annotations

from tasks.article import Article, Detection, Rising, Story, Track
from tasks.stages.render import digest_context, render_digest, track_view


def _records() -> tuple[list[Story], dict[str, Article]]:
    articles = {
        i: Article(
            id=i,
            source=f"{i}.txt",
            format="txt",
            title=f"Title {i}",
            body="Body.",
            outlet="Wire",
            detection=Detection("en", 1.0, True),
        )
        for i in ("a", "b", "c")
    }
    developing = Track(
        id="t1",
        first_seen="2026-11-22",
        day=3,
        previous="old",
        previous_date="2026-11-23",
        link_score=0.4,
        dates=("2026-11-22", "2026-11-23"),
        status="developing",
        new_sources=("<script>alert(1)</script>Daily",),
        new_languages=("fr",),
        new_anchors=("72",),
    )
    rising = Rising(kind="surge", articles=6, baseline=2.0, ratio=3.0, reason="rising: 6 articles today")
    stories = [
        Story(id="s1", article_ids=("a",), headline="Strike day three", track=developing, rising=rising),
        Story(
            id="s2", article_ids=("b",), headline="Fresh event", track=Track(id="t2", first_seen="2026-11-24")
        ),
        Story(
            id="s3",
            article_ids=("c",),
            headline="Quiet follow-up",
            track=Track(
                id="t3",
                first_seen="2026-11-20",
                day=5,
                previous="q",
                previous_date="2026-11-23",
                dates=("2026-11-23",),
                status="unchanged",
            ),
        ),
        Story(id="s4", article_ids=("c",), headline="Untracked (an old record)"),
    ]
    return stories, articles


def test_track_view_labels_and_links():
    stories, _ = _records()
    view = track_view(stories[0])
    assert view["label"] == "Developing — day 3 (first reported 22 Nov 2026)"
    assert [e["href"] for e in view["earlier"]] == [
        "../2026-11-22/page.html",
        "../2026-11-23/page.html#story-old",
    ]
    assert {"label": "New languages", "text": "French"} in view["new"]
    assert view["rising"] == "6 articles today"
    assert track_view(stories[1])["label"] == "New" and track_view(stories[1])["new"] == []
    assert track_view(stories[3]) is None


def test_the_digest_shows_tracks_escapes_them_and_collapses_unchanged():
    stories, articles = _records()
    parts = render_digest(digest_context(stories, articles, "2026-11-24", 0, "Briefing"))
    page, email, text = parts["page.html"], parts["digest.html"], parts["digest.txt"]
    assert "<script>" not in page and "alert(1)" not in page.split("New sources:")[0]
    assert "New sources: alert(1)Daily" in text or "New sources: Daily" in text
    assert 'href="../2026-11-23/page.html#story-old"' in page and "page.html#story-old" not in email
    assert "Rising" in email and "RISING: 6 articles today" in text
    still = page.split("Still developing", 1)[1]
    assert "Quiet follow-up" in still and "day 5, first reported 20 Nov 2026" in still
    assert "Quiet follow-up" not in page.split("Still developing", 1)[0].split("</nav>", 1)[1]
    full = render_digest(
        digest_context(stories, articles, "2026-11-24", 0, "Briefing", collapse_unchanged=False)
    )
    assert "Still developing" not in full["page.html"]
