"""Numbers as every script and language writes them, in one canonical spelling."""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache

# A number as written in the seed languages: 2,500 / 2 500 / 2.500 / 2500 / 3,5 / 3.5. Not part of a word of
# a script written with spaces (`A320`, `G7`); Chinese and Japanese write numbers against their words (`约30万台`).
_WORD_BEFORE = r"0-9A-Za-z_\u00c0-\u024f\u0370-\u052f"
NUMBER = re.compile(
    rf"(?<![{_WORD_BEFORE}.,])\d{{1,3}}(?:([ \u00a0\u202f.,])\d{{3}})(?:\1\d{{3}})*(?:[.,]\d+)?(?!\d)"
    rf"|(?<![{_WORD_BEFORE}])\d+(?:[.,]\d+)?"
)


@cache
def _digits() -> dict[int, str]:
    """Every decimal digit of Unicode (Arabic-Indic, Devanagari, full-width ...) to its ASCII digit."""
    table = {
        code: str(unicodedata.decimal(chr(code)))
        for code in range(128, sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Nd"
    }
    # Arabic decimal and thousands separators, and the full-width ones.
    table |= {0x066B: ".", 0x066C: ",", 0xFF0C: ",", 0xFF0E: "."}
    return table


def ascii_digits(text: str) -> str:
    """The text with digits of every script written as ASCII digits."""
    return text.translate(_digits())


def _fold_char(char: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).lower()
    return base if len(base) == 1 else char


@cache
def _fold_table() -> dict[int, str]:
    return {code: _fold_char(chr(code)) for code in range(128, 0x3000)} | {
        code: chr(code).lower() for code in range(65, 91)
    }


def fold_keeping_length(text: str) -> str:
    """Lower case without accents, one character for one, so positions still point into the original."""
    return text.translate(_fold_table())


# Multipliers written after a number (`2.5 million`, `2,5 Mio.`, `250万`, `3,5 млн`), folded (no accents).
_SCALES = {
    1e3: "thousand tausend mille mil mila duizend tysiecy tys тысяч тысячи тысяча тыс тисяч тисячі χιλιαδες "
    "χιλιαδων الف الاف 千",
    1e4: "万 萬",
    1e6: "million millions millionen mio millones millon milioni milione milhoes milhao miljoen miljoenen "
    "milion miliony milionow миллион миллиона миллионов млн мильйон мільйон мільйони мільйонів "
    "εκατομμυρια εκατομμυριο εκατ مليون ملايين 百万",
    1e8: "亿 億",
    1e9: "billion billions milliarde milliarden mrd milliard milliards miliardi miliardo mil_millones "
    "bilhoes bilhao miljard miljarden miliard miliardy miliardow миллиард миллиарда миллиардов млрд "
    "мільярд мільярди мільярдів δισεκατομμυρια δισ مليار مليارات 十亿",
}
_SCALE = {
    fold_keeping_length(word.replace("_", " ")): value
    for value, words in _SCALES.items()
    for word in words.split()
}
_LONGEST_FIRST = sorted(_SCALE, key=len, reverse=True)
_SCALE_AFTER = re.compile(
    r"\s?(?:("
    + "|".join(re.escape(w) for w in _LONGEST_FIRST if w[0] < "\u3000")
    + r")(?![^\W\d_])\.?|("
    + "|".join(re.escape(w) for w in _LONGEST_FIRST if w[0] >= "\u3000")
    + "))"
)
# Number words 2 to 12 and round tens in common news languages, in the order of _VALUES. Each language reads
# only its own: `due`, `tres`, `sei`, `elf` and `dos` are ordinary words elsewhere.
_VALUES = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20, 30, 40, 50, 100)
_WORDS = {
    "en": "two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred",
    "de": "zwei drei vier funf sechs sieben acht neun zehn elf zwolf zwanzig dreissig vierzig funfzig hundert",
    "fr": "deux trois quatre cinq six sept huit neuf dix onze douze vingt trente quarante cinquante cent",
    "es": "dos tres cuatro cinco seis siete ocho nueve diez once doce veinte treinta cuarenta cincuenta cien",
    "it": "due tre quattro cinque sei sette otto nove dieci undici dodici venti trenta quaranta cinquanta cento",
    "pt": "dois tres quatro cinco seis sete oito nove dez onze doze vinte trinta quarenta cinquenta cem",
    "nl": "twee drie vier vijf zes zeven acht negen tien elf twaalf twintig dertig veertig vijftig honderd",
    "pl": "dwa trzy cztery piec szesc siedem osiem dziewiec dziesiec jedenascie dwanascie dwadziescia "
    "trzydziesci czterdziesci piecdziesiat sto",
    "ru": "два три четыре пять шесть семь восемь девять десять одиннадцать двенадцать двадцать тридцать "
    "сорок пятьдесят сто",
    "uk": "два три чотири пять шість сім вісім девять десять одинадцять дванадцять двадцять тридцять "
    "сорок пятдесят сто",
    "el": "δυο τρεις τεσσερις πεντε εξι επτα οκτω εννεα δεκα εντεκα δωδεκα εικοσι τριαντα σαραντα πενηντα "
    "εκατο",
    "ar": "اثنان ثلاثة أربعة خمسة ستة سبعة ثمانية تسعة عشرة أحد_عشر اثنا_عشر عشرون ثلاثون أربعون خمسون مئة",
    "tr": "iki uc dort bes alti yedi sekiz dokuz on onbir oniki yirmi otuz kirk elli yuz",
}
MIN_WORD_NUMBER = 10
# Other forms of the same numbers (gender, case).
_FORMS = {
    "el": {"τρια": 3, "τεσσερα": 4},
    "ru": {"двух": 2, "трех": 3, "четырех": 4, "двое": 2, "трое": 3},
    "uk": {"двох": 2, "трьох": 3, "двоє": 2, "троє": 3},
    "ar": {"اثنين": 2, "ثلاث": 3, "أربع": 4, "خمس": 5, "ست": 6, "سبع": 7, "ثماني": 8, "تسع": 9, "عشر": 10},
    "de": {"zwolfe": 12},
}


@cache
def _number_words(lang: str) -> dict[str, int]:
    words = [w.replace("_", " ") for w in _WORDS.get(lang, "").split()]
    table = dict(zip(words, _VALUES, strict=False)) | _FORMS.get(lang, {})
    return {fold_keeping_length(w): v for w, v in table.items()}


def canonical_number(raw: str) -> str:
    """One spelling per value: `2,500`, `2 500` and `2.500` give `2500`; `3,5` and `3.5` give `3.5`."""
    text = ascii_digits(raw).replace("\u00a0", " ").replace("\u202f", " ")
    grouped = re.fullmatch(r"(\d{1,3})((?:([ .,])\d{3})(?:\3\d{3})*)([.,]\d+)?", text)
    if grouped and (grouped.group(4) is None or grouped.group(4)[0] != grouped.group(3)):
        integer = re.sub(r"\D", "", grouped.group(1) + grouped.group(2))
        fraction = grouped.group(4)[1:] if grouped.group(4) else ""
    else:
        integer, _, fraction = text.replace(",", ".").partition(".")
    integer = integer.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    return f"{integer}.{fraction}" if fraction else integer


def _scaled(canonical: str, scale: float) -> str:
    integer, _, fraction = canonical.partition(".")
    digits = len(str(int(scale))) - 1
    fraction = (fraction + "0" * digits)[:digits] + "." + fraction[digits:]
    return canonical_number((integer + fraction).rstrip("."))


@cache
def _word_pattern(lang: str) -> re.Pattern[str] | None:
    words = _number_words(lang)
    if not words:
        return None
    alternatives = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
    return re.compile(r"(?<![^\W\d_])(" + alternatives + r")(?![^\W\d_])")


def _with_scale(value: str, folded: str, end: int) -> str:
    scale = _SCALE_AFTER.match(folded, end)
    return _scaled(value, _SCALE[scale.group(1) or scale.group(2)]) if scale else value


def numbers_in(text: str, lang: str | None = None) -> list[str]:
    """The canonical numbers of a text, in order: digits of any script, with a multiplier word applied
    (`2.5 million` and `250万` give `2500000`), and number words of the text's language (`zwei` gives `2`)."""
    text = ascii_digits(text)
    folded = fold_keeping_length(text)
    found = [
        (m.start(), _with_scale(canonical_number(m.group()), folded, m.end())) for m in NUMBER.finditer(text)
    ]
    pattern = _word_pattern(lang or "en")
    if pattern is not None:
        words = _number_words(lang or "en")
        for match in pattern.finditer(folded):
            value = str(words[match.group(1)])
            scaled = _with_scale(value, folded, match.end())
            # `two`, `drei`: too common in running text to be evidence unless a multiplier follows.
            if scaled != value or int(value) >= MIN_WORD_NUMBER:
                found.append((match.start(), scaled))
    return [value for _, value in sorted(found)]
