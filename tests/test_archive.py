"""The archive a user browses and queries: keys, reader views, raw WARC, manifests, browse pages, CLI."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines import layout
from pipelines.archive.archiver import archived_key, article_key
from pipelines.archive.reader import render_reader_view
from pipelines.config import parse_sources
from pipelines.jobs.process import ProcessConfig, process_run, unprocessed_runs
from pipelines.models import Article
from pipelines.storage import validate_key

REPO = Path(__file__).resolve().parents[1]
WHEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
RUN = "20261120T093000Z-abc123"
SOURCES = parse_sources({"sources": [{"id": "herald", "start_urls": ["https://herald.example/"]},
                                     {"id": "wire", "start_urls": ["https://wire.example/"]}]})

WORDS = ("council budget transit river harbour school hospital election museum library market bridge festival "
         "weather court police farmers union teachers energy housing park railway airport").split()


def story(n: int, paragraphs: int = 4) -> str:
    """A distinct, deterministic text of about 120 words per paragraph (no two stories alike)."""
    out = []
    for p in range(paragraphs):
        words = [WORDS[(n * 7 + p * 3 + i * (n % 5 + 1)) % len(WORDS)] for i in range(24)]
        out.append(f"Story {n} part {p}: " + " ".join(words) + f" number {n * 1000 + p}.")
        out.append(" ".join(f"w{n}x{p}x{i}" for i in range(40)))
    return "\n".join(out)


# --------------------------------------------------------------------------- keys (no server)

HOSTILE_URLS = [
    "https://ex.example/../../etc/passwd",
    "https://ex.example//double//slash//",
    "https://ex.example/" + "a" * 2000,
    "https://ex.example/\u0000\u0007ctl\r\n?x=1",
    "https://ex.example/%2e%2e/%2F%2F/",
    "https://例え.テスト/ニュース/記事?q=東京",
]
HOSTILE_TITLES = ["../../../etc/passwd", "//", "a/b\\c", "\u0000\u001f\u007f ctl", "Ñandú — 東京 🚀" * 50, "." , "..", ""]


@pytest.mark.parametrize("url", HOSTILE_URLS)
@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_urls_and_titles_give_safe_keys(url: str, title: str) -> None:
    record = Article(url=url, title=title, source="../" + title, published=WHEN, content_hash="ab" * 8)
    keys = [article_key(record), layout.reader_view_key(article_key(record)), layout.pointer_key(str(record.id)),
            layout.revision_key(str(record.id), "ab" * 8), layout.browse_tag_key(title or "x"),
            layout.browse_day_key(record.source or "", WHEN.date()), layout.raw_warc_key(record.source or "", WHEN, RUN)]
    record.duplicate_of = "f" * 16
    keys.append(archived_key(record))
    for key in keys:
        assert validate_key(key) == key
        assert re.fullmatch(r"[A-Za-z0-9_=./-]+", key), key
        assert len(key) <= 300 and "//" not in key and "/../" not in key and not key.startswith("/")


@pytest.mark.integration
def test_hostile_records_are_archived_under_safe_keys(storage) -> None:
    """End to end on the real server: every hostile URL/title pair archives, and every key is safe."""
    records = [Article(url=url, title=title, text=story(n), published=WHEN, source="../herald")
               for n, (url, title) in enumerate(zip(HOSTILE_URLS, HOSTILE_TITLES, strict=False))]
    storage.put_bytes(layout.staged_key(RUN, "herald", layout.RECORDS_FILE),
                      ("\n".join(r.to_json() for r in records) + "\n").encode())
    report = process_run(storage, RUN, SOURCES)
    assert report.failed == 0 and report.archive == {"written": len(records)}
    for key in storage.list_keys(""):
        assert re.fullmatch(r"[A-Za-z0-9_=./-]+", key) and "//" not in key and "/../" not in key, key


def test_reader_view_escapes_everything_and_forbids_scripts() -> None:
    record = Article(url="javascript:alert(1)", title="<script>alert('t')</script>",
                     text="Intro <img src=x onerror=alert(1)>\n<a href=\"javascript:x\" onclick=\"y()\">z</a>",
                     authors=["<b onmouseover=alert(2)>Eve</b>"], tags=["<svg onload=alert(3)>"], published=WHEN)
    html = render_reader_view(record, "articles/x/2026/11/20/t-abc.json").decode("utf-8")
    import lxml.html

    doc = lxml.html.fromstring(html)
    assert {e.tag for e in doc.iter()} & {"script", "img", "svg", "iframe", "object", "embed"} == set()
    assert not [a for e in doc.iter() for a in e.attrib if a.lower().startswith("on")], "an event handler survived"
    assert all(not e.get("href", "").lower().startswith("javascript") for e in doc.iter("a"))
    assert doc.findtext(".//h1") == "<script>alert('t')</script>"  # shown as text
    assert '<meta charset="utf-8">' in html
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in csp and "script-src" not in csp and "img-src 'none'" in csp


# --------------------------------------------------------------------------- a processed run (real server)


def _warc(records: list[tuple[str, bytes]]) -> tuple[bytes, list[str]]:
    """A gzipped WARC with one response record per (url, html); returns it and the record ids."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    ids = []
    for url, body in records:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers)
        writer.write_record(record)
        ids.append(record.rec_headers.get_header("WARC-Record-ID"))
    return out.getvalue(), ids


def stage_run(storage, run_id: str, numbers: list[int], source: str = "herald", *, warc: bool = True) -> list[Article]:
    records = [Article(url=f"https://{source}.example/2026/11/20/story-{n}/", title=f"Story number {n}",
                       text=story(n), published=WHEN, source=source, authors=["Ana Ruiz"],
                       categories=["Local News"] if n % 2 else ["Sport"], fetched_at=WHEN) for n in numbers]
    if warc:
        data, ids = _warc([(r.url, f"<html><title>{r.title}</title></html>".encode()) for r in records])
        for record, record_id in zip(records, ids, strict=True):
            record.warc_record_id = record_id
        storage.put_bytes(layout.staged_key(run_id, source, layout.WARC_FILE), data, content_type="application/warc")
    lines = "\n".join(r.to_json() for r in records) + "\n"
    storage.put_bytes(layout.staged_key(run_id, source, layout.RECORDS_FILE), lines.encode(), content_type="application/x-ndjson")
    return records


def snapshot(storage) -> dict[str, str]:
    """Every object's ETag, except the run reports (which record timings)."""
    return {k: storage.head(k).etag for k in storage.list_keys("") if not k.startswith(layout.RUNS)}


@pytest.mark.integration
def test_processed_run_has_reader_views_raw_warc_manifest_and_browse_pages(public_s3_settings) -> None:
    from pipelines.archive.manifests import duckdb_connect, read_manifest_rows
    from pipelines.archive.raw import read_warc_record
    from pipelines.storage import Storage

    s3_settings = public_s3_settings
    storage = Storage(s3_settings)
    staged = stage_run(storage, RUN, list(range(1, 9)))
    copy = staged[0].model_copy(update={"url": "https://wire.example/copy-of-1", "id": None, "source": "wire",
                                        "warc_record_id": None})
    storage.put_bytes(layout.staged_key(RUN, "wire", layout.RECORDS_FILE),
                      (Article(**copy.model_dump(exclude={"id"})).to_json() + "\n").encode())
    assert unprocessed_runs(storage) == [] and unprocessed_runs(storage, complete_only=False) == [RUN]
    storage.put_json(layout.run_summary_key(RUN), {"run_id": RUN})  # the crawl finished
    assert unprocessed_runs(storage) == [RUN]

    report = process_run(storage, None, SOURCES)
    assert report.failed == 0 and report.dedup == {"new": 8, "same-text": 1}
    assert unprocessed_runs(storage) == []

    # raw WARC moved out of staging, and every article knows where its response is
    raw_key = layout.raw_warc_key("herald", WHEN, RUN)
    assert report.raw == {"herald": raw_key}
    assert storage.exists(raw_key) and not storage.exists(layout.staged_key(RUN, "herald", layout.WARC_FILE))
    pointer = storage.get_json(layout.pointer_key(str(staged[2].id)))
    doc = storage.get_json(pointer["key"])
    assert doc["warc_key"] == raw_key and doc["warc_record_id"] == staged[2].warc_record_id
    target, body = read_warc_record(storage, raw_key, doc["warc_record_id"])
    assert target == staged[2].url and b"Story number 3" in body

    # one JSON and one reader view per article
    keys = list(storage.list_keys(layout.ARTICLES))
    assert len([k for k in keys if k.endswith(".json")]) == 8 == len([k for k in keys if k.endswith(".html")])
    view = storage.get(layout.reader_view_key(pointer["key"]))
    assert view.content_type == "text/html; charset=utf-8" and b"Story number 3" in view.body

    # the manifest: one row per archived record, queryable by DuckDB straight from the bucket
    rows = read_manifest_rows(storage)
    assert len(rows) == 9 == len(report.rows) and {r["run_id"] for r in rows} == {RUN}
    assert report.manifest == layout.manifest_key(WHEN.date(), RUN)
    con = duckdb_connect(s3_settings)
    assert con.execute("select count(*) from manifests").fetchall()[0][0] == 9
    assert con.execute("select count(*) from manifests where duplicate_of is not null").fetchall()[0][0] == 1
    readme_query = con.execute("""select source, language, count(*) as articles from manifests
               where duplicate_of is null group by all order by articles desc""").fetchall()  # README's example
    assert sum(n for _, _, n in readme_query) == 8
    by_date = con.execute("select date, count(*) from manifests group by date").fetchall()
    assert by_date == [("2026-11-20", 9)]
    # docs/storage.md's example without newsarchive: pyarrow's S3 filesystem + DuckDB
    import duckdb
    import pyarrow.dataset as ds
    import pyarrow.fs as fs

    s3 = fs.S3FileSystem(access_key=s3_settings.access_key_id, secret_key=s3_settings.secret_access_key,
                         endpoint_override=s3_settings.endpoint_url.split("://", 1)[1], scheme="http")
    manifests = ds.dataset(f"{s3_settings.bucket}/manifests/", filesystem=s3, format="parquet", partitioning="hive")
    assert duckdb.execute("select count(*) from manifests").fetchall() == [(9,)]
    del manifests

    # browse pages, readable without credentials; nothing else is
    index = urllib.request.urlopen(f"{s3_settings.endpoint_url}/{s3_settings.bucket}/browse/index.html", timeout=10)
    assert index.headers["Content-Type"] == "text/html; charset=utf-8" and b"8 article(s)" in index.read()
    for private in (raw_key, layout.pointer_key(str(staged[2].id)), layout.manifest_key(WHEN.date(), RUN)):
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(f"{s3_settings.endpoint_url}/{s3_settings.bucket}/{private}", timeout=10)
        assert denied.value.code == 403, private
    assert storage.exists(layout.browse_day_key("herald", WHEN.date()))
    assert storage.exists(layout.browse_tag_key("local-news"))

    # processing the same run again changes nothing: same keys, same ETags
    before = snapshot(storage)
    again = process_run(storage, RUN, SOURCES)
    assert again.failed == 0 and again.dedup == {"unchanged": 8, "same-text": 1}
    assert snapshot(storage) == before

    # the maintenance job's calls: by run id, or everything; nothing changed, nothing written
    from pipelines.archive.browse import rebuild_browse

    by_run, everything = rebuild_browse(storage, touched=[RUN]), rebuild_browse(storage)
    assert by_run.pages >= 5 and everything.pages >= by_run.pages and not by_run.written and not everything.written
    storage.delete(layout.browse_index_key())
    assert rebuild_browse(storage, touched=[RUN]).written == [layout.browse_index_key()]


def _cli(s3_settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **s3_settings.to_env(), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.integration
def test_ls_show_search_json_and_text(storage, s3_settings) -> None:
    staged = stage_run(storage, RUN, [1, 2, 3], warc=False)
    process_run(storage, RUN, SOURCES)

    listed = json.loads(_cli(s3_settings, "ls", "--json").stdout)
    assert listed["count"] == 3 and {a["id"] for a in listed["articles"]} == {r.id for r in staged}
    assert json.loads(_cli(s3_settings, "ls", "--json", "--tag", "sport").stdout)["count"] == 1
    assert json.loads(_cli(s3_settings, "ls", "--json", "--since", "2026-11-21").stdout)["count"] == 0
    assert json.loads(_cli(s3_settings, "ls", "--json", "--source", "wire").stdout)["count"] == 0

    shown = json.loads(_cli(s3_settings, "show", str(staged[1].id), "--json").stdout)
    assert shown["title"] == "Story number 2" and shown["text"] == staged[1].text
    # one date format for scripts: what ls --json says is what show --json says (ISO 8601)
    row = next(a for a in listed["articles"] if a["id"] == staged[1].id)
    assert row["published"] == shown["published"] and "T" in row["published"]
    by_key = json.loads(_cli(s3_settings, "show", listed["articles"][0]["key"], "--json").stdout)
    assert by_key["id"] == listed["articles"][0]["id"]
    text = _cli(s3_settings, "show", str(staged[1].id))
    assert text.returncode == 0 and text.stdout.startswith("Story number 2\n") and "By:" in text.stdout

    found = json.loads(_cli(s3_settings, "search", "story number 3", "--json").stdout)
    assert [a["id"] for a in found["articles"]] == [staged[2].id]
    missing = _cli(s3_settings, "show", "0123456789abcdef")
    assert missing.returncode == 1 and "no archived article" in missing.stderr and missing.stderr.count("\n") == 1

    url = _cli(s3_settings, "open", str(staged[0].id)).stdout.strip()
    assert "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert b"Story number 1" in response.read()


@pytest.mark.integration
def test_two_processes_over_overlapping_runs_lose_nothing_and_duplicate_nothing(storage, s3_settings) -> None:
    first = stage_run(storage, "20261120T100000Z-aaaaaa", list(range(0, 40)), warc=False)
    second = stage_run(storage, "20261120T100001Z-bbbbbb", list(range(20, 60)), warc=False)
    env = {**os.environ, **s3_settings.to_env(), "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-m", "pipelines.cli", "process", "--run", run], env=env, cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for run in ("20261120T100000Z-aaaaaa", "20261120T100001Z-bbbbbb")]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-2000:]
        assert json.loads(out)["failed"] == 0, out

    ids = {r.id for r in first + second}
    assert len(ids) == 60
    keys = list(storage.list_keys(layout.ARTICLES))
    json_keys = [k for k in keys if k.endswith(".json")]
    assert len(json_keys) == 60 and len([k for k in keys if k.endswith(".html")]) == 60
    assert {storage.get_json(k)["id"] for k in json_keys} == ids
    for article_id in ids:
        assert storage.get_json(layout.pointer_key(str(article_id)))["key"] in json_keys


HOSTILE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Harbour festival returns</title>
<script>document.documentElement.setAttribute('data-pwned', 'head-script')</script>
<meta property="og:type" content="article"><meta property="article:published_time" content="2026-11-20T09:30:00Z">
</head><body onload="document.documentElement.setAttribute('data-pwned', 'onload')">
<article><h1>Harbour festival returns</h1>
<p>The harbour festival returns this weekend with boat races, a fish market and concerts on the pier, after two
years in which the event was cancelled because of repairs to the old sea wall and the lighthouse.</p>
<img src="missing.png" onerror="document.documentElement.setAttribute('data-pwned', 'onerror')">
<p onmouseover="document.documentElement.setAttribute('data-pwned', 'hover')">Organisers expect more than ten
thousand visitors on Saturday alone and ask everyone to come by train or bus, as parking near the harbour will be
closed from Friday evening until the fireworks end on Sunday night.</p>
<script>document.documentElement.setAttribute('data-pwned', 'body-script')</script>
<p>Local restaurants will stay open late, and the sailing club offers free trips around the bay for children under
twelve on both days, weather permitting, from the slipway next to the ferry terminal.</p>
</article></body></html>"""


@pytest.mark.integration
def test_no_script_runs_on_a_reader_view_of_a_hostile_page(public_s3_settings, dump_dom) -> None:
    from pipelines.extract import extract
    from pipelines.storage import Storage

    storage = Storage(public_s3_settings)
    record = extract(HOSTILE_PAGE, "https://herald.example/2026/11/20/harbour-festival/")
    assert record is not None
    record.source = "herald"
    storage.put_bytes(layout.staged_key(RUN, "herald", layout.RECORDS_FILE), (record.to_json() + "\n").encode())
    assert process_run(storage, RUN, SOURCES).archive == {"written": 1}
    view_key = layout.reader_view_key(storage.get_json(layout.pointer_key(str(record.id)))["key"])
    base = f"{public_s3_settings.endpoint_url}/{public_s3_settings.bucket}"

    # control: the same page served as it is does run its scripts in this browser
    storage.put_bytes("browse/control-hostile.html", HOSTILE_PAGE.encode(), content_type="text/html; charset=utf-8")
    assert "data-pwned" in dump_dom(f"{base}/browse/control-hostile.html")

    dom = dump_dom(f"{base}/{view_key}")
    assert "<h1>Harbour festival returns</h1>" in dom and "thousand visitors" in dom
    assert "data-pwned" not in dom, "a script or event handler ran on the reader view"


@pytest.mark.integration
def test_reextract_from_raw_warc_without_refetching(storage, s3_settings, tmp_path) -> None:
    """A run's articles come back from raw/ through today's extractor, staged and processed as a new run."""
    from pipelines.jobs.reextract import reextract

    page = HOSTILE_PAGE.encode()
    data, ids = _warc([("https://herald.example/2026/11/20/harbour-festival/", page)])
    storage.put_bytes(layout.staged_key(RUN, "herald", layout.WARC_FILE), data)
    from pipelines.extract import extract

    record = extract(HOSTILE_PAGE, "https://herald.example/2026/11/20/harbour-festival/")
    record.source, record.warc_record_id = "herald", ids[0]
    storage.put_bytes(layout.staged_key(RUN, "herald", layout.RECORDS_FILE), (record.to_json() + "\n").encode())
    assert process_run(storage, RUN, SOURCES).archive == {"written": 1}

    report = reextract(storage, run_id=RUN, sources=SOURCES)
    assert report.staged == 1 and report.skipped == {}
    staged_line = storage.get_bytes(layout.staged_key(report.run_id, "herald", layout.RECORDS_FILE)).decode()
    assert json.loads(staged_line.splitlines()[0])["http_status"] == 200  # fetch facts from the WARC record
    with pytest.raises(ValueError, match="no sources entry for herald"):
        reextract(storage, run_id=RUN, sources=None)
    assert report.process is not None and report.process.archive == {"unchanged": 1}  # same extractor, same text
    doc = storage.get_json(storage.get_json(layout.pointer_key(str(record.id)))["key"])
    assert doc["warc_key"] == layout.raw_warc_key("herald", WHEN, RUN)

    # the CLI refuses to re-extract without the articles' sources (their rules shape the text) ...
    refused = _cli(s3_settings, "reextract", "--run", RUN)
    assert refused.returncode == 2 and "no sources entry for herald" in refused.stderr and not refused.stdout
    assert refused.stderr.count("\n") == 1
    unknown = _cli(s3_settings, "reextract", "--run", "20200101T000000Z-000000")
    assert unknown.returncode == 1 and "no archived articles of run 20200101T000000Z-000000" in unknown.stderr
    # ... and with them: one JSON document on stdout, the gist for a person on stderr
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - id: herald\n    start_urls: ['https://herald.example/']\n", encoding="utf-8")
    cli = _cli(s3_settings, "reextract", "--run", RUN, "--sources", str(sources))
    assert cli.returncode == 0, cli.stderr
    out = json.loads(cli.stdout)
    assert out["staged"] == 1 and out["process"]["archive"] == {"unchanged": 1}
    assert "re-extracted 1 article(s) from raw WARC" in cli.stderr and "1 unchanged" in cli.stderr


@pytest.mark.integration
def test_worker_processes_give_the_same_archive(storage) -> None:
    """A run big enough for worker processes (thresholds lowered here) archives what one process would."""
    staged = stage_run(storage, RUN, list(range(60)), warc=False)
    copies = [Article(url=f"https://wire.example/copy-{r.id}", title="Copy", text=r.text, published=WHEN, source="wire")
              for r in staged[:5]]
    bad = '{"url": "https://herald.example/broken", "published": "not a date"}'
    storage.put_bytes(layout.staged_key(RUN, "wire", layout.RECORDS_FILE),
                      ("\n".join([*(c.to_json() for c in copies), bad]) + "\n").encode())
    config = ProcessConfig(workers=2, workers_from=16, worker_chunk=8, archive_batch=8)

    report = process_run(storage, RUN, SOURCES, config)

    assert report.records == 66 and report.failed == 1 and report.dedup == {"new": 60, "same-text": 5}
    assert report.archive == {"written": 60, "duplicate": 5} and len(report.rows) == 65
    assert [r["url"] for r in report.rows[:60]] == [r.url for r in staged]  # stream order kept
    json_keys = [k for k in storage.list_keys(layout.ARTICLES) if k.endswith(".json")]
    assert len(json_keys) == 60
    for copy in copies:  # each duplicate came after its original: its URL is an alias there
        original = storage.get_json(storage.get_json(layout.pointer_key(str(staged[copies.index(copy)].id)))["key"])
        assert copy.url in original["aliases"]
    again = process_run(storage, RUN, SOURCES, config)
    assert again.archive == {"unchanged": 60, "duplicate-unchanged": 5}
