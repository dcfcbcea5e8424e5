"""A real HTTP news site on 127.0.0.1 for fetch tests: feeds, pages in four languages, and every failure."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

BIG = 10 * 1024 * 1024


@dataclass
class Reply:
    """What the server answers on one path."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    size: int = 0  # a body of `size` bytes, streamed without Content-Length when `stream`
    stream: bool = False
    pause: float = 0.0  # between 64 KiB chunks of a `size` body


@dataclass
class Hit:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    status: int = 0


def page(lang: str, title: str, paragraphs: list[str], canonical: str, author: str = "") -> bytes:
    """An article page with site chrome around the text."""
    byline = f'<meta name="author" content="{author}">' if author else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{byline}'
        f'<link rel="canonical" href="{canonical}"></head><body>'
        "<nav>Home | World | Sport | Contact</nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        "<footer>Cookies | Privacy | Imprint</footer></body></html>"
    ).encode()


PAGES = {
    "fr": (
        "Les dockers de Port-Exemple en grève",
        [
            "Les dockers de Port-Exemple ont cessé le travail lundi matin pour réclamer une hausse de salaire de 6 %.",
            "Une quarantaine de navires attendaient au large dans la soirée, selon la capitainerie du port.",
            "La direction du port a proposé une réunion de médiation pour jeudi, sans engagement sur les salaires.",
        ],
    ),
    "de": (
        "Neue Straßenbahnlinie in Beispielstadt eröffnet",
        [
            "In Beispielstadt fährt seit Montag die neue Straßenbahnlinie 9 zwischen Hauptbahnhof und Messe.",
            "Die Strecke ist elf Kilometer lang und hat siebzehn Haltestellen, teilten die Verkehrsbetriebe mit.",
            "Der Bau hatte vier Jahre gedauert und rund 210 Millionen Euro gekostet.",
        ],
    ),
    "es": (
        "La sequía vacía los embalses de Villaejemplo",
        [
            "Los embalses de Villaejemplo están al 23 % de su capacidad, el nivel más bajo en una década.",
            "La junta local ha prohibido regar jardines y llenar piscinas privadas hasta nuevo aviso.",
            "Los agricultores de la comarca piden ayudas para perforar nuevos pozos antes del verano.",
        ],
    ),
    "en": (
        "Exampleton library reopens after flood repairs",
        [
            "Exampleton's central library reopened on Monday, eight months after a flood ruined its ground floor.",
            "Repairs cost 3.2 million pounds, and 40,000 damaged books have been replaced, the council said.",
            "The children's section has moved upstairs so that it is out of reach of any future flood.",
        ],
    ),
}
BRIDGE = (
    "Exampleton bridge closes for a month of repairs",
    [
        "The old bridge over the river Example closes to traffic on Monday for a month of repairs.",
        "Buses will take a diversion through the northern ring road, adding about ten minutes to each trip.",
    ],
)


def rss(base: str, items: list[tuple[str, str, str, str, str]], title: str = "Example Wire") -> bytes:
    """RSS 2.0 with `(guid, link, title, summary, pubDate)` items and a dc:creator each."""
    entries = "".join(
        f'<item><guid isPermaLink="false">{guid}</guid>'
        f"<link>{link}</link><title>{t}</title>"
        f"<description>{summary}</description><pubDate>{date}</pubDate>"
        "<dc:creator>Wire Desk</dc:creator></item>"
        for guid, link, t, summary, date in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{title}</title><link>{base}/</link><language>en</language>{entries}</channel></rss>"
    ).encode()


def atom(items: list[tuple[str, str, str, str]]) -> bytes:
    """Atom with `(id, link, title, summary)` entries; an empty summary leaves the element out."""
    entries = "".join(
        f'<entry><id>{eid}</id><link href="{link}"/><title>{t}</title>'
        "<updated>2026-11-24T06:00:00Z</updated>"
        + (f"<summary>{summary}</summary>" if summary else "")
        + "</entry>"
        for eid, link, t, summary in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Example Atom</title><id>urn:example:atom</id><updated>2026-11-24T06:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


class NewsServer:
    """A threaded HTTP server on 127.0.0.1 (or another loopback address) that logs every request and honours
    conditional GETs."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Reply] = {}
        self.hits: list[Hit] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.httpd = ThreadingHTTPServer((host, 0), self._handler())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> NewsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        """An absolute URL on this server."""
        return self.base + path

    def count(self, path: str) -> int:
        """How many requests reached `path` (query ignored)."""
        return sum(1 for h in self.hits if urlsplit(h.path).path == path)

    def reset_log(self) -> None:
        """Forget the requests so far."""
        with self._lock:
            self.hits.clear()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                hit = Hit(self.path, {k.lower(): v for k, v in self.headers.items()})
                with server._lock:
                    server.hits.append(hit)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._answer(hit, server.routes.get(urlsplit(self.path).path, Reply(404, b"not found")))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (size cap, timeout): that is the behaviour under test
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, hit: Hit, reply: Reply) -> None:
                if reply.delay and server._stop.wait(reply.delay):
                    return
                not_modified = (reply.etag and self.headers.get("If-None-Match") == reply.etag) or (
                    reply.last_modified and self.headers.get("If-Modified-Since") == reply.last_modified
                )
                hit.status = 304 if not_modified else reply.status
                self.send_response(hit.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.etag:
                    self.send_header("ETag", reply.etag)
                if reply.last_modified:
                    self.send_header("Last-Modified", reply.last_modified)
                if not_modified:
                    self.end_headers()
                    return
                self.send_header("Content-Type", reply.content_type)
                size = reply.size or len(reply.body)
                if not reply.stream:
                    self.send_header("Content-Length", str(size))
                self.end_headers()
                if not reply.size:
                    self.wfile.write(reply.body)
                    return
                chunk = b"x" * 65536
                for _ in range(size // len(chunk)):
                    self.wfile.write(chunk)
                    if reply.pause and server._stop.wait(reply.pause):
                        return

        return Handler


SLUGS = {"fr": "greve-port", "de": "strassenbahn", "es": "sequia-embalses", "en": "library-reopens"}
HOURS = {"fr": 7, "de": 8, "es": 9, "en": 10}


def wire_items(base: str) -> list[tuple[str, str, str, str, str]]:
    """The RSS items of the four-language wire feed; links carry a tracking query the pages drop."""
    return [
        (
            f"wire-{lang}",
            f"{base}/{lang}/{SLUGS[lang]}.html?utm_source=rss",
            PAGES[lang][0],
            "Summary.",
            f"Mon, 23 Nov 2026 {HOURS[lang]:02d}:00:00 GMT",
        )
        for lang in PAGES
    ]


def wire_feed(base: str, items: list[tuple[str, str, str, str, str]], etag: str) -> Reply:
    """The wire feed as served, with an ETag."""
    return Reply(body=rss(base, items), content_type="application/rss+xml", etag=etag)


def news_site(server: NewsServer) -> None:
    """Routes for every case the fetch tests cover."""
    r, base = server.routes, server.base
    for lang, (title, paragraphs) in PAGES.items():
        path = f"/{lang}/{SLUGS[lang]}.html"
        r[path] = Reply(body=page(lang, title, paragraphs, base + path, author="Staff reporter"))
    r["/rss.xml"] = wire_feed(base, wire_items(base), '"rss-v1"')
    r["/en/bridge.html"] = Reply(body=page("en", BRIDGE[0], BRIDGE[1], base + "/en/bridge.html"))
    r["/old/bridge"] = Reply(301, headers={"Location": "/en/bridge.html"})
    r["/loop-a"] = Reply(302, headers={"Location": "/loop-b"})
    r["/loop-b"] = Reply(302, headers={"Location": "/loop-a"})
    r["/to-ftp"] = Reply(302, headers={"Location": "ftp://127.0.0.1/file"})
    r["/slow"] = Reply(body=b"<html><body><p>late</p></body></html>", delay=2.0)
    r["/error"] = Reply(500, b"internal error")
    r["/big"] = Reply(size=BIG)
    r["/big-stream"] = Reply(size=BIG, stream=True)
    r["/not-a-feed.html"] = Reply(
        body=page("en", "Contact us", ["Write to the desk at any time."], base + "/c")
    )
    r["/atom.xml"] = Reply(
        body=atom(
            [
                ("urn:bridge", base + "/old/bridge", "Bridge closes", "Bridge summary."),
                ("urn:loop", base + "/loop-a", "Loop story", "The loop summary is the text."),
                ("urn:slow", base + "/slow", "Slow story", "The slow summary is the text."),
                ("urn:error", base + "/error", "Broken story", ""),
                ("urn:big", base + "/big", "Huge story", "The huge summary is the text."),
                ("urn:ftp", "ftp://127.0.0.1/story", "Ftp story", "The ftp summary is the text."),
            ]
        ),
        content_type="application/atom+xml",
        last_modified="Tue, 24 Nov 2026 06:00:00 GMT",
    )
