"""Processing a staged run end to end against real SeaweedFS (and the demo site for acceptance)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.archive import pointer_key, revision_key
from pipelines.config import parse_sources
from pipelines.models import Article
from pipelines.jobs.process import NoStagedRun, process_run

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
WHEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

STORY = [
    "The city council voted on Tuesday to approve a new budget for public transport, after months of debate "
    "between the mayor and the opposition over fares, bus routes and the cost of repairing the old tram depot.",
    "Under the plan, the transit authority will receive an extra 12 million over three years, most of it for new "
    "electric buses and for longer evening service on the routes that serve the hospital and the university.",
    "Councillors who voted against the budget said the city could not afford the spending while road repairs "
    "were still behind schedule, and warned that fares might have to rise again before the next election.",
    "The mayor said the investment would pay for itself through lower fuel costs and more riders, and promised a "
    "public report on the first year of the programme, including ridership figures for every route in the network.",
    "Residents at the meeting were divided. Some welcomed the promise of later buses, while shop owners on the "
    "main street asked for the works on the depot to be scheduled outside the busy holiday season.",
]
OTHER = [
    "Riverside beat Harbour City 2-1 on Saturday thanks to a late goal from striker Maria Lopez, keeping their hopes "
    "of a top-four finish in the league alive after a difficult run of results in the autumn.",
    "The home side started brightly and hit the post before the visitors took the lead against the run of play. "
    "Lopez equalised after half-time with a header and scored the winner in the 88th minute of the match.",
    "The coach praised his players and said the club would now focus on the cup tie next week against Ashford, "
    "who have not lost a game at home since the start of the season in August.",
]


def article(url: str, paras: list[str], **kw: object) -> Article:
    return Article(url=url, title=kw.pop("title", "Council approves transit budget"), text="\n".join(paras),
                   published=WHEN, **kw)  # type: ignore[arg-type]


def stage(storage, run_id: str, source: str, lines: list[str]) -> None:
    storage.put_bytes(f"staging/{run_id}/{source}/records.jsonl", ("\n".join(lines) + "\n").encode(),
                      content_type="application/x-ndjson")


SOURCES = parse_sources({"sources": [
    {"id": "herald", "start_urls": ["https://herald.example/"], "tags": ["Local"]},
    {"id": "wire", "start_urls": ["https://wire.example/"], "cleaning": {"min_words": 10}},
]})


def snapshot(storage) -> dict[str, str]:
    """Every object's ETag, except the run reports (which record timings)."""
    return {k: storage.head(k).etag for k in storage.list_keys("") if not k.startswith("_state/runs/")}


def test_process_run_archives_dedups_tags_and_reports(storage) -> None:
    original = article("https://herald.example/2026/11/20/transit-budget/", STORY, categories=["Local Politics"])
    stage(storage, "20261120T093000Z-aaaaaa", "herald", [
        original.to_json(),
        article("https://herald.example/2026/11/20/transit-budget/?utm_source=newsletter", STORY).to_json(),
        article("https://herald.example/sport/riverside-win/", OTHER, title="Riverside edge Harbour City").to_json(),
        article("https://herald.example/tag/council/", ["Tag: council"], title="Council archive").to_json(),
        "{this is not json",
        json.dumps({"url": "https://herald.example/x", "published": "2026-11-20T09:30:00"}),  # naive datetime
    ])
    stage(storage, "20261120T093000Z-aaaaaa", "wire", [
        article("https://wire.example/council-budget", ["CITY (Wire) — " + STORY[0], *STORY[1:4], "Distributed by Wire."],
                title="Transit budget passes").to_json(),
    ])

    report = process_run(storage, None, SOURCES)  # None: the newest staged run

    assert report.run_id == "20261120T093000Z-aaaaaa"
    assert report.records == 7
    assert report.failed == 2 and len(report.failures) == 2
    assert dict(report.rejected) == {"too-short": 1}
    assert dict(report.dedup) == {"new": 2, "same-url": 1, "near-duplicate": 1}
    assert report.archive["written"] == 2 and report.archive["duplicate"] == 2
    as_dict = json.loads(json.dumps(report.to_dict()))
    assert as_dict["dedup"]["new"] == 2 and "too-short" in str(report)
    assert storage.get_json("_state/runs/20261120T093000Z-aaaaaa/process.json")["records"] == 7

    pointer = storage.get_json(pointer_key(str(original.id)))
    assert pointer["key"].startswith("articles/herald/2026/11/20/council-approves-transit-budget-")
    stored = storage.get_json(pointer["key"])
    assert stored["language"] == "en" and stored["keywords"] and "politics" in stored["topics"]
    assert stored["categories"] == ["local-politics"] and stored["source_tags"] == ["local"]
    assert set(stored["aliases"]) == {
        "https://herald.example/2026/11/20/transit-budget/?utm_source=newsletter", "https://wire.example/council-budget"}
    assert storage.head(pointer["key"]).metadata["language"] == "en"
    duplicates = list(storage.list_keys(f"_state/duplicates/{original.id}/"))
    assert len(duplicates) == 2
    wire_copy = next(storage.get_json(k) for k in duplicates if "wire" in storage.get_json(k)["url"])
    assert wire_copy["duplicate_kind"] == "near-duplicate" and wire_copy["similarity"] >= 0.8
    assert wire_copy["text"].startswith("CITY (Wire)")  # the duplicate is kept whole

    before = snapshot(storage)
    again = process_run(storage, "20261120T093000Z-aaaaaa", SOURCES)
    assert snapshot(storage) == before, "re-processing a run must change nothing"
    assert again.dedup["new"] == 0 and again.dedup["unchanged"] == 2


def test_updated_article_is_a_revision_and_old_runs_stay_processed(storage) -> None:
    url = "https://herald.example/2026/11/20/transit-budget/"
    v1 = article(url, STORY)
    v2 = article(url, [*STORY[:2], "Correction: the extra funding is 14 million, not 12 million as first reported.",
                       *STORY[2:]], modified=datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
    stage(storage, "run-1", "herald", [v1.to_json()])
    stage(storage, "run-2", "herald", [v2.to_json()])
    assert process_run(storage, "run-1", SOURCES).dedup == {"new": 1}
    second = process_run(storage, "run-2", SOURCES)
    assert second.dedup == {"revision": 1} and second.archive == {"revised": 1}

    pointer = storage.get_json(pointer_key(str(v1.id)))
    latest = storage.get_json(pointer["key"])
    assert latest["revision"] == 2 and "Correction" in latest["text"]
    earlier = storage.get_json(revision_key(str(v1.id), pointer_content_hash(storage, "run-1", v1)))
    assert earlier["revision"] == 1 and "Correction" not in earlier["text"]
    assert len([k for k in storage.list_keys("articles/") if k.endswith(".json")]) == 1

    before = snapshot(storage)
    process_run(storage, "run-1", SOURCES)
    process_run(storage, "run-2", SOURCES)
    assert snapshot(storage) == before


def pointer_content_hash(storage, run_id: str, record: Article) -> str:
    from pipelines.text import content_hash

    return content_hash(record.text)


def test_missing_run_is_one_clear_error(storage) -> None:
    with pytest.raises(NoStagedRun, match="crawl first"):
        process_run(storage, None, SOURCES)
    with pytest.raises(NoStagedRun, match="nope"):
        process_run(storage, "nope", SOURCES)


# --------------------------------------------------------------------------- demo site acceptance


def _crawl_demo(site, s3_settings, tmp_path: Path, run_id: str) -> str:
    """Crawl the demo sites with the project's crawler (``python -m spiders.run``) into the bucket."""
    sources_file = site.write_sources(tmp_path / "sources.yaml")
    env = {**os.environ, **s3_settings.to_env()}
    cmd = [sys.executable, "-m", "spiders.run", "--sources", str(sources_file), "--run-id", run_id,
           "--allow-loopback", "wpcom", "wpnews", "citynews"]
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"crawl failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return run_id


def _stage_by_extracting(site, storage, run_id: str) -> None:
    """Fallback when the crawler is not usable: fetch each demo article (and its URL variants) and
    extract it with the same extractor the crawler uses."""
    from pipelines.extract import extract

    per_source: dict[str, list[str]] = {}
    expected = site.expected
    urls = [(u, u) for u in expected["topics"]]
    urls += [(v, canonical) for canonical, variants in expected["url_variants"].items() for v in variants if "share=" not in v]
    for url, _canonical in urls:
        source = next(name for name, base in site.sites.items() if url.startswith(base))
        if source == "traps":
            continue
        with urllib.request.urlopen(url, timeout=30) as response:
            html = response.read().decode("utf-8", "replace")
        record = extract(html, url)
        if record is None:
            continue
        record.source = source
        per_source.setdefault(source, []).append(record.to_json())
    for source, lines in per_source.items():
        stage(storage, run_id, source, lines)


def test_demo_site_acceptance(fresh_demo_site, public_s3_settings, dump_dom, tmp_path: Path) -> None:
    from pipelines.storage import Storage

    s3_settings = public_s3_settings  # browse/ and articles/ readable without credentials, as in the local stack
    storage = Storage(s3_settings)
    site = fresh_demo_site
    expected = site.expected
    sources = parse_sources(__import__("yaml").safe_load(site.sources_yaml()))
    use_crawler = os.environ.get("NEWSARCHIVE_TEST_CRAWL", "1") != "0" and (REPO / "spiders" / "run.py").exists()
    if use_crawler:
        first_run = _crawl_demo(site, s3_settings, tmp_path, "20261126T000000Z-000001")
    else:
        first_run = "demo-1"
        _stage_by_extracting(site, storage, first_run)
    report = process_run(storage, first_run, sources)
    assert report.failed == 0, report.failures

    def archived(url: str) -> dict:
        from pipelines.dedup import url_key  # noqa: F401 - the same id rule as the archive

        rec = Article(url=url)
        return storage.get_json(storage.get_json(pointer_key(str(rec.id)))["key"])

    # the syndicated pair: the later one is a near-duplicate of the other, kept as an alias
    first, second = expected["syndicated_pair"]
    duplicates = [storage.get_json(k) for k in storage.list_keys("_state/duplicates/")]
    pair = [d for d in duplicates if d["url"] in (first, second) and d["duplicate_kind"] == "near-duplicate"]
    assert len(pair) == 1, [d["url"] for d in duplicates]
    kept = first if pair[0]["url"] == second else second
    assert pair[0]["url"] in archived(kept)["aliases"]

    # URL variants collapse to one article
    for canonical, variants in expected["url_variants"].items():
        doc = archived(canonical)
        fetched = [v for v in variants if any(d["url"] == v for d in duplicates)]
        assert set(fetched) <= set(doc["aliases"])
    assert len({k for k in storage.list_keys("articles/") if k.endswith(".json")}) == len(
        [u for u in expected["topics"] if not u.startswith(site.sites.get("traps", "-"))]) - 1  # minus the syndicated copy

    # every article has language and keywords, and the expected topics
    for url, topics in expected["topics"].items():
        if url.startswith(site.sites.get("traps", "-")) or url == (second if kept == first else first):
            continue
        doc = archived(url)
        assert doc["language"] and doc["keywords"], url
        assert set(topics) <= set(doc["topics"]), (url, doc["topics"])
        truth = expected["metadata"].get(url, {})
        if truth.get("tags"):  # the page's own WordPress tags are kept (normalised)
            from pipelines.tag import normalize_tags

            assert set(normalize_tags(truth["tags"])) <= set(doc["tags"]), url

    check_bucket_as_a_person_and_a_program_see_it(storage, s3_settings, report, first_run, dump_dom,
                                                  sources=["wpcom", "wpnews", "citynews"] if use_crawler else [])

    # re-processing the same run changes nothing
    before = snapshot(storage)
    process_run(storage, first_run, sources)
    assert snapshot(storage) == before

    # the updated article: a second run yields a second revision
    updated_url = expected["updated_article"]
    site.update_article()
    if use_crawler:
        second_run = _crawl_demo(site, s3_settings, tmp_path, "20261126T010000Z-000002")
    else:
        second_run = "demo-2"
        _stage_by_extracting(site, storage, second_run)
    process_run(storage, second_run, sources)
    doc = archived(updated_url)
    assert doc["revision"] == 2
    assert len(list(storage.list_keys(f"revisions/{doc['id']}/"))) == 1


def check_bucket_as_a_person_and_a_program_see_it(storage, s3_settings, report, run_id: str, dump_dom,
                                                  sources: list[str]) -> None:
    """Issue 15's acceptance: reader views, raw WARC, a manifest DuckDB counts, browse pages a
    browser follows from the index to an article."""
    import lxml.html
    from urllib.parse import urljoin

    from pipelines import layout
    from pipelines.archive.manifests import duckdb_connect

    keys = list(storage.list_keys(""))
    json_keys = {k for k in keys if k.startswith(layout.ARTICLES) and k.endswith(".json")}
    views = {k for k in keys if k.startswith(layout.ARTICLES) and k.endswith(".html")}
    assert json_keys and views == {layout.reader_view_key(k) for k in json_keys}  # one reader view per article
    for source in sources:  # the raw WARC of each source, moved out of staging
        assert any(k.startswith(f"{layout.RAW}{source}/") and k.endswith(f"/{run_id}.warc.gz") for k in keys), source
        assert layout.staged_key(run_id, source, layout.WARC_FILE) not in keys
    archived = sum(report.archive.values())
    con = duckdb_connect(s3_settings)
    assert con.execute("select count(*) from manifests where run_id = ?", [run_id]).fetchall()[0][0] == archived
    assert con.execute("select count(*) from manifests where duplicate_of is not null").fetchall()[0][0] >= 1
    assert layout.browse_index_key() in keys

    # a browser opens the index from the S3 endpoint and follows links down to an article
    index_url = f"{s3_settings.endpoint_url}/{s3_settings.bucket}/{layout.browse_index_key()}"
    index = lxml.html.fromstring(dump_dom(index_url))
    day_href = next(a.get("href") for a in index.iter("a") if (a.get("href") or "").startswith("days/"))
    day_url = urljoin(index_url, day_href)
    day = lxml.html.fromstring(dump_dom(day_url))
    link = next(a for a in day.iter("a") if (a.get("href") or "").endswith(".html") and "articles/" in a.get("href"))
    article = lxml.html.fromstring(dump_dom(urljoin(day_url, link.get("href"))))
    assert article.findtext(".//h1") == link.text_content() and article.findtext(".//h1")
    assert article.xpath("//main/p"), "the reader view shows the text as paragraphs"
