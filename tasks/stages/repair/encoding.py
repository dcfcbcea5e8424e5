"""Encoding: mojibake (`donâ€™t`, `SÃ£o Paulo`) repaired with ftfy, and stray HTML entities decoded.

A mojibake repair is kept only where the word is measurably more broken before than after (ftfy's badness
measure, plus the marks ftfy does not weigh), so valid text such as `NESTLÉ®` is never "fixed"."""

from __future__ import annotations

import difflib
import html
import re
from functools import cache
from typing import TYPE_CHECKING

from tasks.stages.repair.edits import Context, Edit

if TYPE_CHECKING:
    from ftfy import TextFixerConfig

# UTF-8 read as Latin-1/cp1252 always leaves a lead byte in this range (Â..ô) or a C1 control.
_SUSPECT = re.compile("[\u00c2-\u00f4\u0080-\u009f]")
# A UTF-8 lead byte read as cp1252 followed by continuation bytes read the same way (`ÄŸ` for `ğ`):
# ftfy leaves some of these when the rest of the text looks clean.
_CONTINUATION = "\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
# Each UTF-8 sequence is re-decoded on its own (a word may mix them with text that is fine as it is).
_MISDECODED = re.compile(f"[\u00c2-\u00df][{_CONTINUATION}]|[\u00e0-\u00ef][{_CONTINUATION}]{{2}}")
# Marks of mis-decoding that ftfy's badness does not count: a C1 control, an IPA letter (what valid
# text like `É®` becomes when wrongly re-decoded), a capital accented letter or cp1252 symbol inside a
# lower-case word (`ErdoÄŸan`).
_ODD = re.compile(
    "[\u0080-\u009f\u0250-\u02af]|(?<=[a-z])[\u00c0-\u00deŸŠŽŒ][\u00c0-\u00ffŸŠŽŒ\u0080-\u00bf]*(?=[a-z])"
)
# A word: no ASCII space inside, except that `à` at the end of a word whose no-break space became a
# space (`dÃ©jÃ  vu`) keeps both spaces, for ftfy to read back as `à` and one space.
_RUN = re.compile(r"(?:\u00c3  |[^ \t\n\r])+")
# Layers of mis-decoding undone in one word at most (real text has one or two).
_MAX_LAYERS = 6
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


@cache
def _config() -> TextFixerConfig:
    from ftfy import TextFixerConfig

    # Only the encoding fixes: quotes, ligatures, widths, line breaks and normalisation stay as written.
    return TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_surrogates=False,
        remove_control_chars=False,
        normalization=None,
        explain=False,
    )


def _word_edits(before: str, after: str) -> list[Edit]:
    """The differences between two versions of a text, widened to whole words."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    spans: list[list[int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # Outside the differing runs the two texts agree, so both sides widen in step.
        while i1 > 0 and j1 > 0 and not before[i1 - 1].isspace() and before[i1 - 1] == after[j1 - 1]:
            i1, j1 = i1 - 1, j1 - 1
        while i2 < len(before) and j2 < len(after) and not before[i2].isspace() and before[i2] == after[j2]:
            i2, j2 = i2 + 1, j2 + 1
        if spans and i1 <= spans[-1][1]:
            spans[-1][1], spans[-1][3] = max(i2, spans[-1][1]), max(j2, spans[-1][3])
        else:
            spans.append([i1, i2, j1, j2])
    edits = []
    for i1, i2, j1, j2 in spans:
        if i2 > i1:
            rule = "html-entity" if _unescape(before[i1:i2]) == after[j1:j2] else "mojibake"
            if rule == "mojibake" and _broken(after[j1:j2]) >= _broken(before[i1:i2]):
                continue  # not measurably better: valid text as written
            edits.append(Edit(i1, i2, after[j1:j2], "encoding", rule))
    return edits


def _broken(text: str) -> int:
    """How broken `text` looks: ftfy's badness plus the mis-decoding marks it does not weigh."""
    from ftfy.badness import badness

    return badness(text) + len(_ODD.findall(text))


def _redecode(match: re.Match[str]) -> str:
    """A word that is UTF-8 read as cp1252, decoded back (only if it is valid UTF-8 that way)."""
    import ftfy.bad_codecs  # noqa: F401 - registers the sloppy-windows-1252 codec

    try:
        return match.group().encode("sloppy-windows-1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return match.group()


def _unescape(text: str) -> str:
    """Known HTML entities decoded (`&amp;` -> `&`); `AT&T` and unknown `&names;` stay."""
    return _ENTITY.sub(lambda m: html.unescape(m.group()), text) if "&" in text else text


def _fix_word(word: str) -> str:
    """One word (a run without ASCII spaces) as ftfy fixes it, to a fixed point, then re-decoded by hand."""
    from ftfy import fix_text

    # ftfy can leave a layer it fixes on a second look, and words it leaves (`ErdoÄŸan`, or a layer beside
    # one it fixed) are re-decoded by hand, which can reveal a layer for ftfy again (`\x80Â\x80` -> `€\x80`
    # -> `€€`): both repeat until the word is stable, so a second repair finds nothing more. The badness
    # test in `_word_edits` keeps only what is measurably better.
    fixed = word
    for _ in range(_MAX_LAYERS):
        again = _MISDECODED.sub(_redecode, fix_text(fixed, config=_config()))
        if again == fixed:
            break
        fixed = again
    return fixed


def find(text: str, ctx: Context) -> list[Edit]:
    """Edits undoing mis-decoded text; clean text (including correct accents and curly quotes) is untouched.

    Each word is fixed on its own, so the decision for a word does not change when other rules edit the
    text around it (repair stays idempotent); a no-break space inside mojibake (`Ã\u00a0`) stays in its word.
    """
    fixed = text
    if _SUSPECT.search(text):
        fixed = _RUN.sub(lambda m: _fix_word(m.group()) if _SUSPECT.search(m.group()) else m.group(), text)
    fixed = _unescape(fixed)
    return _word_edits(text, fixed) if fixed != text else []
