"""Anchors: names and numbers that survive translation and script, as keys comparable across languages."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from anyascii import anyascii

from tasks.stages.stories.numbers import canonical_number, numbers_in

__all__ = ["anchors_of", "canonical_number", "fold", "name_key", "names_in", "numbers_in", "spelled_anchors"]

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W_]+)*")
# Words of the caseless scripts written with spaces: Hebrew, Arabic, Syriac, Thaana, Indic (whose vowel signs
# are spacing marks), Georgian, Ethiopic, Hangul.
_CASELESS_WORD = re.compile(r"[\u0590-\u08ff\u0900-\u0dff\u10a0-\u10ff\u1200-\u137f\uac00-\ud7af]+")
_SENTENCE_END = re.compile(r"(?:^|[.!?:…。！？]['\"”’»)」]*|\n)\s*['\"“‘«(「]*$")
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc]{2,}")
# Characters Chinese uses to write foreign names by sound (the common core of the Xinhua transliteration
# tables); a run of two or more of them is read as a name, since Chinese has no capitals or spaces.
_TRANSLITERATION_HAN = frozenset(
    "丁丘丝丰丹乌乔亚亨什伊伍伏休伦伯佐佩保克兰兹内冈凯切列利加努劳勃勒博卡卢厄古史叶吉吕哈哥唐善因图圣圭"
    "坎坦埃基塔塞夏多夫夸奇奈奎奥姆威娜孟宁安宾尔尤尼屈巴布希帕席库庞康廷弗彭彼徐德怀恩恰惠戈戴扎托扬拉拜"
    "捷提摩敏斯施旺昂昆普曼朗本朱杜杰松林查柯根格桑梅森欧比毕汉汤沃沙法波泰泽洛洪派济温滕潘澳热爱特玛珀班"
    "理琳琴琼瑙瑞瑟瓜瓦甘登皮盖祖福科穆米索约纳纽维罗考耶肯胡舍舒艾芒芬苏若英范茨莉莎莫莱菲萨蒂蒙蕾詹让诺"
    "谢豪贝贡费贾赖赛赫路辛达迈连迪邦钦锡阿隆雅雷霍韦顿马高鲁鲍麦默齐"
)
_HAN_NAME = re.compile("[" + "".join(sorted(_TRANSLITERATION_HAN)) + "]{2,}")
# Proclitics written onto Arabic words: the article and the prepositions and conjunctions before it.
_ARABIC_PREFIX = re.compile(r"^(?:[وف]?(?:[بكل]?ال|لل|[بلك])|[وف])(?=\w{3})")
# Consonant classes that survive transliteration: the same sound is spelled b/p/v/f or d/t or l/r by
# different scripts (Greek β is v, Arabic has no p, Chinese and Japanese have no r), so each class is one
# letter of the key and vowels (which scripts write or drop at will) are not.
_DIGRAPHS = (
    ("sch", "s"),
    ("ch", "s"),
    ("sh", "s"),
    ("zh", "s"),
    ("kh", "k"),
    ("gh", "k"),
    ("ph", "b"),
    ("th", "t"),
)
_CLASSES = str.maketrans("bpfvdtgkcqxszjlrmn", "bbbbttkkkkssssllmn", "aeiouyhw")
# Greek writes d, b and g of other languages as ντ, μπ and γκ (inside a word μπ and γκ are also mb, nk).
_GREEK = (("ντ", "d", "d"), ("μπ", "b", "mb"), ("γκ", "g", "nk"))
KEY_CLASSES = 4
# Days and months say when, not what (publication time already does): English and German capitalise them.
_CALENDAR = frozenset(
    {
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "montag",
        "dienstag",
        "mittwoch",
        "donnerstag",
        "freitag",
        "samstag",
        "sonntag",
        "januar",
        "februar",
        "marz",
        "juni",
        "juli",
        "oktober",
        "dezember",
    }
)


@cache
def _accents() -> dict[int, None]:
    """Every combining mark but the Japanese voicing marks (`バ` is not an accented `ハ`)."""
    return {
        code: None
        for code in range(0x300, 0x30000)
        if unicodedata.combining(chr(code)) and code not in (0x3099, 0x309A)
    }


def fold(text: str) -> str:
    """Lower case without accents (`Bagdad` = `bagdad`, `Júcar` = `jucar`); other scripts kept as they are."""
    if text.isascii():
        return text.casefold()
    stripped = unicodedata.normalize("NFKD", text).translate(_accents())
    return unicodedata.normalize("NFC", stripped).casefold()


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """A key of a name that its spellings in any script share: Baghdad, Bagdad, Багдад, バグダッド and بغداد
    give `bkt`; Iraq, Irak, Ирак, イラク and عراق give `alk` (a leading vowel is `a`)."""
    for greek, initial, inside in _GREEK:
        name = re.sub(rf"(?<!\w){greek}", initial, name).replace(greek, inside)
    latin = re.sub(r"[^a-z'`]", "", anyascii(fold(name)).lower())
    # A leading vowel, h (`Hamburg`, `Amburgo`) or Arabic alif, ayin or hamza is one mark; w is a consonant.
    initial = (
        "a"
        if latin[:1] in ("a", "e", "i", "o", "u", "y", "h", "'", "`") or name[:1] in tuple("اأإآع")
        else ""
    )
    latin = latin.replace("'", "").replace("`", "")
    if latin[:1] == "w":
        latin = "v" + latin[1:]
    for digraph, sound in _DIGRAPHS:
        latin = latin.replace(digraph, sound)
    # Chinese syllables end in ng (`TeLangPu`); Japanese and Chinese write m before a labial as n.
    latin = re.sub(r"ng(?![aeiouy])", "n", latin)
    latin = re.sub(r"n(?=[bp])", "m", latin)
    return initial + re.sub(r"(.)\1+", r"\1", latin.translate(_CLASSES))[:KEY_CLASSES]


@cache
def _other_languages_zipf() -> tuple[dict[str, float], ...]:
    from wordfreq import get_frequency_dict

    return tuple(get_frequency_dict(lang) for lang in ("en", "fr", "nl", "es", "it", "pl"))


@lru_cache(maxsize=100_000)
def is_common_noun(word: str, lang: str) -> bool:
    """Whether a capitalised word of a language that capitalises nouns (de, lb) is a noun rather than a name."""
    from wordfreq import get_frequency_dict

    german = get_frequency_dict("de")

    def common(word: str) -> bool:
        # A noun is much more frequent in German than in any neighbour; a name is written alike in all of them.
        here = german.get(word, 0.0)
        return here >= 1e-7 and here >= NOUN_RATIO * max(d.get(word, 0.0) for d in _other_languages_zipf())

    if common(word):
        return True
    # A compound (`Backofenrost`) whose last part is a common noun is one too.
    return word not in german and any(
        common(word[i:]) and len(word) - i >= 4 for i in range(3, len(word) - 3)
    )


# German frequency over the highest of its neighbours at which a capitalised word is a noun (100: two zipf).
NOUN_RATIO = 100.0
NOUN_LANGUAGES = frozenset({"de", "lb", "gsw"})
# In German (and Luxembourgish: `eng`, `en`) a word after an article, a determiner or a number (`den Backofen`, `eine Prise`, `250 Gramm`) is a
# noun, whatever other languages make of it; names rarely take one.
_DETERMINED = re.compile(
    r"(?:\b(?:[dD](?:er|ie|as|en|em|es|e)|[eE]in(?:e[nmrs]?)?|[kK]ein(?:e[nmrs]?)?|[dD]ies(?:e[nmrs]?)?"
    r"|[jJ]ede[nmrs]?|[mMsS]ein(?:e[nmrs]?)?|[iI]hre?[nmrs]?|[uU]nsere?[nmrs]?|[iI]m|[aA]m|[zZ]u[mr]|[vV]om"
    r"|[bB]eim|[iI]ns|[eE]ng?)|\d)\s+$"
)


@lru_cache(maxsize=64)
def _common_words(lang: str, count: int = 0) -> frozenset[str]:
    from wordfreq import available_languages, top_n_list

    count = count or COMMON_WORDS
    return frozenset(top_n_list(lang, count)) if lang in available_languages() else frozenset()


# Words of a caseless script (Arabic, Hebrew, Devanagari, Hangul) among this many most common ones of the
# language are not names; the rest are read as names, as there is no capital letter to tell.
COMMON_WORDS = 10000
# Katakana and Chinese sound-spelling runs are names or loanwords: among this many most common ones they are
# loanwords (`ドル`, `ニュース`); famous names rank lower (`トランプ` is about 4,900th).
COMMON_LOANWORDS = 2000
_SCRIPT_LANGUAGE = (
    ("\u0590", "\u05ff", "he"),
    ("\u0600", "\u06ff", "ar"),
    ("\u0900", "\u097f", "hi"),
    ("\u0980", "\u09ff", "bn"),
    ("\u0b80", "\u0bff", "ta"),
    ("\uac00", "\ud7af", "ko"),
)


def _script_language(word: str, lang: str | None) -> str:
    for low, high, default in _SCRIPT_LANGUAGE:
        if low <= word[0] <= high:
            return lang if lang and _common_words(lang) and lang != "en" else default
    return lang or "und"


def _caseless_names(text: str, lang: str | None) -> list[str]:
    """Names in scripts without capitals: katakana runs, Chinese sound-spelling runs, rarer words elsewhere."""
    names = [
        n
        for run in _KATAKANA.findall(text)
        for n in run.split("・")
        if n not in _common_words("ja", COMMON_LOANWORDS)
    ]
    names += [run for run in _HAN_NAME.findall(text) if run not in _common_words("zh", COMMON_LOANWORDS)]
    for match in _CASELESS_WORD.finditer(text):
        word = re.sub(r"[\u0591-\u05c7\u064b-\u065f\u0670]", "", match.group())  # vowel points
        first = word[:1]
        if not first or not word.isalpha():
            continue
        common = _common_words(_script_language(word, lang))
        if "\u0600" <= first <= "\u06ff":
            # `وروسيا` is `و` + `روسيا`: common when either reading is.
            bare = _ARABIC_PREFIX.sub("", word)
            if word in common or bare in common:
                continue
            word = bare
        if word not in common and classes(name_key(word)) >= MIN_CASELESS_CLASSES:
            names.append(word)
    return names


def names_in(text: str, lang: str | None = None) -> list[str]:
    """Folded words that look like names: capitalised and used mid-sentence, never in lower case; in scripts
    without capitals, the words that are not common; in German, capitalised common nouns are not names."""
    lower = set(fold(" ".join(w for w in _WORD.findall(text) if w[0].islower())).split())
    seen: dict[str, bool] = {}  # folded name -> used mid-sentence at least once
    order: list[str] = []
    nouns = lang in NOUN_LANGUAGES
    determined: set[str] = set()
    if nouns:
        determined = {
            fold(m.group())
            for m in _WORD.finditer(text)
            if m.group()[0].isupper() and _DETERMINED.search(text[max(0, m.start() - 8) : m.start()])
        }
    for match in _WORD.finditer(text):
        word = re.sub(r"['’]s$", "", match.group())
        if not word[0].isupper():
            continue
        initial = bool(_SENTENCE_END.search(text[max(0, match.start() - 6) : match.start()]))
        acronym = len(word) > 1 and word.replace("-", "").isupper()
        parts = [word] + [p for p in word.split("-") if p[:1].isupper() and p != word]
        for part in parts:
            key = fold(part)
            if key in lower or len(key) < 2 or key in _CALENDAR:
                continue
            if nouns and not acronym and (key in determined or is_common_noun(part.casefold(), lang)):
                continue
            seen[key] = seen.get(key, False) or not initial or acronym
            order.append(key)
    cased = [key for key in order if seen[key]]
    return cased + [fold(n) for n in _caseless_names(text, lang)]


def anchors_of(text: str, lang: str | None = None) -> list[str]:
    """Evidence that survives translation: name keys and canonical numbers (marked with `#`), in order."""
    keys = [key for name in names_in(text, lang) if _enough(key := name_key(name))]
    return keys + [f"#{n}" for n in numbers_in(text, lang)]


# A name whose key has fewer consonant classes (`Xi`, `Iowa`) matches too many others to be evidence; a word
# read as a name only because its script has no capitals needs more.
MIN_KEY_CLASSES = 2
MIN_CASELESS_CLASSES = 3


def classes(key: str) -> int:
    """The consonant classes in a name key (its leading-vowel mark does not count)."""
    return len(key) - key.startswith("a")


def _enough(key: str) -> bool:
    return classes(key) >= MIN_KEY_CLASSES


def spelled_anchors(text: str, lang: str | None = None) -> dict[str, str]:
    """Each distinct anchor of a text with its first spelling as written: `{"bkt": "baghdad", "#2500": "2500"}`."""
    found: dict[str, str] = {}
    for name in names_in(text, lang):
        if _enough(key := name_key(name)):
            found.setdefault(key, name)
    for number in numbers_in(text, lang):
        found.setdefault(f"#{number}", number)
    return found
