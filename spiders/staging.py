"""The item pipeline that turns article pages into staged records, and the run's bucket layout.

For each article page the spider yields, :class:`StagingPipeline` extracts the article with
``pipelines.extract.extract_with_reason`` (the source's ``keep_comments`` and ``cleaning`` rules;
:func:`spiders.records.extract_page`, in a worker process), adds the fetch facts (source, run id,
fetched_at, HTTP status, ETag, Last-Modified, WARC record id) and appends one ``Article.to_json()``
line to a local ``records.jsonl``; at close the file is uploaded to
``staging/<run_id>/<source>/records.jsonl``.

Outcomes: ``extracted``; ``not-article/<reason>`` when the extractor finds no article text;
``skipped-seen/unchanged`` when a known article came back with the same text;
``failed/<reason>`` on an unexpected error (one log line, the crawl goes on).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from pipelines import layout
from spiders.context import crawl_context
from spiders.items import StagedPage
from spiders.outcomes import CPU_PREFIX, count, cpu_time
from spiders.records import Extracted, PageFacts, extract_page

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from pipelines.storage import Storage

log = logging.getLogger(__name__)

STORAGE_ERRORS_STAT = "newsarchive/storage_errors"


@dataclass
class RunContext:
    """Where one source's crawl stages its files: local work dir and bucket prefix."""

    source_id: str
    run_id: str
    work_dir: Path
    prefix: str  # staging/<run_id>/<source>/
    storage: Storage | None
    temporary: bool

    def key(self, name: str) -> str:
        """Bucket key of a staged file, e.g. ``staging/<run_id>/<source>/records.jsonl``."""
        return f"{self.prefix}{name}"

    def path(self, name: str) -> Path:
        """Local path of a staged file before upload."""
        return self.work_dir / name


def get_storage(crawler: Crawler) -> Storage | None:
    """The crawl's bucket (one client per crawler), or ``None`` with ``NEWSARCHIVE_UPLOAD=False``."""
    if not crawler.settings.getbool("NEWSARCHIVE_UPLOAD"):
        return None
    context = crawl_context(crawler)
    storage = context.storage if context is not None else None
    if storage is None:
        from pipelines.storage import S3Settings, Storage

        storage = Storage(S3Settings.from_env())
        if context is not None:
            context.storage = storage
    return storage


def run_context(crawler: Crawler) -> RunContext:
    """The crawler's :class:`RunContext`, created once (the spider must be set: call from
    ``spider_opened``/``open_spider`` onwards)."""
    context = crawl_context(crawler)
    if context is None:
        raise RuntimeError("staging needs the news spider's crawl context")
    if context.staging is not None:
        return context.staging
    source_id, run_id = context.source.id, context.run_id
    root = crawler.settings.get("NEWSARCHIVE_WORK_DIR")
    temporary = not root
    base = Path(root) if root else Path(tempfile.mkdtemp(prefix="newsarchive-"))
    work = base / run_id / source_id
    work.mkdir(parents=True, exist_ok=True)
    ctx = RunContext(
        source_id=source_id,
        run_id=run_id,
        work_dir=work,
        prefix=layout.staging_source_prefix(run_id, source_id),
        storage=get_storage(crawler),
        temporary=temporary,
    )
    context.staging = ctx
    return ctx


def upload(crawler: Crawler, name: str, content_type: str) -> bool:
    """Upload a staged local file to the run's prefix; a storage error is logged and counted."""
    from pipelines.storage import StorageError

    ctx = run_context(crawler)
    path = ctx.path(name)
    if ctx.storage is None or not path.exists():
        return False
    try:
        ctx.storage.upload_file(ctx.key(name), path, content_type=content_type)
    except StorageError as exc:
        log.error("staging: cannot upload %s: %s", ctx.key(name), exc)
        crawler.stats.inc_value(STORAGE_ERRORS_STAT)
        crawler.stats.set_value(f"newsarchive/storage_error/{name}", str(exc))
        return False
    log.info("staging: uploaded %s (%d bytes)", ctx.key(name), path.stat().st_size)
    return True


class StagingPipeline:
    """Extract each article page and stage it as one JSONL record (see the module docstring).

    Items are :class:`spiders.items.StagedPage` records built by the ``news`` spider. The returned
    item carries ``article`` (the staged record as a dict) and ``content_hash``; its HTML is dropped.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self._out = None
        self.staged = 0
        self.workers = crawler.settings.getint("NEWSARCHIVE_EXTRACT_WORKERS")
        self._pool: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StagingPipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        ctx = run_context(self.crawler)
        self._out = ctx.path(layout.RECORDS_FILE).open("w", encoding="utf-8")
        if self.workers > 0:
            # extraction is CPU work: off the reactor thread, on the other core (a fresh
            # interpreter, not a fork: a forked Twisted process is not safe)
            from spiders.workers import WorkerPool

            self._pool = WorkerPool(self.workers)
            # started now, not at the first article: importing the extractor takes about a second
            # of CPU, better spent while robots.txt, feeds and sitemaps are fetched
            self._pool.start_soon()

    def close_spider(self, spider: Any = None) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._out is not None:
            self._out.close()
            self._out = None
        # uploaded even when empty: every source of a run has the same three files
        upload(self.crawler, layout.RECORDS_FILE, "application/x-ndjson")
        self.stats.set_value("newsarchive/staged_records", self.staged)

    async def process_item(self, item: StagedPage, spider: Any = None) -> StagedPage:
        context = crawl_context(self.crawler)
        assert context is not None, "staging needs the news spider's crawl context"
        source = context.source
        # the page body leaves the item first: Scrapy logs dropped items, and no page body is logged
        html, item.html = item.html or "", None
        facts = PageFacts(
            source=source.id,
            run_id=context.run_id,
            fetched_at=item.fetched_at or datetime.now(timezone.utc),
            http_status=item.status,
            etag=item.etag,
            last_modified=item.last_modified,
            warc_record_id=item.warc_record_id,
            language=source.language,
            tags=tuple(source.tags or ()),
            seen_hash=(item.seen or {}).get("content_hash"),
        )
        args = (html, item.url, source.keep_comments, source.cleaning, facts)
        try:
            if self._pool is not None:
                extracted = await self._pool.call(extract_page, *args)
            else:
                extracted = extract_page(*args)
        except Exception as exc:  # noqa: BLE001 - one page must not stop the crawl
            log.error("staging: extraction crashed on %s: %s: %s", item.url, type(exc).__name__, exc)
            count(self.stats, "failed", "extract-error")
            raise DropItem(f"extraction crashed: {type(exc).__name__}", log_level="INFO") from None
        self.stats.inc_value(CPU_PREFIX + "extract", extracted.cpu_seconds, start=0.0)
        with cpu_time(self.stats, "stage"):
            return self._stage(item, extracted)

    def _stage(self, item: StagedPage, extracted: Extracted) -> StagedPage:
        url = item.url
        if extracted.repaired:
            count(self.stats, "repaired", "markup", url=url)
            log.warning("staging: %s has broken markup (unclosed <title>); extracted after repair", url)
        item.content_hash = extracted.content_hash
        if extracted.unchanged:
            count(self.stats, "skipped-seen", "unchanged")
            item.unchanged = True
            raise DropItem("seen before with the same text", log_level="INFO")
        if extracted.record is None:
            reason = (extracted.reason or "no-article").split(":")[0].strip().replace(" ", "-")
            count(self.stats, "not-article", reason)
            raise DropItem(f"not an article after extraction ({extracted.reason})", log_level="INFO")
        assert self._out is not None
        self._out.write(extracted.record + "\n")  # buffered: the file is uploaded at close
        self.staged += 1
        count(self.stats, "extracted")
        item.article = json.loads(extracted.record)
        return item


def cleanup(crawler: Crawler) -> None:
    """Remove the local work directory when it was a temporary one and the files went to the
    bucket (without a bucket the local files are all there is: they stay, and are logged)."""
    context = crawl_context(crawler)
    ctx = context.staging if context is not None else None
    if ctx is not None and ctx.temporary and ctx.storage is None:
        log.info("staging: no bucket; staged files kept in %s", ctx.work_dir)
    elif ctx is not None and ctx.temporary:
        shutil.rmtree(ctx.work_dir.parent.parent, ignore_errors=True)
