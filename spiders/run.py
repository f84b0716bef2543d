"""Run a crawl: ``python -m spiders.run --sources FILE --run-id RID [--max-pages N]
[--allow-loopback] [SOURCE ...]``.

One crawler per selected source (all enabled ones when none is named), all in ONE Scrapy
``CrawlerProcess`` so they run concurrently. The bucket comes from the environment
(``pipelines.storage.S3Settings.from_env()``). Each source stages
``staging/<run_id>/<source>/{records.jsonl,responses.warc.gz,summary.json}``; when every crawler
has finished, ``staging/<run_id>/run.json`` (all sources' summaries, merged with those of other
processes of the same run) is written last and marks the run complete.

The LAST line on stdout is the run summary as JSON. Exit status: 0 when the run completed (even
with counted page failures), 1 when staging to the bucket failed, 2 on a configuration or
storage-access error before crawling (one clear line on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from typing import Any

EXIT_OK, EXIT_STAGING_FAILED, EXIT_CONFIG = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m spiders.run", description="Crawl news sources and stage the run.")
    parser.add_argument("sources_ids", nargs="*", metavar="SOURCE", help="source ids (default: all enabled)")
    parser.add_argument("--sources", help="sources.yaml (default: $NEWSARCHIVE_SOURCES)")
    parser.add_argument("--run-id", help="YYYYMMDDTHHMMSSZ-<6 hex> (generated when absent)")
    parser.add_argument("--max-pages", type=int, help="cap on pages fetched per source")
    parser.add_argument("--allow-loopback", action="store_true", help="allow 127.0.0.0/8 (demo and tests only)")
    parser.add_argument("--work-dir", help="keep the local WARC/JSONL files here (default: a temp dir)")
    parser.add_argument("--verbose", "-v", action="store_true", help="Scrapy's log on stderr too (on a terminal it goes to a file)")
    parser.add_argument(
        "--set", "-s", action="append", default=[], metavar="NAME=VALUE", help="override a Scrapy setting"
    )
    return parser


def _fail(message: str, code: int) -> int:
    print(f"newsarchive crawl: {message}", file=sys.stderr)
    return code


def merge_run(current: Any, run_id: str, summaries: dict[str, dict[str, Any]], location: str) -> dict[str, Any]:
    """``run.json``: this process's source summaries merged into what other processes wrote."""
    doc = current if isinstance(current, dict) else {}
    sources = dict(doc.get("sources") or {})
    sources.update(summaries)
    started = [s.get("started_at") for s in sources.values() if s.get("started_at")]
    finished = [s.get("finished_at") for s in sources.values() if s.get("finished_at")]
    totals: dict[str, int] = {}
    for summary in sources.values():
        for key, value in (summary.get("outcomes") or {}).items():
            if "/" not in key:
                totals[key] = totals.get(key, 0) + int(value)
    return {
        "run_id": run_id,
        "complete": True,
        "started_at": min(started) if started else None,
        "finished_at": max(finished) if finished else datetime.now(timezone.utc).isoformat(),
        "location": location,
        "totals": dict(sorted(totals.items())),
        "sources": dict(sorted(sources.items())),
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point (see the module docstring); returns the exit status."""
    args = _parser().parse_args(argv)

    from pipelines.config import SourcesError, load_sources
    from pipelines.storage import S3Settings, Storage, StorageError
    from spiders.news import RUN_ID_RE, new_run_id
    from pipelines import layout

    try:
        config = load_sources(args.sources)
        selected = config.select(args.sources_ids)
    except SourcesError as exc:
        return _fail(str(exc), EXIT_CONFIG)
    if not selected:
        return _fail(f"{config.path}: no enabled source to crawl", EXIT_CONFIG)
    if args.max_pages is not None and args.max_pages < 1:
        return _fail("--max-pages must be at least 1", EXIT_CONFIG)
    run_id = args.run_id or new_run_id()
    if not RUN_ID_RE.match(run_id):
        return _fail(f"bad run id {run_id!r}: expected YYYYMMDDTHHMMSSZ-<6 hex>", EXIT_CONFIG)

    overrides: dict[str, str] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name:
            return _fail(f"--set needs NAME=VALUE, got {item!r}", EXIT_CONFIG)
        overrides[name.strip()] = value

    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "spiders.settings")
    settings = get_project_settings()
    upload = settings.getbool("NEWSARCHIVE_UPLOAD") and overrides.get("NEWSARCHIVE_UPLOAD", "1") not in ("0", "False", "false")
    storage = None
    if upload:
        try:
            s3 = S3Settings.from_env()
            storage = Storage(s3)
            # a listing fails on a missing bucket or bad credentials (a HEAD of a key cannot tell)
            next(iter(storage.list_keys(layout.staging_run_prefix(run_id))), None)
        except StorageError as exc:
            return _fail(f"cannot reach the bucket: {exc}", EXIT_CONFIG)
        except ValueError as exc:
            return _fail(f"bad S3 settings: {exc}", EXIT_CONFIG)

    settings.set("NEWSARCHIVE_SOURCES", str(config.path), priority="cmdline")
    settings.set("NEWSARCHIVE_RUN_ID", run_id, priority="cmdline")
    if args.max_pages:
        settings.set("NEWSARCHIVE_MAX_PAGES", args.max_pages, priority="cmdline")
    if args.allow_loopback:
        settings.set("NEWSARCHIVE_ALLOW_LOOPBACK", True, priority="cmdline")
    if args.work_dir:
        settings.set("NEWSARCHIVE_WORK_DIR", args.work_dir, priority="cmdline")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")

    from scrapy.crawler import CrawlerProcess

    from spiders.news import NewsSpider
    from spiders.progress import Progress, final_line, route_logs

    log_file = route_logs(settings, run_id, args.verbose)
    if log_file is not None:
        print(f"newsarchive crawl: run {run_id}, log in {log_file}", file=sys.stderr)
    process = CrawlerProcess(settings)
    crawlers = []
    for source in selected:
        crawler = process.create_crawler(NewsSpider)
        process.crawl(crawler, source=source.id, sources=str(config.path), run_id=run_id, max_pages=args.max_pages)
        crawlers.append((source.id, crawler))
    progress = Progress(crawlers) if log_file is not None else None
    if progress is not None:
        progress.start()
    try:
        process.start()
    finally:
        if progress is not None:
            progress.stop()

    summaries: dict[str, dict[str, Any]] = {}
    missing = []
    for source_id, crawler in crawlers:
        context = getattr(crawler, "newsarchive", None)
        summary = context.summary if context is not None else None
        if summary is None:
            missing.append(source_id)
        else:
            summaries[source_id] = summary
    prefix = layout.staging_run_prefix(run_id)
    location = f"s3://{storage.bucket}/{prefix}" if storage is not None else str(args.work_dir or "")
    doc = merge_run(None, run_id, summaries, location)
    if storage is not None and summaries:
        try:
            doc = storage.update_json(layout.run_summary_key(run_id), lambda cur: merge_run(cur, run_id, summaries, location))
        except StorageError as exc:
            print(json.dumps(doc))
            return _fail(f"run {run_id}: cannot write {layout.run_summary_key(run_id)}: {exc}", EXIT_STAGING_FAILED)
    for source_id, summary in summaries.items():
        print(final_line(source_id, summary), file=sys.stderr)
    print(json.dumps(doc, default=str))
    if missing:
        return _fail(f"run {run_id}: crawl of {', '.join(missing)} did not finish (see the log above)", EXIT_STAGING_FAILED)
    broken = [sid for sid, s in summaries.items() if not s.get("ok", True)]
    if broken:
        return _fail(f"run {run_id}: staging to the bucket failed for {', '.join(broken)} (see the log above)", EXIT_STAGING_FAILED)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
