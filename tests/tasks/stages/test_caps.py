from tasks.article import Article
from tasks.stages.caps import cap_article, feed_entries
from tasks.stages.ingest import IngestResult, InputReport, ingest, merge


def article(body):
    return Article(id="a1", source="wire#1", format="txt", title="Title", body=body)


def test_a_long_text_is_cut_at_a_paragraph_end_and_says_so():
    paragraphs = [f"Paragraph {i} " + "word " * 40 for i in range(100)]
    body = "\n\n".join(p.strip() for p in paragraphs)
    cut, note = cap_article(article(body), 2000)
    assert len(cut.body) <= 2000 and body.startswith(cut.body)
    assert body[len(cut.body) : len(cut.body) + 2] == "\n\n"  # nothing but whole paragraphs kept
    assert note == f"text cut at {len(cut.body):,} of {len(body):,} characters (ingest.max_chars)"
    assert cut.notes == (note,)


def test_one_huge_paragraph_is_cut_at_a_sentence_end_and_a_short_text_is_untouched():
    body = "A short sentence here. " * 1000
    cut, _ = cap_article(article(body), 1000)
    assert cut.body.endswith("here.") and len(cut.body) <= 1000
    small = article("Short.")
    assert cap_article(small, 1000) == (small, None)


def test_ingest_cuts_a_huge_article_and_reports_it(tmp_path):
    paragraph = "The council met again to discuss the budget. " * 20
    (tmp_path / "huge.txt").write_text("Huge\n\n" + "\n\n".join([paragraph] * 5000))  # about 4.5 MB
    full = 5000 * len(paragraph.strip()) + 2 * 4999
    result = ingest([tmp_path / "huge.txt"], max_bytes=10_000_000, max_chars=50_000)
    (line,) = result.report
    (huge,) = result.articles
    assert line.status == "included" and len(huge.body) <= 50_000
    assert line.notes == [f"text cut at {len(huge.body):,} of {full:,} characters (ingest.max_chars)"]


def test_fetched_articles_are_capped_when_merged():
    long = article("First paragraph.\n\n" + "x " * 5000)
    line = InputReport(source="wire#1", status="included", article_id="a1")
    merged = merge(IngestResult([], []), [long], [line], max_chars=1000)
    assert merged.articles[0].body == "First paragraph."
    assert merged.report[0].notes[-1].startswith("text cut at 16 of")


def test_a_feed_file_is_read_up_to_its_item_cap(tmp_path):
    items = "".join(
        f"<item><guid>g{i}</guid><title>Item {i}</title><description>Text of item {i}.</description></item>"
        for i in range(500)
    )
    (tmp_path / "big.rss").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    )
    result = ingest([tmp_path], max_feed_items=50)
    assert len(result.articles) == 50
    rejected = [line for line in result.report if line.status == "rejected"]
    assert [(r.source, r.reason) for r in rejected] == [
        (f"{tmp_path.name}/big.rss", "450 items beyond the 50 read per feed (ingest.max_feed_items)")
    ]


def test_feed_items_are_counted_without_parsing_in_any_encoding():
    rss = (
        "<rss><channel>" + "<item><title>t</title></item>" * 7 + "<rss:item/><ENTRY></ENTRY></channel></rss>"
    )
    assert feed_entries(rss.encode()) == 9
    assert feed_entries(rss.encode("utf-16")) == 9
    assert feed_entries(b"<items><itemize><entries>") == 0
