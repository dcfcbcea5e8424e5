"""Decode bytes to text the way a browser does: BOM, HTTP charset, XML declaration, <meta>, then detection."""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field

# WHATWG encoding labels whose Python codec is not the browser's: browsers read the superset.
_SUPERSETS = {
    "ascii": "cp1252",
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "iso8859_9": "cp1254",
    "iso8859_11": "cp874",
    "tis_620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}
_ALIASES = {
    "x-sjis": "shift_jis",
    "ms_kanji": "shift_jis",
    "windows-31j": "shift_jis",
    "x-euc-jp": "euc_jp",
    "ks_c_5601-1987": "euc_kr",
    "korean": "euc_kr",
    "windows-949": "euc_kr",
    "x-gbk": "gbk",
    "chinese": "gb2312",
    "csgb2312": "gb2312",
    "gb_2312-80": "gb2312",
    "euc-cn": "gb2312",
    "x-x-big5": "big5",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso8859_8",
    "koi8-ru": "koi8_u",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-cp1250": "cp1250",
    "x-cp1251": "cp1251",
    "x-cp1252": "cp1252",
}
# Text codecs Python knows that no web page means (and UTF-7, which browsers refuse as a script-injection vector).
_REFUSED = {"utf_7", "idna", "punycode", "unicode_escape", "raw_unicode_escape", "undefined", "mbcs", "oem"}
_UNICODE = {"utf_8", "utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be"}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf_32_le"),
    (codecs.BOM_UTF32_BE, "utf_32_be"),
    (codecs.BOM_UTF8, "utf_8"),
    (codecs.BOM_UTF16_LE, "utf_16_le"),
    (codecs.BOM_UTF16_BE, "utf_16_be"),
)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:()+-]+)", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']\s*([\w.:()+-]+)", re.I)
_META_CHARSET = re.compile(r"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([\w.:()+-]+)", re.I)
_PRESCAN = 16_384  # browsers look at 1,024 bytes; real pages put <meta charset> after long scripts


@dataclass
class Decoded:
    """Text decoded from bytes, the codec used, how it was chosen, and notes for the manifest."""

    text: str
    encoding: str
    how: str  # bom | http | xml | meta | utf-8 | detected | fallback
    notes: list[str] = field(default_factory=list)


def codec_name(label: str | None) -> str | None:
    """The Python codec a browser would use for an encoding label; None for an unknown or refused label."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name.replace("-", "_") in _REFUSED:
        return None
    name = info.name.replace("-", "_")
    return _SUPERSETS.get(name, name)


def _sniff_unlabelled(data: bytes) -> str | None:
    """An encoding the first bytes give away without a BOM: `<?xm` in EBCDIC or UTF-32, NULs of UTF-16."""
    if data.startswith(b"\x4c\x6f\xa7\x94"):  # `<?xm` in EBCDIC: its declaration names the code page
        match = _XML_DECL.match(data[:200].decode("cp037"))
        return (codec_name(match.group(1)) if match else None) or "cp037"
    if data.startswith(b"<\x00\x00\x00"):
        return "utf_32_le"
    if data.startswith(b"\x00\x00\x00<"):
        return "utf_32_be"
    head = data[:2000]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf_16_le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf_16_be"
    return None


def declared(data: bytes, content_type: str | None, markup: str) -> list[tuple[str, str]]:
    """The encodings the bytes declare, in a browser's order of precedence: (label, where)."""
    found: list[tuple[str, str]] = []
    if content_type and (match := _HTTP_CHARSET.search(content_type)):
        found.append((match.group(1), "http"))
    head = data[:_PRESCAN].decode("latin-1")
    if match := _XML_DECL.match(head):
        found.append((match.group(1), "xml"))
    if markup == "html" and (match := _META_CHARSET.search(head)):
        found.append((match.group(1), "meta"))
    return found


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mostly_fits(data: bytes, codec: str) -> tuple[str, int] | None:
    """The text with U+FFFD for the bytes that do not fit, when most of the non-ASCII text does."""
    text = data.decode(codec, errors="replace")
    broken = text.count("\ufffd")
    fine = sum(1 for ch in text if ord(ch) > 127) - broken
    return (text, broken) if broken * 10 <= fine else None


# How common each encoding is on the web: the tie-breaker between guesses that read the bytes equally well.
_PRIOR = {
    name: rank
    for rank, name in enumerate(
        [
            "utf_8",
            "cp1252",
            "cp1251",
            "gb18030",
            "cp932",
            "cp1250",
            "euc_jp",
            "euc_jis_2004",
            "cp949",
            "big5hkscs",
            "big5",
            "iso8859_2",
            "cp1256",
            "cp1254",
            "cp874",
            "koi8_r",
            "cp1253",
            "cp1255",
            "iso8859_7",
            "koi8_u",
            "cp1257",
            "iso8859_15",
            "iso8859_5",
            "cp1258",
            "iso8859_13",
            "mac_cyrillic",
            "iso8859_4",
            "iso8859_16",
            "iso8859_10",
            "iso8859_14",
            "iso8859_3",
        ]
    )
}
# Encodings browsers can decode (WHATWG); charset-normalizer also guesses DOS and HP code pages no page uses.
_WEB = {
    *_PRIOR,
    "iso2022_jp",
    "shift_jis",
    "mac_roman",
    "cp866",
    "iso8859_6",
    "iso8859_8",
    "utf_16_le",
    "utf_16_be",
}
_TAGS = re.compile(rb"(?is)<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>")


@dataclass
class _Readings:
    """charset-normalizer's closest guesses: each distinct reading of the sample, and the languages seen."""

    sample: bytes
    texts: dict[str, str]  # NFC reading -> codec, commonest encoding first
    langs: set[str]

    def best(self) -> str | None:
        """The reading whose words a word list knows best (the commoner encoding on a tie)."""
        if len(self.texts) <= 1:
            return next(iter(self.texts.values()), None)
        scored = [
            (_known_words(t, self.langs), -rank, codec) for rank, (t, codec) in enumerate(self.texts.items())
        ]
        return max(scored)[2]


def _readings(data: bytes, markup: str) -> _Readings:
    """charset-normalizer's guesses, made on the text between the tags (markup makes every page look Dutch).

    Only encodings browsers know are considered, and only those about as clean (mess) as the best:
    charset-normalizer's order between such ties is arbitrary.
    """
    from charset_normalizer import from_bytes

    sample = data
    if markup != "text" and b"\x1b" not in data:  # ISO-2022 escapes put `<` and `>` inside characters
        stripped = _TAGS.sub(b" ", data)
        if sum(b > 127 for b in stripped[:200_000]) >= 16:
            sample = stripped
    if len(sample) > 200_000:
        sample = sample[:100_000] + sample[-100_000:]
    results = list(from_bytes(sample))
    results = [r for r in results if codec_name(r.encoding) in _WEB] or results
    if not results:
        return _Readings(sample, {}, set())
    least = min(r.chaos for r in results)
    close = [r for r in results if r.chaos <= least + 0.03 and codec_name(r.encoding)]
    close.sort(key=lambda r: _PRIOR.get(codec_name(r.encoding) or "", len(_PRIOR)))
    texts: dict[str, str] = {}
    for r in close[:8]:
        # cp1258 spells `ì` as `i` + a combining accent: the same reading, not a rival one.
        reading = unicodedata.normalize("NFC", sample.decode(r.encoding, errors="replace"))
        texts.setdefault(reading, codec_name(r.encoding) or "")
    langs = {_LANGS[name] for r in close[:8] for name in r.languages[:3] if name in _LANGS}
    return _Readings(sample, texts, langs)


def _detect(data: bytes, markup: str) -> str | None:
    """The likeliest encoding of undeclared bytes."""
    return _readings(data, markup).best()


def _misdeclared(data: bytes, codec: str, markup: str) -> str | None:
    """A better encoding for bytes a declared legacy encoding decodes without error but reads as nonsense.

    Only when the best guess reads the bytes differently and its words are clearly better known (a mean Zipf
    frequency higher by 1): `Sejm zag³osowa³`, declared ISO-8859-1, is windows-1250.
    """
    if codec in _UNICODE or data.isascii():
        return None
    readings = _readings(data, markup)
    declared_text = unicodedata.normalize("NFC", readings.sample.decode(codec, errors="replace"))
    guess = readings.best()
    text = next((t for t, c in readings.texts.items() if c == guess), declared_text)
    if text == declared_text:
        return None
    better = _known_words(text, readings.langs) >= _known_words(declared_text, readings.langs) + 1.0
    return guess if better else None


# charset-normalizer's language names that wordfreq has word lists for.
_LANGS = {
    "English": "en", "German": "de", "French": "fr", "Spanish": "es", "Portuguese": "pt", "Italian": "it",
    "Dutch": "nl", "Polish": "pl", "Czech": "cs", "Slovak": "sk", "Slovene": "sl", "Croatian": "sh",
    "Hungarian": "hu", "Romanian": "ro", "Turkish": "tr", "Danish": "da", "Swedish": "sv", "Norwegian": "nb",
    "Finnish": "fi", "Lithuanian": "lt", "Latvian": "lv", "Estonian": "et", "Russian": "ru", "Ukrainian": "uk",
    "Bulgarian": "bg", "Serbian": "sh", "Macedonian": "mk", "Greek": "el", "Hebrew": "he", "Arabic": "ar",
    "Persian": "fa", "Farsi": "fa", "Vietnamese": "vi", "Catalan": "ca", "Indonesian": "id",
}  # fmt: skip
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f]){2,}")  # combining marks stay inside words


def _known_words(text: str, langs: set[str]) -> float:
    """Mean word-list frequency (Zipf) of the distinct non-ASCII words, in the best of the languages."""
    if not langs:
        return 0.0
    from wordfreq import available_languages, zipf_frequency

    langs = langs & set(available_languages())
    words = sorted({w.casefold() for w in _WORD.findall(text) if not w.isascii()})[:300]
    if not words or not langs:
        return 0.0
    return sum(max(zipf_frequency(w, lang) for lang in langs) for w in words) / len(words)


def decode_bytes(data: bytes, *, content_type: str | None = None, markup: str = "text") -> Decoded:
    """Decode like a browser; U+FFFD only for bytes that fit no plausible encoding, and a note says so.

    `markup` is "html" (honours <meta charset>), "xml" (the XML declaration) or "text".
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(codec, errors="replace")
            notes = [_replaced(text.count("\ufffd"), codec)] if "\ufffd" in text else []
            return Decoded(text, codec, "bom", notes)
    notes: list[str] = []
    fallback: str | None = None
    for label, where in declared(data, content_type, markup):
        codec = codec_name(label)
        if codec is None:
            notes.append(f"unknown charset {label[:40]!r} declared ({where}) ignored")
            continue
        if where == "meta" and codec.startswith("utf_16"):
            codec = "utf_8"  # an ASCII-readable <meta> cannot truly be UTF-16; browsers read UTF-8
        if codec not in _UNICODE and not data.isascii() and _is_utf8(data):
            # Bytes that are valid UTF-8 with non-ASCII in them are, in practice, never legacy text.
            notes.append(f"declared {label[:40]} ({where}) but the bytes are UTF-8; read as UTF-8")
            return Decoded(data.decode("utf-8"), "utf_8", "utf-8", notes)
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            fallback = fallback or codec
            continue
        if (better := _misdeclared(data, codec, markup)) and (fixed := _strict(data, better)) is not None:
            notes.append(f"declared {label[:40]} ({where}) does not fit the text; read as {better}")
            return Decoded(fixed, better, "detected", notes)
        return Decoded(text, codec, where, notes)
    if fallback is None:
        if sniffed := _sniff_unlabelled(data):
            text = data.decode(sniffed, errors="replace")
            return Decoded(
                text, sniffed, "sniffed", [*notes, f"{sniffed} without a byte-order mark or label"]
            )
        if _is_utf8(data):
            return Decoded(data.decode("utf-8"), "utf_8", "utf-8", notes)
        fallback = "utf_8" if _mostly_fits(data, "utf_8") else None  # UTF-8 with a few stray bytes
    if fallback and (fits := _mostly_fits(data, fallback)):
        # A few broken bytes in a declared encoding that fits the rest: the bytes are broken, not the label.
        text, broken = fits
        return Decoded(text, fallback, "declared", [*notes, _replaced(broken, fallback)])
    guess = _detect(data, markup)
    if guess is not None:
        try:
            text = data.decode(guess)
        except UnicodeDecodeError:
            pass
        else:
            said = f"declared {fallback} does not fit the bytes; " if fallback else ""
            return Decoded(text, guess, "detected", [*notes, f"{said}encoding detected as {guess}"])
    codec = fallback or "utf_8"
    text = data.decode(codec, errors="replace")
    return Decoded(text, codec, "fallback", [*notes, _replaced(text.count("\ufffd"), codec)])


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _replaced(count: int, codec: str) -> str:
    return f"{count} undecodable byte sequence(s) in {codec} replaced with U+FFFD"


_XML_DECL_FULL = re.compile(r"^\s*<\?xml[^>]*>")


def as_utf8_declared(text: str, markup: str) -> str:
    """Text whose own declarations (XML declaration, <meta charset>) say UTF-8, for parsers that re-read them."""
    text = _XML_DECL_FULL.sub("", text, count=1) if markup == "html" else text
    if markup == "xml":
        if _XML_DECL_FULL.match(text):
            return _XML_DECL_FULL.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1)
        return text
    head, rest = text[:_PRESCAN], text[_PRESCAN:]
    return _META_CHARSET.sub(lambda m: m.group(0).replace(m.group(1), "utf-8"), head) + rest
