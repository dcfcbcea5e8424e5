"""Headlines: the article's own title with the site name removed, never generic, never empty."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

FALLBACK_NOTE = "no headline found; the first sentence is used as the title"

# Page titles that name a place on a site, not an article (compared case- and punctuation-insensitively).
_GENERIC = {
    # en
    "home", "homepage", "home page", "index", "main menu", "menu", "navigation", "news", "latest news",
    "topics", "themes", "overview", "search", "search results", "login", "sign in", "contact", "imprint",
    "privacy", "privacy policy", "archive", "archives", "blog", "article", "articles", "untitled",
    "untitled document", "new page", "page not found", "not found", "404", "error", "skip to content",
    "skip to main content", "just another wordpress site", "welcome", "start", "startpage", "sitemap",
    # de
    "startseite", "hauptmenü", "hauptmenue", "menü", "themen", "übersicht", "uebersicht", "nachrichten",
    "aktuelles", "aktuell", "suche", "anmelden", "kontakt", "impressum", "datenschutz", "archiv", "artikel",
    "zum inhalt springen", "direkt zum inhalt", "inhalt", "seite nicht gefunden", "willkommen",
    # fr, es, it, pt, nl, pl
    "accueil", "page d'accueil", "actualités", "actualites", "sommaire", "recherche", "rubriques",
    "inicio", "portada", "noticias", "página principal", "pagina principale", "notizie",
    "início", "página inicial", "notícias", "startpagina", "nieuws", "strona główna", "wiadomości",
    # ru, uk, zh, ja, ko, ar, tr
    "главная", "главная страница", "новости", "головна", "новини", "首页", "主页", "新闻", "ホーム",
    "トップページ", "ニュース", "홈", "뉴스", "الرئيسية", "الصفحة الرئيسية", "anasayfa", "ana sayfa", "haberler",
}  # fmt: skip
# Home pages: a title that is only this and the site name is no article's.
_HOME = {
    "home", "homepage", "startseite", "accueil", "inicio", "início", "portada", "startpagina", "strona główna",
    "главная", "головна", "首页", "主页", "ホーム", "홈", "الرئيسية", "anasayfa", "welcome", "willkommen",
}  # fmt: skip
_HOME = {"".join(ch for ch in w.casefold() if ch.isalnum()) for w in _HOME}
# Content-management systems whose name stands in for a missing title.
_CMS = {
    "wordpress", "joomla", "drupal", "typo3", "contao", "blogger", "wix", "squarespace", "ghost", "tumblr",
    "jimdo", "weebly", "neos", "plone", "shopware", "magento", "hugo", "jekyll", "mediawiki", "sitecore",
}  # fmt: skip
_HOST_NOISE = {"www", "m", "mobile", "amp", "news", "com", "org", "net", "co", "de", "uk", "fr", "html"}
# Spaced separators between a headline and a site name: `Title | Site`, `Title - Site`, `Site :: Title`.
_SPACED = re.compile(r"\s+(?:[|｜·•»«/\\~]|[-–—]{1,2}|::)\s+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# A CJK outlet name glued to the headline (`…-新华网`, `…_网易新闻`): short, and named like an outlet.
_CJK_OUTLET = re.compile(
    r"(?:网|網|报|報|社|台|新闻|新聞|频道|頻道|在线|日报|日報|时报|時報|ニュース|新闻网|뉴스|일보)$"
)
_GLUED = re.compile(r"(?<=\S)\s*[-_|｜–—]\s*(?=\S)")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)|(?<=[。！？])")


def key(text: str) -> str:
    """A comparison key: case-folded letters and digits only."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def _tokens(text: str) -> set[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    return set(_CJK.findall(text)) | set(re.findall(r"[^\W\d_]{2,}|\d+", _CJK.sub(" ", text)))


def site_names(names: Iterable[str | None], url: str | None = None) -> list[str]:
    """Names a site goes by: its declared names plus the distinctive labels of its host."""
    found = [" ".join(n.split()) for n in names if n and n.strip()]
    host = urlsplit(url).hostname if url and "//" in url else (url if url and "." in url else None)
    if host:
        found.append(host)
        found.extend(label for label in host.split(".") if len(label) >= 3 and label not in _HOST_NOISE)
    return list(dict.fromkeys(found))


def _is_site(segment: str, sites: Sequence[str]) -> bool:
    seg = key(segment)
    if not seg:
        return True
    if re.fullmatch(r"(?:[\w-]+\.)+[a-z]{2,}", segment.strip().lower()):
        return True  # a host name
    for site in sites:
        name = key(site)
        if not name:
            continue
        if seg == name or (len(seg) >= 3 and seg in name):
            return True
        # `Spiegel Online` for the host label `spiegel`; the segment must stay short to be only the name.
        if len(name) >= 4 and name in seg and len(seg) <= len(name) + 12 and len(segment.split()) <= 4:
            return True
    return False


def is_generic(title: str, sites: Sequence[str] = ()) -> bool:
    """Whether a title names a page of a site (home, menu, a CMS, the site itself) rather than an article."""
    flat = " ".join(unicodedata.normalize("NFKC", title).casefold().split()).strip(" .:!-–—|»«")
    if not key(title):
        return True
    if flat in _GENERIC or key(title) in {key(g) for g in _GENERIC} or key(title) in _CMS:
        return True
    if re.fullmatch(r"(?:page|seite|página|pagina|страница)\s*\d+", flat):
        return True
    return bool(sites) and _is_site(title, sites) and len(title.split()) <= 6


def strip_site(title: str, sites: Sequence[str] = ()) -> str:
    """The title without the site name and section labels around it (`Title | Site`, `Site: Title`, …)."""
    title = " ".join(title.split())
    parts = _SPACED.split(title)
    site_dropped = home = False
    # Drop site names (and generic labels) from either end while a headline part remains.
    while len(parts) > 1:
        end = -1 if _is_site(parts[-1], sites) or is_generic(parts[-1]) else 0
        if end == 0 and not (_is_site(parts[0], sites) or is_generic(parts[0])):
            break
        site_dropped = site_dropped or _is_site(parts[end], sites)
        home = home or key(parts[end]) in _HOME
        parts.pop(end)
    if home and len(" ".join(parts).split()) <= 4:
        return ""  # `Startseite - Stadt Musterhausen`: a home page titled with the site's name
    if len(parts) > 1 and site_dropped and len(parts[-1].split()) == 1 and len(parts[0].split()) >= 3:
        parts.pop()  # `Headline – Politik – Site`: the section between headline and site name
    if len(parts) > 1 and " | " in title:
        # An unknown site after a pipe: a short last part after a longer headline is a name, not a headline.
        last, rest = parts[-1], parts[:-1]
        if len(last.split()) <= 4 and len(" ".join(rest).split()) > len(last.split()):
            parts = rest
    result = _rejoin(title, parts)
    # `Site: Title` without a spaced separator.
    lead, colon, tail = result.partition(": ")
    if colon and tail and _is_site(lead, sites) and len(lead.split()) <= 4:
        result = tail
    return _strip_glued(result, sites)


def _rejoin(title: str, parts: list[str]) -> str:
    """The span of the original title covered by the kept parts (their own separators kept as written)."""
    if not parts:
        return title
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if 0 <= start < end else " ".join(parts)


def _strip_glued(title: str, sites: Sequence[str]) -> str:
    """`Headline-新华网`: a site name joined without spaces, recognised by name or by a CJK outlet ending."""
    matches = list(_GLUED.finditer(title))
    if not matches:
        return title
    last = matches[-1]
    head, tail = title[: last.start()].strip(), title[last.end() :].strip()
    named = _is_site(tail, sites) or (_CJK.search(tail) and _CJK_OUTLET.search(tail))
    if head and tail and named and len(tail) <= 12 and len(key(head)) >= len(key(tail)):
        return head
    first = matches[0]
    head, tail = title[: first.start()].strip(), title[first.end() :].strip()
    if head and tail and _is_site(head, sites) and len(head) <= 20 and _CJK.search(title):
        return tail
    return title


def first_sentence(body: str, limit: int = 140) -> str:
    """The first sentence of a text, cut at a word boundary when long."""
    para = next((p for p in body.split("\n") if p.strip()), "").strip()
    sentence = _SENTENCE_END.split(para, maxsplit=1)[0].strip()
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit].rsplit(" ", 1)[0] if " " in sentence[:limit] else sentence[:limit]
    return cut.rstrip(" ,;:") + "…"


def agrees(a: str, b: str) -> bool:
    """Whether two titles name the same headline: equal, most of one inside the other, or most words shared."""
    ka, kb = key(a), key(b)
    if not ka or not kb:
        return False
    short, long = sorted((ka, kb), key=len)
    if short == long or (len(short) >= 8 and short in long and 2 * len(short) >= len(long)):
        return True
    ta, tb = _tokens(a), _tokens(b)
    shared = len(ta & tb)
    return bool(ta and tb) and shared >= 0.7 * min(len(ta), len(tb)) and shared >= 0.5 * max(len(ta), len(tb))


def choose_title(
    meta: Sequence[str | None], headings: Sequence[str], sites: Sequence[str], body: str
) -> tuple[str, str | None]:
    """The headline from metadata titles (best first) and visible headings; a note when none is usable.

    A visible heading that agrees with a metadata title wins (it is what readers see, with no site name);
    else the first metadata title that is not generic once its site name is removed; else a lone heading;
    else the body's first sentence.
    """
    cleaned = [strip_site(t, sites) for t in meta if t and t.strip()]
    cleaned = [t for t in cleaned if t and not is_generic(t, sites)]
    heads = [" ".join(h.split()) for h in headings if h and h.strip()]
    heads = [h for h in heads if not is_generic(h, sites) and len(h) <= 400]
    for heading in heads:
        agreeing = [t for t in cleaned if agrees(heading, t)]
        if agreeing:
            # `<h1><span>Kicker</span> Headline</h1>`: the metadata title inside the heading is the headline.
            # (A prefix is a truncated metadata title, not a headline without its kicker.)
            inside = [t for t in agreeing if key(t) != key(heading) and key(heading).endswith(key(t))]
            return (inside[0] if inside else heading), None
    if cleaned:
        return cleaned[0], None
    if heads:
        return heads[0], None
    sentence = first_sentence(body)
    return (sentence, FALLBACK_NOTE) if sentence else ("", FALLBACK_NOTE)


def drop_leading_headline(paragraphs: list[str], titles: Iterable[str]) -> list[str]:
    """Paragraphs without a first paragraph that only repeats the headline (kept when it is all there is).

    A headline run into the first paragraph (extractors that join a short page into one line) is cut off too.
    """
    titles = [" ".join(t.split()) for t in titles if t and key(t)]
    keys = {key(t) for t in titles}
    while len(paragraphs) > 1 and key(paragraphs[0]) in keys:
        paragraphs = paragraphs[1:]
    if paragraphs:
        first = paragraphs[0]
        for title in sorted(titles, key=len, reverse=True):
            rest = first[len(title) :]
            if len(key(title)) >= 8 and first.startswith(title) and rest[:1].isspace() and key(rest):
                return [rest.strip(), *paragraphs[1:]]
    return paragraphs
