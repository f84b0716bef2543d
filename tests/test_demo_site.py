"""The demo site: real HTTP to 127.0.0.1, checked against its own ground truth."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
import urllib.robotparser
from xml.etree import ElementTree

import pytest
import yaml

from pipelines.config import parse_sources

pytestmark = pytest.mark.integration


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """GET (or HEAD) without following redirects; HTTP errors are returned, not raised."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def is_article_markup(body: bytes) -> bool:
    text = body.decode("utf-8", "replace")
    if re.search(r'property="og:type" content="article"', text):
        return True
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S):
        data = json.loads(block)
        items = data.get("@graph", [data])
        if any(i.get("@type") in ("NewsArticle", "Article", "BlogPosting") for i in items):
            return True
    return False


def test_sites_bind_loopback_on_distinct_ports(demo_site):
    ports = {url.rsplit(":", 1)[1] for url in demo_site.sites.values()}
    assert set(demo_site.sites) >= {"wpcom", "wpnews", "citynews", "traps"}
    assert len(ports) == len(demo_site.sites)
    assert all(url.startswith("http://127.0.0.1:") for url in demo_site.sites.values())
    assert demo_site.url("wpcom", "/feed/") == demo_site.sites["wpcom"] + "/feed/"


def test_refuses_non_loopback_host():
    from infra.demo_site import DemoSite

    with pytest.raises(ValueError):
        DemoSite(host="0.0.0.0")


def test_sources_yaml_validates(demo_site, tmp_path):
    config = parse_sources(yaml.safe_load(demo_site.sources_yaml()), "demo")
    ids = [s.id for s in config.sources]
    assert ids == ["wpcom", "wpnews", "citynews", "traps"]
    assert [s.id for s in config.select()] == ["wpcom", "wpnews", "citynews"]  # traps off by default
    path = demo_site.write_sources(tmp_path / "sources.yaml", traps_enabled=True)
    from pipelines.config import load_sources

    assert [s.id for s in load_sources(path).select()] == ids


def test_ground_truth_shape(demo_site):
    expected = demo_site.expected
    articles = expected["all_articles"]
    assert len(articles) >= 30
    assert len(set(articles)) == len(articles)
    for url in articles:
        assert expected["topics"][url], url
    topics = {t for url in articles for t in expected["topics"][url]}
    assert topics >= {"politics", "conflict", "economy", "technology", "health", "sport", "science", "environment", "culture"}
    a, b = expected["syndicated_pair"]
    assert a.startswith(demo_site.sites["wpnews"]) and b.startswith(demo_site.sites["citynews"])
    assert expected["updated_article"] in expected["citynews"]["articles"]
    meta = expected["metadata"][expected["no_metadata_article"]]
    assert meta["published"] is None and meta["authors"] == []
    assert expected["metadata"][expected["seed_article"]]["title"] == "The American army resumes its joint operations with Iraq"


def test_every_article_is_served_with_article_markup(demo_site):
    expected = demo_site.expected
    for url in expected["all_articles"]:
        if expected.get("traps") and url in expected["traps"].get("wait_articles", []):
            continue
        status, headers, body = fetch(url)
        assert status == 200, url
        assert headers.get("ETag") and headers.get("Last-Modified"), url
        assert is_article_markup(body), url


def test_non_articles_have_no_article_type(demo_site):
    expected = demo_site.expected
    for name in ("wpcom", "wpnews", "citynews"):
        for url in expected[name]["non_articles"]:
            status, _, body = fetch(url)
            assert status == 200, url
            assert 'content="article"' not in body.decode(), url


def test_robots_disallows_private_pages_linked_from_home(demo_site):
    expected = demo_site.expected
    for name in ("wpcom", "wpnews", "citynews"):
        parser = urllib.robotparser.RobotFileParser(demo_site.url(name, "/robots.txt"))
        parser.read()
        assert expected[name]["disallowed"]
        for url in expected[name]["disallowed"]:
            assert not parser.can_fetch("newsarchive", url), url
        for url in expected[name]["articles"]:
            assert parser.can_fetch("newsarchive", url), url
        _, _, home = fetch(demo_site.url(name, "/"))
        for url in expected[name]["disallowed"]:
            path = url.removeprefix(demo_site.sites[name])
            assert f'href="{path}"' in home.decode(), (name, path)


def test_conditional_get_answers_304(demo_site):
    for url in (demo_site.expected["seed_article"], demo_site.url("wpnews", "/feed/"), demo_site.url("citynews", "/news-sitemap.xml")):
        status, headers, _ = fetch(url)
        assert status == 200
        assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
        assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
        assert fetch(url, {"If-None-Match": '"stale"', "If-Modified-Since": headers["Last-Modified"]})[0] == 200
    status, headers, body = fetch(demo_site.expected["seed_article"], method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000


def _xml_locs(body: bytes) -> list[str]:
    root = ElementTree.fromstring(body)
    return [el.text or "" for el in root.iter() if el.tag.endswith("}loc") or el.tag == "link" or el.tag.endswith("}id")]


def test_feeds_and_sitemaps_list_the_articles(demo_site):
    expected = demo_site.expected
    rss = ElementTree.fromstring(fetch(demo_site.url("wpcom", "/feed/"))[2])
    assert {i.findtext("link") for i in rss.iter("item")} == set(expected["wpcom"]["articles"])
    plain = _xml_locs(fetch(demo_site.url("wpcom", "/sitemap.xml"))[2])
    assert set(expected["wpcom"]["articles"]) <= set(plain)
    index = _xml_locs(fetch(demo_site.url("wpnews", "/sitemap_index.xml"))[2])
    assert len(index) == 2
    listed = {loc for sitemap in index for loc in _xml_locs(fetch(sitemap)[2])}
    assert set(expected["wpnews"]["articles"]) <= listed
    atom = fetch(demo_site.url("citynews", "/feeds/latest.atom"))[2]
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = {e.find("a:link", ns).get("href") for e in ElementTree.fromstring(atom).findall("a:entry", ns)}
    assert entries == set(expected["citynews"]["articles"]) - {expected["no_metadata_article"]}
    news = ElementTree.fromstring(fetch(demo_site.url("citynews", "/news-sitemap.xml"))[2])
    assert news.find(".//{http://www.google.com/schemas/sitemap-news/0.9}publication") is not None
    assert set(expected["citynews"]["bad_pages"]) <= set(_xml_locs(ElementTree.tostring(news)))


def test_seed_article_has_the_full_highlander_form(demo_site):
    _, _, body = fetch(demo_site.expected["seed_article"])
    html = body.decode()
    for needle in (
        'id="comments"', 'id="respond" class="comment-respond"', 'id="reply-title"', "Leave a Reply", 'id="commentform"',
        'class="comment-form-service', 'id="comment-form-guest"', 'id="comment-form-load-service"',
        "Fill in your details below or click an icon to log in:", 'id="comment-form-wordpress"',
        'id="comment-form-googleplus"', 'id="comment-form-twitter"', 'id="comment-form-facebook"',
        "You are commenting using your Google account.", "Log&nbsp;Out", "Change", "Connecting to %s",
        "Notify me of new comments via email.", "Share this:", "?share=twitter&amp;nb=1", "Like this:",
        '<span class="loading">Loading...</span>', "<em>Related</em>", "Finished 2",
    ):
        assert needle in html, needle


def test_url_variants(demo_site):
    variants = demo_site.expected["url_variants"]
    canonical = next(url for url, v in variants.items() if any("amp/" in x for x in v))
    for variant in variants[canonical]:
        status, headers, body = fetch(variant)
        if "share=" in variant:
            assert status == 302 and not headers["Location"].startswith("http://127.")
        else:
            assert status == 200 and f'rel="canonical" href="{canonical}"' in body.decode(), variant


def test_bad_pages(demo_site):
    bad = {kind: url for url, kind in demo_site.expected["citynews"]["bad_pages"].items()}
    assert fetch(bad["500"])[0] == 500
    assert fetch(bad["404"])[0] == 404
    status, headers, body = fetch(bad["wrong-charset"])
    assert "utf-8" in headers["Content-Type"].lower()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "Café Renée" in body.decode("cp1252")
    status, headers, _ = fetch(bad["huge"], method="HEAD")
    assert status == 200 and int(headers["Content-Length"]) >= 10_000_000
    start = time.monotonic()
    status, _, body = fetch(bad["slow"])
    assert status == 200 and body.endswith(b"</html>")
    assert time.monotonic() - start >= 0.8  # the fixture uses slow_seconds=1.0
    assert fetch(bad["malformed"])[0] == 200


def test_update_article_changes_text_and_validators(fresh_demo_site):
    url = fresh_demo_site.expected["updated_article"]
    _, before, old = fetch(url)
    fresh_demo_site.update_article()
    status, after, new = fetch(url)
    assert status == 200 and new != old
    assert after["ETag"] != before["ETag"] and after["Last-Modified"] != before["Last-Modified"]
    assert fetch(url, {"If-None-Match": before["ETag"]})[0] == 200
    assert "60 firefighters" in new.decode() and "45 firefighters" in old.decode()
    assert fresh_demo_site.expected["metadata"][url]["modified"] > fresh_demo_site.expected["metadata"][url]["published"]


def test_request_log_records_every_request(fresh_demo_site):
    fresh_demo_site.clear_log()
    fetch(fresh_demo_site.url("wpnews", "/robots.txt"))
    fetch(fresh_demo_site.url("wpnews", "/no-such-page/"))
    _, headers, _ = fetch(fresh_demo_site.url("wpnews", "/feed/"))
    fetch(fresh_demo_site.url("wpnews", "/feed/"), {"If-None-Match": headers["ETag"]})
    log = fresh_demo_site.request_log
    assert [(r.site, r.path, r.status) for r in log] == [
        ("wpnews", "/robots.txt", 200),
        ("wpnews", "/no-such-page/", 404),
        ("wpnews", "/feed/", 200),
        ("wpnews", "/feed/", 304),
    ]
    assert log[-1].headers["if-none-match"] == headers["ETag"]
    assert all(r.started <= r.time for r in log)
    assert log[0].started <= log[-1].started


# -- the traps source ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def trap_site():
    """A private demo site with short waits and small bombs, so the trap checks stay fast."""
    from infra.demo_site import DemoSite

    site = DemoSite(retry_after=1, drip_seconds=30, bomb_inflated_bytes=64 * 1024 * 1024).start()
    try:
        yield site
    finally:
        site.stop()


def test_trap_truth_covers_every_reason(trap_site):
    truth = trap_site.expected["traps"]
    reasons = {case["reason"] for case in truth["cases"].values()}
    assert reasons >= {"size-limit", "timeout", "trap", "robots-denied", "retry-after-wait", "soft-404", "not-article", "bad-encoding", "bad-feed"}
    assert len(truth["articles"]) >= 5
    assert not set(truth["junk"]) & set(truth["articles"])
    for url in truth["junk"]:
        assert any(re.match(p, url) for p in truth["junk_patterns"]) or url in truth["junk"]


def test_trap_robots_has_crawl_delay_and_disallow(trap_site):
    parser = urllib.robotparser.RobotFileParser(trap_site.url("traps", "/robots.txt"))
    parser.read()
    assert parser.crawl_delay("newsarchive") == 1
    for url in trap_site.expected["traps"]["disallowed"]:
        assert not parser.can_fetch("newsarchive", url)


def test_endless_families_keep_linking_onwards(trap_site):
    cases = trap_site.expected["traps"]["cases"]
    body = fetch(cases["calendar"]["url"])[2].decode()
    assert 'href="/calendar/2026/12/"' in body
    assert 'href="/calendar/2100/02/"' in fetch(trap_site.url("traps", "/calendar/2100/01/"))[2].decode()
    assert 'href="/archive/?page=1001"' in fetch(trap_site.url("traps", "/archive/?page=1000"))[2].decode()
    assert 'href="/a/1/2/3/4/"' in fetch(trap_site.url("traps", "/a/1/2/3/"))[2].decode()
    hops, url = 0, cases["redirect-chain"]["url"]
    while True:
        status, headers, _ = fetch(url)
        if status != 302:
            break
        hops += 1
        url = trap_site.url("traps", headers["Location"])
    assert hops >= 10 and status == 200


def test_sitemaps_loop_and_hide(trap_site):
    cases = trap_site.expected["traps"]["cases"]
    loop = cases["sitemap-loop"]["url"]
    assert loop in _xml_locs(fetch(loop)[2])
    hidden = _xml_locs(fetch(cases["hidden-sitemap"]["url"])[2])
    assert hidden == [cases["hidden-sitemap-article"]["url"]]
    _, _, home = fetch(trap_site.url("traps", "/"))
    assert 'href="/hidden-sitemap.xml"' in home.decode()
    assert cases["hidden-sitemap-article"]["url"].removeprefix(trap_site.sites["traps"]) not in home.decode()


def test_gzip_bombs_inflate_far_beyond_their_size(trap_site):
    import zlib

    cases = trap_site.expected["traps"]["cases"]
    for name in ("gzip-bomb", "sitemap-bomb"):
        _, headers, body = fetch(cases[name]["url"])
        inflater = zlib.decompressobj(31)
        total = len(inflater.decompress(body, 0))
        assert total >= 64 * 1024 * 1024 and total > 100 * len(body), name
    assert fetch(cases["gzip-bomb"]["url"])[1]["Content-Encoding"] == "gzip"


def test_drip_is_cut_by_a_client_timeout(trap_site):
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(trap_site.expected["traps"]["cases"]["slow-drip"]["url"])
    data = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=3) as sock:
        sock.sendall(f"GET {parts.path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
        sock.settimeout(0.2)
        start = time.monotonic()
        while time.monotonic() - start < 2.5:
            try:
                data += sock.recv(4096)
            except TimeoutError:
                pass
    head, _, body = data.partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0]
    length = int(re.search(rb"Content-Length: (\d+)", head)[1])
    assert length > len(body) and body.count(b".") <= 3  # one byte a second, far from done


def test_retry_after_pages_serve_the_article_after_waiting(trap_site):
    cases = trap_site.expected["traps"]["cases"]
    status, headers, _ = fetch(cases["retry-after-429"]["url"])
    assert status == 429 and headers["Retry-After"] == "1"
    status, headers, _ = fetch(cases["retry-after-503"]["url"])
    from email.utils import parsedate_to_datetime

    assert status == 503 and parsedate_to_datetime(headers["Retry-After"]).tzinfo is not None
    time.sleep(2.1)
    for name in ("retry-after-429", "retry-after-503"):
        status, _, body = fetch(cases[name]["url"])
        assert status == 200 and is_article_markup(body), name


def test_junk_bodies_and_encodings(trap_site):
    truth = trap_site.expected["traps"]
    cases = truth["cases"]
    status, _, body = fetch(cases["soft-404"]["url"])
    assert status == 200 and b"Sorry, the page you are looking for does not exist" in body and is_article_markup(body)
    assert fetch(cases["empty-body"]["url"])[2] == b""
    assert len(fetch(cases["tiny-body"]["url"])[2]) < 100
    status, headers, body = fetch(cases["binary-body"]["url"])
    assert headers["Content-Type"].startswith("text/html")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    url = cases["cp1252-declared-utf8"]["url"]
    text = fetch(url)[2].decode("cp1252")
    assert all(word in text for word in trap_site.expected["encoding_checks"][url])
    status, headers, _ = fetch(cases["unknown-charset"]["url"])
    assert status == 200 and "x-valley-1911" in headers["Content-Type"]
    feed = fetch(cases["entity-bomb-feed"]["url"])[2]
    assert feed.count(b"<!ENTITY") == 10
    from lxml import etree

    safe = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    start = time.monotonic()
    try:
        etree.fromstring(feed, safe)
    except etree.XMLSyntaxError as exc:  # libxml2's amplification guard: the feed is refused, quickly
        assert "amplification" in str(exc) or "entity" in str(exc).lower()
    assert time.monotonic() - start < 2
    assert fetch(cases["deep-nesting"]["url"])[2].count(b"<div>") == 5000
    assert fetch(cases["wp-comments-post"]["url"])[0] == 405
    status, headers, _ = fetch(cases["share"]["url"])
    assert status == 302 and headers["Location"].startswith("https://")


def test_text_and_comment_truth_match_the_pages(demo_site):
    import html as htmllib

    expected = demo_site.expected
    for url in expected["wpcom"]["articles"] + expected["wpnews"]["articles"]:
        page = htmllib.unescape(fetch(url)[2].decode())
        for paragraph in expected["texts"][url].split("\n\n"):
            assert paragraph in page, (url, paragraph[:40])
        for comment in expected["comments"].get(url, []):
            assert comment["text"] in page, (url, comment["author"])
    assert any("wpdcom" in fetch(url)[2].decode() for url in expected["comments"])


def test_command_line_serves_and_writes_sources(tmp_path):
    import signal
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    target = tmp_path / "sources.yaml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.demo_site", "--port-base", "0", "--write-sources", str(target)],
        cwd=repo,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not target.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        config = parse_sources(yaml.safe_load(target.read_text()), str(target))
        home = config.get("wpnews").start_urls[0]
        assert home.startswith("http://127.0.0.1:")
        assert fetch(home)[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "demo site wpcom" in err
