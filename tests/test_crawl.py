"""The crawl, end to end: real HTTP to the demo site on 127.0.0.1, real SeaweedFS, and
``python -m spiders.run`` in a subprocess (Twisted's reactor cannot restart in one process)."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.models import Article
from pipelines.storage import ObjectNotFound, Storage
from pipelines.urls import canonicalize_url

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("wpcom", "wpnews", "citynews")


def run_id(n: int) -> str:
    return f"20260101T00000{n}Z-abc12{n}"


def crawl(
    sources_file: Path, rid: str, s3_env: dict[str, str], *ids: str, extra: list[str] | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m spiders.run`` as the CLI and the DAG do."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSARCHIVE_", "AWS_"))}
    env.update(s3_env)
    env["PYTHONPATH"] = str(REPO)
    cmd = [
        sys.executable, "-m", "spiders.run", "--sources", str(sources_file), "--run-id", rid, "--allow-loopback",
        # the demo's slow page drips for 1 s; keep a hung download from stalling the suite
        "-s", "DOWNLOAD_TIMEOUT=15",
        *(extra or []), *ids,
    ]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def last_json(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines, f"no stdout; stderr tail:\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1])


def staged_records(storage: Storage, rid: str, source: str) -> list[Article]:
    try:
        body = storage.get_bytes(f"staging/{rid}/{source}/records.jsonl")
    except ObjectNotFound:
        return []
    return [Article.from_json(line) for line in body.decode("utf-8").splitlines() if line.strip()]


def canon(urls: Any) -> set[str]:
    return {canonicalize_url(u) for u in urls}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def sources_file(tmp_path: Path, demo_site: Any) -> Path:
    return demo_site.write_sources(tmp_path / "sources.yaml")


def test_crawl_stages_every_article_and_nothing_else(demo_site: Any, sources_file: Path, s3_settings: Any, storage: Storage) -> None:
    expected = demo_site.expected
    rid = run_id(1)
    start = len(demo_site.request_log)
    proc = crawl(sources_file, rid, s3_settings.to_env(), *SOURCES)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = last_json(proc)
    assert summary["run_id"] == rid and summary["complete"] is True
    # run.json is in the bucket and says the same
    assert storage.get_json(f"staging/{rid}/run.json")["sources"].keys() == set(SOURCES)
    log = demo_site.request_log[start:]

    for source in SOURCES:
        truth = expected[source]
        records = staged_records(storage, rid, source)
        urls = [r.url for r in records]
        # every article page, exactly once
        assert len(records) == len(truth["articles"]), (source, sorted(urls))
        assert canon(urls) == canon(truth["articles"]), source
        # none of the non-article pages, none of the robots-disallowed ones
        assert not canon(urls) & canon(truth["non_articles"]), source
        assert not canon(urls) & canon(truth["disallowed"]), source
        disallowed_paths = {path_of(u) for u in truth["disallowed"]}
        asked = [r for r in log if r.site == source and r.path in disallowed_paths]
        assert asked == [], f"{source}: requested robots-disallowed pages {asked}"
        # staged records carry the fetch facts
        for record in records:
            assert record.source == source and record.run_id == rid
            assert record.fetched_at is not None and record.http_status == 200
            assert record.warc_record_id and record.text.strip()

        src = summary["sources"][source]
        stored = storage.get_json(f"staging/{rid}/{source}/summary.json")
        assert stored["outcomes"] == src["outcomes"]
        assert src["outcomes"]["extracted"] == len(truth["articles"])
        assert src["outcomes"]["robots-denied"] >= 1
        assert src["outcomes"]["not-article"] >= 1
        assert src["finish_reason"] == "finished" and src["ok"] is True

        # every response is in the WARC, and each record points at its response record
        warc = storage.get_bytes(f"staging/{rid}/{source}/responses.warc.gz")
        responses = {}
        for rec in ArchiveIterator(io.BytesIO(warc)):
            if rec.rec_type == "response":
                responses[rec.rec_headers.get_header("WARC-Record-ID")] = (
                    rec.rec_headers.get_header("WARC-Target-URI"),
                    rec.content_stream().read(),
                )
        served = [r for r in log if r.site == source and r.method == "GET" and r.status and not r.error]
        assert len(responses) >= len(served) - 1, (len(responses), len(served))  # the huge page is cut
        for record in records:
            target, body = responses[record.warc_record_id]
            assert canonicalize_url(target) == canonicalize_url(record.url)
            assert b"<html" in body.lower() or b"<!doctype" in body.lower()

    # bad pages: the real articles among them are staged, the others counted and listed; the run went on
    city = summary["sources"]["citynews"]
    listed = {p["url"] for p in city["pages"]}
    staged_city = canon(r.url for r in staged_records(storage, rid, "citynews"))
    for url, kind in expected["citynews"]["bad_pages"].items():
        if expected["article_counts_as"][kind]:
            assert canonicalize_url(url) in staged_city, (kind, url)
        else:
            assert url in listed, f"bad page {kind} {url} not reported in the summary"
    assert city["outcomes"].get("failed/http-500") == 1
    assert city["outcomes"].get("failed/http-404") == 1
    huge = [u for u, k in expected["citynews"]["bad_pages"].items() if k == "huge"]
    assert [p for p in city["pages"] if p["url"] in huge and p["outcome"] != "not-article"], city["pages"]


def test_second_crawl_fetches_no_article_again_and_stages_only_the_update(
    fresh_demo_site: Any, tmp_path: Path, s3_settings: Any, storage: Storage
) -> None:
    site = fresh_demo_site
    sources_file = site.write_sources(tmp_path / "sources.yaml")
    env = s3_settings.to_env()
    first = crawl(sources_file, run_id(1), env, *SOURCES)
    assert first.returncode == 0, first.stderr[-3000:]
    expected = site.expected
    total = sum(len(expected[s]["articles"]) for s in SOURCES)
    assert sum(len(staged_records(storage, run_id(1), s)) for s in SOURCES) == total
    state = storage.get_json("_state/seen/wpnews.json")
    assert canon(state["urls"]) >= canon(expected["wpnews"]["articles"])

    # second crawl of the unchanged site: conditional GETs only, nothing staged
    start = len(site.request_log)
    second = crawl(sources_file, run_id(2), env, *SOURCES)
    assert second.returncode == 0, second.stderr[-3000:]
    summary = last_json(second)
    article_paths = {(s, path_of(u)) for s in SOURCES for u in expected[s]["articles"]}
    refetched = [
        (r.site, r.path, r.status)
        for r in site.request_log[start:]
        if (r.site, r.path) in article_paths and r.method == "GET" and r.status == 200
    ]
    assert refetched == [], f"article pages fetched again: {refetched}"
    for source in SOURCES:
        assert storage.get_bytes(f"staging/{run_id(2)}/{source}/records.jsonl") == b""
        outcomes = summary["sources"][source]["outcomes"]
        assert outcomes.get("extracted", 0) == 0
        assert outcomes.get("not-modified", 0) + outcomes.get("skipped-seen", 0) >= len(expected[source]["articles"])
    assert storage.get_json(f"staging/{run_id(2)}/run.json")["complete"] is True

    # an article changes: the third crawl stages exactly that one
    updated = site.update_article()
    third = crawl(sources_file, run_id(3), env, *SOURCES)
    assert third.returncode == 0, third.stderr[-3000:]
    staged = [r.url for s in SOURCES for r in staged_records(storage, run_id(3), s)]
    assert canon(staged) == {canonicalize_url(updated)}, staged


def test_max_pages_stops_the_crawl_and_says_so(demo_site: Any, sources_file: Path, s3_settings: Any, storage: Storage) -> None:
    proc = crawl(sources_file, run_id(4), s3_settings.to_env(), "wpnews", extra=["--max-pages", "5"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    src = last_json(proc)["sources"]["wpnews"]
    assert "max_pages" in src["limits_hit"]
    assert src["finish_reason"] == "closespider_pagecount"
    # requests already in flight when the limit hit may still finish (at most CONCURRENT_REQUESTS)
    assert src["responses"] <= 5 + 16
    assert src["complete"] is False


def test_config_and_bucket_errors_are_one_line_and_non_zero(tmp_path: Path, sources_file: Path, s3_settings: Any) -> None:
    env = s3_settings.to_env()
    unknown = crawl(sources_file, run_id(5), env, "no-such-source", timeout=60)
    assert unknown.returncode == 2
    assert unknown.stderr.strip().count("\n") == 0 and "no-such-source" in unknown.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - id: x\n    start_urls: [ftp://nowhere]\n", encoding="utf-8")
    invalid = crawl(bad, run_id(5), env, timeout=60)
    assert invalid.returncode == 2 and "start_urls" in invalid.stderr
    missing_bucket = {**env, "NEWSARCHIVE_S3_BUCKET": "no-such-bucket-here"}
    nobucket = crawl(sources_file, run_id(5), missing_bucket, "wpnews", timeout=60)
    assert nobucket.returncode == 2, nobucket.stderr[-2000:]
    assert "bucket" in nobucket.stderr.lower() and nobucket.stdout.strip() == ""


def test_scrapy_crawl_news_works_from_the_repository_root(demo_site: Any, sources_file: Path, s3_settings: Any, storage: Storage) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSARCHIVE_", "AWS_"))}
    env.update(s3_settings.to_env())
    env["NEWSARCHIVE_ALLOW_LOOPBACK"] = "1"
    scrapy = Path(sys.executable).with_name("scrapy")
    proc = subprocess.run(
        [str(scrapy), "crawl", "news", "-a", "source=wpcom", "-a", f"sources={sources_file}", "-a", f"run_id={run_id(6)}"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = staged_records(storage, run_id(6), "wpcom")
    assert canon(r.url for r in records) == canon(demo_site.expected["wpcom"]["articles"])
    summary = storage.get_json(f"staging/{run_id(6)}/wpcom/summary.json")
    assert summary["outcomes"]["extracted"] == len(records)
    assert gzip.decompress(storage.get_bytes(f"staging/{run_id(6)}/wpcom/responses.warc.gz"))[:4] == b"WARC"


def _article_html(title: str) -> bytes:
    words = " ".join(f"{title.lower()}{i}" for i in range(120))
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": "2024-05-01T10:00:00Z"})
    return (
        f'<!doctype html><html><head><title>{title}</title><script type="application/ld+json">{ld}</script></head>'
        f"<body><article><h1>{title}</h1><p>{words}.</p><p>Second paragraph of {title}.</p></article></body></html>"
    ).encode()


@contextmanager
def serve_pages(make_pages: Any) -> Iterator[tuple[str, list[str]]]:
    """Serve ``make_pages(base) -> {path: (content type, body)}`` on 127.0.0.1; yield the base URL
    and the list of requested paths."""
    import http.server
    import threading

    requests: list[str] = []
    pages: dict[str, tuple[str, bytes]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            requests.append(self.path)
            ctype, body = pages.get(self.path, ("text/html", b""))
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages.update(make_pages(base))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield base, requests
    finally:
        server.shutdown()
        server.server_close()


def _home(links: str) -> bytes:
    return (
        "<!doctype html><html><head><title>Odd Gazette</title></head><body><h1>Odd Gazette</h1>"
        + "<p>News from a small town, published whenever something happens.</p>" * 8
        + links + "</body></html>"
    ).encode()


def _odd_pages(base: str) -> dict[str, tuple[str, bytes]]:
    news = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{base}/a/2024/one.html</loc><news:news><news:publication_date>2024-05-01</news:publication_date></news:news></url>"
        f"<url><loc>{base}/a/2024/two.html</loc></url></urlset>"
    ).encode()
    return {
        "/robots.txt": ("text/plain", b"User-agent: *\nDisallow: /private/\n"),
        "/": ("text/html", _home('<a href="/listing">all</a> <a href="/news.xml.gz">news</a> <a href="/updates">updates</a>')),
        # a sitemap index served as a web page
        "/listing": ("text/html; charset=utf-8", (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{base}/news.xml.gz</loc></sitemap></sitemapindex>"
        ).encode()),
        "/news.xml.gz": ("application/gzip", gzip.compress(news)),
        # an RSS feed served as plain text
        "/updates": ("text/plain", (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>u</title><item><link>{base}/a/2024/three.html</link></item>'
            f"<item><link>{base}/private/four.html</link></item></channel></rss>"
        ).encode()),
        "/a/2024/one.html": ("text/html", _article_html("One")),
        "/a/2024/two.html": ("text/html", _article_html("Two")),
        "/a/2024/three.html": ("text/html", _article_html("Three")),
        "/private/four.html": ("text/html", _article_html("Four")),
    }


@pytest.fixture
def odd_site() -> Iterator[tuple[str, list[str]]]:
    """A tiny site whose sitemaps and feed are only reachable as ordinary links, some served with the
    wrong content type, one gzipped (``.xml.gz``), one linked twice."""
    with serve_pages(_odd_pages) as served:
        yield served


def test_sitemaps_and_feeds_are_found_by_content_however_they_are_reached(
    odd_site: Any, tmp_path: Path, s3_settings: Any, storage: Storage
) -> None:
    base, requests = odd_site
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(
        f"sources:\n  - id: odd\n    start_urls: ['{base}/']\n    politeness: {{download_delay: 0}}\n    limits: {{max_depth: 1}}\n",
        encoding="utf-8",
    )
    proc = crawl(sources_file, run_id(7), s3_settings.to_env(), "odd")
    assert proc.returncode == 0, proc.stderr[-3000:]
    outcomes = last_json(proc)["sources"]["odd"]["outcomes"]
    staged = {r.url for r in staged_records(storage, run_id(7), "odd")}
    assert staged == {f"{base}/a/2024/{n}.html" for n in ("one", "two", "three")}, (outcomes, requests)
    assert requests.count("/news.xml.gz") == 1  # linked twice, fetched and parsed once
    assert "/private/four.html" not in requests
    assert outcomes["fetched/sitemap"] == 2 and outcomes["fetched/feed"] == 1
    assert outcomes["robots-denied"] == 1 and outcomes["extracted"] == 3


def _canonical_copies(base: str) -> dict[str, tuple[str, bytes]]:
    def copy_of(path: str, title: str) -> bytes:
        return _article_html(title).replace(b"<head>", f'<head><link rel="canonical" href="{base}{path}">'.encode(), 1)

    return {
        "/robots.txt": ("text/plain", b"User-agent: *\nAllow: /\n"),
        # the print and syndication copies are linked first, so they are met before the original
        "/": ("text/html", _home(
            '<a href="/print/one.html">print</a> <a href="/partner/one.html">partner</a> <a href="/a/2024/one.html">one</a>'
            ' <a href="/a/2024/two.html">two</a>'
        )),
        "/print/one.html": ("text/html", copy_of("/a/2024/one.html", "One")),
        "/partner/one.html": ("text/html", copy_of("/a/2024/one.html", "One")),
        "/a/2024/one.html": ("text/html", copy_of("/a/2024/one.html", "One")),
        "/a/2024/two.html": ("text/html", _article_html("Two")),
    }


def test_a_page_whose_rel_canonical_is_already_fetched_is_not_staged_again(
    tmp_path: Path, s3_settings: Any, storage: Storage
) -> None:
    with serve_pages(_canonical_copies) as (base, requests):
        sources_file = tmp_path / "sources.yaml"
        sources_file.write_text(
            f"sources:\n  - id: copies\n    start_urls: ['{base}/']\n"
            "    politeness: {download_delay: 0, concurrency: 1}\n    limits: {max_depth: 1}\n",
            encoding="utf-8",
        )
        proc = crawl(sources_file, run_id(8), s3_settings.to_env(), "copies")
    assert proc.returncode == 0, proc.stderr[-3000:]
    outcomes = last_json(proc)["sources"]["copies"]["outcomes"]
    records = staged_records(storage, run_id(8), "copies")
    # one record per article, whichever copy was met first, all under the declared canonical URL
    assert sorted(r.canonical_url for r in records) == [f"{base}/a/2024/one.html", f"{base}/a/2024/two.html"]
    assert outcomes["extracted"] == 2
    fetched_copies = sum(requests.count(p) for p in ("/print/one.html", "/partner/one.html", "/a/2024/one.html"))
    assert fetched_copies >= 2  # both copies are linked before the original: at least one is met first
    assert outcomes["skipped-seen/rel-canonical"] == fetched_copies - 1
    assert requests.count("/a/2024/one.html") <= 1
