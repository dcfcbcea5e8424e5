"""Ingest: read text, HTML, JSON and RSS/Atom inputs into Article records; report every input's fate."""

from tasks.stages.ingest.decode import Decoded, decode_bytes
from tasks.stages.ingest.feeds import entry_text, entry_title, parse_feed, read_feed
from tasks.stages.ingest.files import (
    FORMATS,
    expand_inputs,
    ingest,
    merge,
    read_file,
    received_date,
    require_articles,
)
from tasks.stages.ingest.html import page_meta, read_html
from tasks.stages.ingest.markup import html_to_text, inline_text
from tasks.stages.ingest.records import read_json, read_json_record, read_txt
from tasks.stages.ingest.reports import IngestResult, InputReport, NoArticles, Rejected

__all__ = [
    "FORMATS",
    "Decoded",
    "IngestResult",
    "InputReport",
    "NoArticles",
    "Rejected",
    "decode_bytes",
    "entry_text",
    "entry_title",
    "expand_inputs",
    "html_to_text",
    "ingest",
    "inline_text",
    "merge",
    "page_meta",
    "parse_feed",
    "read_feed",
    "read_file",
    "read_html",
    "read_json",
    "read_json_record",
    "read_txt",
    "received_date",
    "require_articles",
]
