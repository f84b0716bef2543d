"""Every response fetched is kept as WARC, so articles can be re-extracted without refetching.

:class:`WarcWriter` (an extension) listens to ``response_downloaded`` — the raw response as it came
off the wire, before decompression or any middleware — and appends a ``request`` and a
``response`` record (linked by ``WARC-Concurrent-To``) to a local ``responses.warc.gz``. The
response record's ``WARC-Record-ID`` (made here, before the record is written) is put in
``request.meta["newsarchive_warc_record_id"]``, which the spider copies to the staged
``Article.warc_record_id``. At close the file is uploaded to
``staging/<run_id>/<source>/responses.warc.gz``.

Building and compressing records is CPU work, so with ``NEWSARCHIVE_EXTRACT_WORKERS`` > 0 it runs
in a worker process of its own (:mod:`spiders.workers`; not the extraction worker, so a page that
crashes the extractor cannot cut the WARC short): the reactor thread only sends the exchange's
bytes. The worker functions (:mod:`spiders.warcfile`: :func:`open_warc`, :func:`append_exchange` and :func:`close_warc`) also
run in-process when there is no worker (``0``) or after the worker died.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from scrapy import signals

from pipelines import layout
from spiders.context import crawl_context
from spiders.outcomes import CPU_PREFIX, cpu_time
from spiders.staging import run_context, upload
from spiders.warcfile import Exchange, append_exchange, close_warc, open_warc

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from spiders.workers import WorkerProcess

log = logging.getLogger(__name__)

WARC_ID_META = "newsarchive_warc_record_id"
_HOP_BY_HOP = frozenset({b"transfer-encoding", b"connection", b"keep-alive"})


def _headers(headers: Any) -> list[tuple[str, str]]:
    """Scrapy ``Headers`` as (name, value) pairs, one per value, minus hop-by-hop headers
    (the stored body is de-chunked)."""
    pairs: list[tuple[str, str]] = []
    for name, values in headers.items():
        if name.lower() in _HOP_BY_HOP:
            continue
        for value in values:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


def exchange_of(request: Request, response: Response) -> Exchange:
    """The :class:`Exchange` of a Scrapy request/response pair, with a new record id."""
    protocol = (response.protocol or "HTTP/1.1").upper()
    if not protocol.startswith("HTTP"):
        protocol = "HTTP/1.1"
    ip = getattr(response, "ip_address", None)
    return Exchange(
        record_id=f"<urn:uuid:{uuid.uuid4()}>",
        date=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        url=response.url,
        status=response.status,
        protocol=protocol,
        headers=_headers(response.headers),
        body=response.body,
        ip=str(ip) if ip is not None else None,
        request_url=request.url,
        method=request.method,
        request_headers=_headers(request.headers),
        request_body=request.body or b"",
    )


# ------------------------------------------------------------------------- the extension


class WarcWriter:
    """Write request/response WARC records for every downloaded response (see module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self._path: str | None = None
        self._worker: WorkerProcess | None = None
        self._use_worker = crawler.settings.getint("NEWSARCHIVE_EXTRACT_WORKERS") > 0
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcWriter:
        return cls(crawler)

    async def spider_opened(self, spider: Spider) -> None:
        ctx = run_context(self.crawler)
        path = str(ctx.path(layout.WARC_FILE))
        info = {
            "software": "newsarchive (Scrapy)",
            "format": "WARC File Format 1.1",
            "isPartOf": f"{ctx.run_id}/{ctx.source_id}",
            "robots": "obey" if self.crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        }
        if not self._use_worker:
            open_warc(path, info)
            self._path = path
            return
        await self._open_in_worker(path, info)

    async def _open_in_worker(self, path: str, info: dict[str, str]) -> None:
        from spiders.workers import WorkerProcess

        self._worker = WorkerProcess("warc", warm_up="spiders.warcfile")
        try:
            await self._worker.call(open_warc, path, info)
        except Exception as exc:  # noqa: BLE001 - write here instead
            log.warning("warc: no worker process (%s: %s); records are written on the reactor thread", type(exc).__name__, exc)
            self._worker.close()
            self._worker = None
            open_warc(path, info)
        self._path = path

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        if self._path is None:
            return
        try:
            with cpu_time(self.stats, "warc"):
                exchange = exchange_of(request, response)
                if self._worker is not None and self._worker.running:
                    self._worker.submit(append_exchange, self._path, exchange).add_done_callback(self._written)
                else:
                    self._take_over()
                    append_exchange(self._path, exchange)
                    self.stats.inc_value("newsarchive/warc/responses")
        except Exception as exc:  # noqa: BLE001 - archiving one response must not stop the crawl
            log.error("warc: cannot write %s: %s: %s", response.url, type(exc).__name__, exc)
            self.stats.inc_value("newsarchive/warc/errors")
            return
        request.meta[WARC_ID_META] = exchange.record_id

    def _written(self, future: Any) -> None:
        if future.cancelled() or future.exception() is not None:
            exc = future.exception() if not future.cancelled() else None
            log.error("warc: a record was not written: %s: %s", type(exc).__name__, exc)
            self.stats.inc_value("newsarchive/warc/errors")
            return
        self.stats.inc_value(CPU_PREFIX + "warc", future.result(), start=0.0)
        self.stats.inc_value("newsarchive/warc/responses")

    def _take_over(self) -> None:
        """The worker died: write the rest of the run here (appending to its file)."""
        if self._worker is not None:
            log.error("warc: the WARC worker exited; the rest of the run is written on the reactor thread")
            self._worker.close()
            self._worker = None

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._path is None:
            return
        if self._worker is None:
            self._finish()
            return
        # the run summary (written last) waits for this before it is written and the work dir goes
        import asyncio

        closing = asyncio.ensure_future(self._close_worker())
        context = crawl_context(self.crawler)
        if context is not None:
            context.closing.append(closing)

    async def _close_worker(self) -> None:
        assert self._worker is not None and self._path is not None
        try:
            # after every append sent before it; submit, not call: a worker that died is not restarted
            # just to close a file it never opened (what reached the file is flushed and uploaded)
            await self._worker.submit(close_warc, self._path)
        except Exception as exc:  # noqa: BLE001 - whatever reached the file is uploaded
            log.error("warc: the WARC worker did not close the file: %s: %s", type(exc).__name__, exc)
        finally:
            self._worker.close()
            self._worker = None
        self._finish()

    def _finish(self) -> None:
        if self._path is not None:
            close_warc(self._path)
        self._path = None
        upload(self.crawler, layout.WARC_FILE, "application/warc")
