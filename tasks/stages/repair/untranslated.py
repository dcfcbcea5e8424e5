"""Untranslated fragments: sentences still in the source language are flagged (span and language), never
rewritten, and no other rule may touch them."""

from __future__ import annotations

import re
from functools import cache

from tasks.stages.repair.datafiles import load_toml
from tasks.stages.repair.edits import Document
from tasks.stages.repair.lexicon import english

# Words of two letters or more (single letters, symbols and numbers say nothing about a language).
_WORD = re.compile(r"[^\W\d_]{2,}(?:['’-][^\W\d_]+)*")
_SENTENCE = re.compile(r"[^\s.!?][^.!?\n]*(?:[.!?]+[\"”’»)]*|$)")
# Letters of scripts that English text never uses: Greek, Cyrillic, Hebrew, Arabic, Indic, Thai, CJK, Hangul.
_NON_LATIN = re.compile(
    "[\u0370-\u03ff\u0400-\u052f\u0590-\u06ff\u0750-\u08ff\u0900-\u0e7f\u3040-\u9fff\uac00-\ud7af]"
)
# A sentence must have this many words (quotations of a few foreign words are English text) ...
MIN_WORDS = 4
# ... the language detector must be this sure ...
MIN_CONFIDENCE = 0.9
# ... and this share of its words must be foreign: function words of that language, or lower-case words
# (not names) that English rarely uses.
MIN_FOREIGN_SHARE = 0.5
RARE_IN_ENGLISH = 2.5
# The cheap test that decides whether to run language detection at all is looser, and ignores function
# words that are frequent English words too (`die`, `in`, `war`), which would fire on English text.
_TRIGGER_SHARE = 0.35
_SHARED_ZIPF = 4.5


class _Languages:
    def __init__(self) -> None:
        data = load_toml("languages.toml")
        lexicon = english()
        self.names: dict[str, str] = data["names"]
        self.function_words: dict[str, frozenset[str]] = {
            lang: frozenset(words) for lang, words in data["function_words"].items()
        }
        self.trigger_words = frozenset(
            w for words in self.function_words.values() for w in words if lexicon.get(w, 0.0) < _SHARED_ZIPF
        )


@cache
def _languages() -> _Languages:
    return _Languages()


def _foreign(sentence: str, own: frozenset[str], share: float = MIN_FOREIGN_SHARE) -> bool:
    """Whether a sentence is in another language, judged by its words (names and loanwords do not count)."""
    words = _WORD.findall(sentence)
    if len(words) < MIN_WORDS:
        return False
    if sum(1 for w in words if _NON_LATIN.search(w)) * 2 >= len(words):
        return True
    lexicon = english()
    foreign = sum(
        1
        for w in words
        if (low := w.lower()) in own or (w[0].islower() and lexicon.get(low, 0.0) < RARE_IN_ENGLISH)
    )
    return foreign >= share * len(words)


def _sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text, start, len(text) if end is None else end)]


def _suspect_regions(text: str, langs: _Languages) -> list[tuple[int, int]]:
    """Runs of adjacent sentences that look foreign by the cheap test (only these go to the detector)."""
    regions: list[list[int]] = []
    for start, end in _sentences(text):
        if not _foreign(text[start:end], langs.trigger_words, _TRIGGER_SHARE):
            continue
        if regions and text[regions[-1][1] : start].isspace():
            regions[-1][1] = end
        else:
            regions.append([start, end])
    return [(start, end) for start, end in regions]


def flag(doc: Document) -> None:
    """Flag (and protect from the other rules) each confidently foreign run of sentences in `doc`."""
    langs = _languages()
    text = doc.text
    regions = _suspect_regions(text, langs)
    if not regions:
        return
    from tasks.stages.detect import detect_spans

    for region_start, region_end in regions:
        for span_start, span_end, lang, confidence in detect_spans(text[region_start:region_end]):
            if lang in ("en", "und") or confidence < MIN_CONFIDENCE:
                continue
            own = langs.function_words.get(lang, frozenset())
            span = (region_start + span_start, region_start + span_end)
            run: list[tuple[int, int]] = []
            for start, end in [*_sentences(text, *span), (span[1], span[1])]:
                if end > start and _foreign(text[start:end], own):
                    run.append((start, end))
                    continue
                if run:
                    name = langs.names.get(lang, lang)
                    message = f"sentence is {name}, expected English"
                    doc.flag("untranslated", "sentence-language", run[0][0], run[-1][1], message)
                    doc.protect(run[0][0], run[-1][1])
                    run = []
