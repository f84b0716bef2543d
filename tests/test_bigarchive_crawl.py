"""A news site built like the real ones (demo source ``bigarchive``): a 60,000-URL date-archive
sitemap with lastmods years in the future, a date-archive calendar, endless pagination, a feed and
a posts sitemap with 20 articles, robots.txt ``Crawl-delay: 1``; ``sources.yaml`` sets no limits.

Crawled by ``python -m spiders.run`` into the real SeaweedFS over real HTTP on 127.0.0.1, twice:
the first run must archive every article, no archive page, finish on its own within
:data:`WALL_BOUND` with peak RSS under 300 MiB for the crawl and its worker processes together
(each one's peak, summed) and under 200 MiB for the crawl process itself, open no listening socket and write nothing outside
its run; after one new article appears in the feed, the second run must fetch it before any
listing page (the demo server's request log order).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from crawl_process import crawl_env, private_demo_site, run_crawl

from pipelines.storage import Storage
from pipelines.urls import canonicalize_url

pytestmark = pytest.mark.integration

WALL_BOUND = 120.0  # seconds: ~50 requests at Crawl-delay 1 s (+0.1 s margin), start-up and upload
RSS_BOUND_MIB = 200  # the crawl process
RSS_WITH_WORKERS_BOUND_MIB = 300  # the crawl and its worker processes: each one's peak, summed
RUN_IDS = ("20261130T010000Z-b16a01", "20261130T020000Z-b16a02")


@pytest.fixture(scope="module")
def site() -> Any:
    """Its own demo site: the second run publishes an article on it."""
    with private_demo_site(big_archive=True) as demo:
        yield demo


@pytest.fixture(scope="module")
def runs(site: Any, s3_server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = s3_server.settings(bucket="bigarchive-" + os.urandom(3).hex())
    storage = Storage(settings)
    storage.ensure_bucket()
    sources = site.write_sources(tmp_path_factory.mktemp("bigarchive") / "sources.yaml", traps_enabled=True)
    home = tmp_path_factory.mktemp("home")  # the user's profile: a crawl must leave it untouched
    env = crawl_env(settings.to_env(), HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"), XDG_STATE_HOME=str(home / ".local/state"))
    out: dict[str, Any] = {"storage": storage, "home": home}
    for n, rid in enumerate(RUN_IDS):
        if n == 1:
            out["new_article"] = site.site("bigarchive").publish()
        start = len(site.request_log)
        proc = run_crawl(["--sources", str(sources), "--run-id", rid, "--allow-loopback", "bigarchive"], env, limit=WALL_BOUND + 120)
        assert proc.returncode == 0, f"run {n + 1} failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
        body = storage.get_bytes(f"staging/{rid}/bigarchive/records.jsonl").decode("utf-8")
        out[rid] = {
            "proc": proc,
            "summary": storage.get_json(f"staging/{rid}/bigarchive/summary.json"),
            "records": [json.loads(line) for line in body.splitlines() if line.strip()],
            "log": [r for r in site.request_log[start:] if r.site == "bigarchive"],
        }
    return out


def test_first_run_finishes_on_its_own_within_bounds(runs: dict[str, Any]) -> None:
    first = runs[RUN_IDS[0]]
    proc, summary = first["proc"], first["summary"]
    print(f"bigarchive: {proc.elapsed:.1f} s, peak RSS {proc.peak_mib:.0f} MiB (with workers {proc.peak_tree_mib:.0f}), {len(first['log'])} requests")
    assert summary["finish_reason"] == "finished" and summary["complete"], summary["finish_reason"]
    assert proc.elapsed < WALL_BOUND, f"took {proc.elapsed:.0f} s"
    assert 0 < proc.peak_mib < RSS_BOUND_MIB, f"peak RSS {proc.peak_mib:.0f} MiB"
    # with its extraction and WARC worker processes (two more interpreters: ~64 and ~40 MiB at their peaks)
    assert proc.peak_tree_mib < RSS_WITH_WORKERS_BOUND_MIB, f"peak RSS {proc.peak_tree_mib:.0f} MiB with workers"


def test_every_article_archived_and_no_archive_page(runs: dict[str, Any], site: Any) -> None:
    truth = site.expected["bigarchive"]
    staged = {canonicalize_url(r["url"]) for r in runs[RUN_IDS[0]]["records"]}
    assert {canonicalize_url(u) for u in truth["articles"][-20:]} <= staged
    archive = re.compile(truth["archive_pattern"])
    assert not [u for u in staged if archive.search(u)]


def test_summary_says_what_was_left_behind_and_why(runs: dict[str, Any]) -> None:
    left = runs[RUN_IDS[0]]["summary"]["left_behind"]
    assert left.get("sitemap-protocol-limit") == 10_000  # 60,000 listed, the protocol's 50,000 read
    # the archive sitemap's entries share one pattern (/archive/N/N/N/): its cap leaves the rest behind
    assert left.get("pattern-cap", 0) > 49_000, left
    assert not left.get("run-budget") and not left.get("run-time"), left
    examples = runs[RUN_IDS[0]]["summary"]["left_behind_examples"]
    assert all("/archive/" in u for u in examples.get("pattern-cap", [])), examples


def test_articles_are_fetched_before_archive_pages(runs: dict[str, Any], site: Any) -> None:
    log = runs[RUN_IDS[0]]["log"]
    article_paths = {urlsplit(u).path for u in site.expected["bigarchive"]["articles"]}
    order = [r.path for r in log if r.status != 304]
    last_article = max(i for i, p in enumerate(order) if p in article_paths)
    first_archive = min(i for i, p in enumerate(order) if p.startswith("/archive/"))
    assert last_article < first_archive, order[: last_article + 1]


def test_crawl_opens_no_listening_socket_and_leaves_home_alone(runs: dict[str, Any]) -> None:
    for rid in RUN_IDS:
        assert runs[rid]["proc"].listening == [], runs[rid]["proc"].listening
    written = [str(p) for p in Path(runs["home"]).rglob("*")]
    assert written == [], written


def test_second_run_fetches_the_new_article_before_any_listing_page(runs: dict[str, Any]) -> None:
    second = runs[RUN_IDS[1]]
    new_path = urlsplit(runs["new_article"]).path
    paths = [r.path for r in second["log"]]
    assert new_path in paths, paths
    listings = [i for i, p in enumerate(paths) if p == "/" or p.startswith(("/archive/", "/page/"))]
    assert paths.index(new_path) < min(listings, default=len(paths)), paths[: paths.index(new_path) + 1]
    staged = [r["url"] for r in second["records"]]
    assert canonicalize_url(runs["new_article"]) in {canonicalize_url(u) for u in staged}
