"""The trap crawl: the demo site's ``traps`` source (one case of every crawler trap next to ten good
articles) crawled by ``python -m spiders.run`` into the real SeaweedFS, over real HTTP on 127.0.0.1.

Asserted from what a user can see: the run finishes on its own within :data:`WALL_BOUND` seconds
with peak RSS under 300 MiB, stages exactly the good articles, none of the junk, and names every
trap in the run summary; and, from the demo server's request log, that it was polite (Crawl-delay
between any two requests, Retry-After waited out, nothing robots.txt forbids, no comment/share
variant fetched). The only traffic is to 127.0.0.1 (the source's allow rules keep it on the site).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from pipelines.storage import ObjectNotFound, Storage
from pipelines.urls import canonicalize_url
from crawl_process import crawl_env, private_demo_site, run_crawl

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
RUN_ID = "20260102T030000Z-7a3b00"
WALL_BOUND = 120.0  # seconds: ~45 requests at Crawl-delay 1 s, plus the 10 s drip cut and 5 s waits
RSS_BOUND_MIB = 300
DOWNLOAD_TIMEOUT = 10  # cuts the 120 s drip page (the default 30 s works too, only slower)

# Trap case (demo truth name) -> the outcome key the crawl reports for it.
EXPECTED_OUTCOME = {
    "robots-disallow": "robots-denied",
    "calendar": "trap/calendar",
    "pagination": "trap/pagination",
    "path-counter": "trap/growing-path",
    "sitemap-loop": "trap/self-reference",
    "gzip-bomb": "size-limit/decompressed",
    "sitemap-bomb": "size-limit/decompressed-file",
    "slow-drip": "timeout/slow-body",
    "redirect-chain": "trap/redirect-chain",
    "retry-after-429": "retry-after-wait/429",
    "retry-after-503": "retry-after-wait/503",
    "soft-404": "soft-404",
    "empty-body": "not-article/empty",
    "tiny-body": "not-article/tiny-body",
    "binary-body": "bad-encoding/binary-as-html",
    "cp1252-declared-utf8": "bad-encoding/declared-utf-8-is-cp1252",
    "unknown-charset": "bad-encoding/unknown-charset",
    "entity-bomb-feed": "failed/bad-feed",
    "deep-nesting": "not-article/too-deep",
    "replytocom": "trap/wp-replytocom",
    "share": "trap/wp-share",
    "comment-page": "trap/wp-comment-page",
    "post-feed": "trap/wp-feed-variant",
    "amp": "trap/wp-amp",
    "wp-comments-post": "trap/wp-comments-post",
    "wp-login": "trap/wp-login",
}


@pytest.fixture(scope="module")
def trap_site() -> Any:
    """A demo site of this module's own: the trap site keeps state (the 429/503 pages answer 200
    once their wait is over), so a shared one could already have been drained by another test."""
    with private_demo_site(slow_seconds=1.0) as site:
        yield site


@pytest.fixture(scope="module")
def trap_crawl(trap_site: Any, s3_server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the crawl once for every assertion below; return what it left behind."""
    demo_site = trap_site
    settings = s3_server.settings(bucket="trap-crawl-" + os.urandom(3).hex())
    storage = Storage(settings)
    storage.ensure_bucket()
    sources = demo_site.write_sources(tmp_path_factory.mktemp("traps") / "sources.yaml", traps_enabled=True)
    args = ["--sources", str(sources), "--run-id", RUN_ID, "--allow-loopback", "-s", f"DOWNLOAD_TIMEOUT={DOWNLOAD_TIMEOUT}", "traps"]
    log_start = len(demo_site.request_log)
    proc = run_crawl(args, crawl_env(settings.to_env()), limit=WALL_BOUND + 60)
    if proc.returncode is None or proc.elapsed > WALL_BOUND + 60:
        pytest.fail(f"the trap crawl did not finish on its own within {WALL_BOUND + 60:.0f} s")
    elapsed = proc.elapsed
    peak_kib = proc.peak_mib * 1024
    stdout, stderr = proc.stdout, proc.stderr
    assert proc.returncode == 0, f"crawl failed ({proc.returncode}):\n{stderr[-4000:]}"
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert lines, f"no summary on stdout; stderr:\n{stderr[-3000:]}"
    try:
        records_body = storage.get_bytes(f"staging/{RUN_ID}/traps/records.jsonl")
    except ObjectNotFound:
        records_body = b""
    records = [json.loads(line) for line in records_body.decode("utf-8").splitlines() if line.strip()]
    return {
        "run": json.loads(lines[-1]),
        "summary": storage.get_json(f"staging/{RUN_ID}/traps/summary.json"),
        "records": records,
        "elapsed": elapsed,
        "peak_mib": peak_kib / 1024,
        "log": [r for r in demo_site.request_log[log_start:] if r.site == "traps"],
        "truth": demo_site.expected["traps"],
        "stderr": stderr,
    }


def test_finishes_on_its_own_within_bounds(trap_crawl: dict[str, Any]) -> None:
    summary = trap_crawl["summary"]
    print(f"trap crawl: {trap_crawl['elapsed']:.1f} s, peak RSS {trap_crawl['peak_mib']:.0f} MiB, {len(trap_crawl['log'])} requests")
    assert summary["finish_reason"] == "finished", summary["finish_reason"]
    assert trap_crawl["elapsed"] < WALL_BOUND, f"took {trap_crawl['elapsed']:.0f} s"
    assert 0 < trap_crawl["peak_mib"] < RSS_BOUND_MIB, f"peak RSS {trap_crawl['peak_mib']:.0f} MiB"


def test_archives_exactly_the_good_articles(trap_crawl: dict[str, Any]) -> None:
    truth = trap_crawl["truth"]
    staged = [r["url"] for r in trap_crawl["records"]]
    assert len(staged) == len(truth["articles"]), sorted(staged)
    assert {canonicalize_url(u) for u in staged} == {canonicalize_url(u) for u in truth["articles"]}
    junk_patterns = [re.compile(p) for p in truth["junk_patterns"]]
    for url in staged:
        assert url not in truth["junk"], url
        assert not any(p.search(url) for p in junk_patterns), url


def test_cp1252_article_is_decoded_right(trap_crawl: dict[str, Any]) -> None:
    record = next(r for r in trap_crawl["records"] if r["url"] == trap_crawl["truth"]["cases"]["cp1252-declared-utf8"]["url"])
    text = json.dumps(record, ensure_ascii=False)
    assert "\ufffd" not in text


def test_every_trap_is_reported_with_its_reason(trap_crawl: dict[str, Any]) -> None:
    outcomes = trap_crawl["summary"]["outcomes"]
    cases = trap_crawl["truth"]["cases"]
    assert set(EXPECTED_OUTCOME) >= {name for name, case in cases.items() if case["reason"]}, "a new trap case needs an expected outcome"
    missing = {name: key for name, key in EXPECTED_OUTCOME.items() if name in cases and not outcomes.get(key)}
    assert not missing, f"not reported: {missing}; outcomes: {json.dumps(outcomes, indent=1)}"
    for name, case in cases.items():
        reason = case["reason"]
        if reason:  # the demo truth's reason is an outcome (or reason) the summary names
            assert any(k == reason or k.startswith(reason + "/") or k.endswith("/" + reason) for k in outcomes), (name, reason)


def test_no_two_requests_closer_than_crawl_delay(trap_crawl: dict[str, Any]) -> None:
    starts = sorted(r.started for r in trap_crawl["log"])
    assert len(starts) > 20
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    print(f"closest requests {min(gaps):.3f} s apart")
    assert min(gaps) >= trap_crawl["truth"]["crawl_delay"], f"closest requests {min(gaps):.3f} s apart"


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_waited_out_and_the_article_archived(trap_crawl: dict[str, Any], status: int) -> None:
    log = trap_crawl["log"]
    refused = [r for r in log if r.status == status]
    assert refused, f"no {status} was served"
    first = refused[0]
    later = [r for r in log if r.path == first.path and r.started > first.started]
    assert later, f"{first.path} was never retried"
    waited = later[0].started - first.started
    assert waited >= trap_crawl["truth"]["retry_after"] - 0.05, f"retried after {waited:.2f} s"
    assert later[-1].status == 200
    staged = {canonicalize_url(r["url"]) for r in trap_crawl["records"]}
    article = next(u for u in trap_crawl["truth"]["articles"] if urlsplit(u).path == first.path)
    assert canonicalize_url(article) in staged


def test_nothing_robots_forbids_and_no_variant_fetched(trap_crawl: dict[str, Any]) -> None:
    log = trap_crawl["log"]
    assert not [r.path for r in log if r.path.startswith("/members/")]
    variants = [r.path for r in log if {k for k, _ in parse_qsl(urlsplit(r.path).query)} & {"replytocom", "share"}]
    assert not variants
    per_article: dict[str, int] = {}
    for r in log:
        if r.status == 200:
            per_article[urlsplit(r.path).path] = per_article.get(urlsplit(r.path).path, 0) + 1
    for url in trap_crawl["truth"]["articles"]:
        assert per_article.get(urlsplit(url).path) == 1, url


def test_logs_are_info_and_carry_no_page_bodies(trap_crawl: dict[str, Any]) -> None:
    stderr = trap_crawl["stderr"]
    assert " DEBUG: " not in stderr
    assert "Letters to the editor are printed on Saturdays" not in stderr  # a body of the site
    assert "converted fire station on Elm Street" not in stderr


def test_a_run_limit_stops_the_crawl_cleanly_and_keeps_what_it_fetched(
    fresh_demo_site: Any, s3_server: Any, tmp_path: Path
) -> None:
    """A 20 s run cap on the trap site: the dripping page, a held Retry-After and the queue must
    not keep the crawl past it; the summary names the limit; staged articles stay staged."""
    settings = s3_server.settings(bucket="trap-limit-" + os.urandom(3).hex())
    storage = Storage(settings)
    storage.ensure_bucket()
    sources = fresh_demo_site.write_sources(tmp_path / "sources.yaml", traps_enabled=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSARCHIVE_", "AWS_"))}
    env.update(settings.to_env())
    env["PYTHONPATH"] = str(REPO)
    rid = "20260102T040000Z-7a3b01"
    cap = 20
    cmd = [
        sys.executable, "-m", "spiders.run", "--sources", str(sources), "--run-id", rid, "--allow-loopback",
        "-s", f"NEWSARCHIVE_MAX_RUN_SECONDS={cap}", "traps",
    ]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=cap + 60, check=False)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    # start-up and upload take a few seconds; the drip (120 s) and DOWNLOAD_TIMEOUT (30 s) must not count
    assert elapsed < cap + 12, f"took {elapsed:.1f} s with a {cap} s cap"
    summary = storage.get_json(f"staging/{rid}/traps/summary.json")
    assert summary["finish_reason"] == "closespider_timeout"
    assert summary["outcomes"].get("limit-hit/max_run_seconds") == 1
    assert "Limit max_run_seconds=" in proc.stderr  # one INFO line says which limit stopped it
    body = storage.get_bytes(f"staging/{rid}/traps/records.jsonl").decode("utf-8")
    staged = [json.loads(line)["url"] for line in body.splitlines() if line.strip()]
    assert summary["outcomes"].get("fetched", 0) > 0
    assert len(staged) == summary["outcomes"].get("extracted", 0), "an article extracted before the stop was lost"
    good = {canonicalize_url(u) for u in fresh_demo_site.expected["traps"]["articles"]}
    assert {canonicalize_url(u) for u in staged} <= good
