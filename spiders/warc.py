"""Every response fetched is kept as WARC, so articles can be re-extracted without refetching.

:class:`WarcWriter` (an extension) listens to ``response_downloaded`` — the raw response as it came
off the wire, before decompression or any middleware — and appends a ``request`` and a
``response`` record (linked by ``WARC-Concurrent-To``) to a local ``responses.warc.gz``. The
response record's ``WARC-Record-ID`` is put in ``request.meta["newsarchive_warc_record_id"]``,
which the spider copies to the staged ``Article.warc_record_id``. At close the file is uploaded
to ``staging/<run_id>/<source>/responses.warc.gz``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from io import BytesIO
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import urlsplit

from scrapy import signals
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines import layout
from spiders.outcomes import cpu_time
from spiders.staging import run_context, upload

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

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


class WarcWriter:
    """Write request/response WARC records for every downloaded response (see module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self._file: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcWriter:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        ctx = run_context(self.crawler)
        self._file = ctx.path(layout.WARC_FILE).open("wb")
        self._writer = WARCWriter(self._file, gzip=True)
        info = self._writer.create_warcinfo_record(
            layout.WARC_FILE,
            {
                "software": "newsarchive (Scrapy)",
                "format": "WARC File Format 1.1",
                "isPartOf": f"{ctx.run_id}/{ctx.source_id}",
                "robots": "obey" if self.crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            },
        )
        self._writer.write_record(info)

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        if self._writer is None:
            return
        try:
            with cpu_time(self.stats, "warc"):
                record_id = self.write(request, response)
        except Exception as exc:  # noqa: BLE001 - archiving one response must not stop the crawl
            log.error("warc: cannot write %s: %s: %s", response.url, type(exc).__name__, exc)
            self.stats.inc_value("newsarchive/warc/errors")
            return
        request.meta[WARC_ID_META] = record_id
        self.stats.inc_value("newsarchive/warc/responses")

    def write(self, request: Request, response: Response) -> str:
        """Append the request and response records; return the response record's id."""
        assert self._writer is not None
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        protocol = (response.protocol or "HTTP/1.1").upper()
        if not protocol.startswith("HTTP"):
            protocol = "HTTP/1.1"
        reason = _reason(response.status)
        http_headers = StatusAndHeaders(
            f"{response.status} {reason}", _headers(response.headers), protocol=protocol
        )
        ip = getattr(response, "ip_address", None)
        warc_headers = {"WARC-Date": now}
        if ip is not None:
            warc_headers["WARC-IP-Address"] = str(ip)
        resp_record = self._writer.create_warc_record(
            response.url,
            "response",
            payload=BytesIO(response.body),
            length=len(response.body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )
        record_id = resp_record.rec_headers.get_header("WARC-Record-ID")
        parts = urlsplit(request.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = _headers(request.headers)
        if not any(name.lower() == "host" for name, _ in req_headers):
            req_headers.insert(0, ("Host", parts.netloc))
        req_record = self._writer.create_warc_record(
            request.url,
            "request",
            payload=BytesIO(request.body or b""),
            length=len(request.body or b""),
            http_headers=StatusAndHeaders(f"{request.method} {path} HTTP/1.1", req_headers, is_http_request=True),
            warc_headers_dict={"WARC-Date": now, "WARC-Concurrent-To": record_id},
        )
        self._writer.write_record(resp_record)
        self._writer.write_record(req_record)
        return record_id

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._file is None:
            return
        self._file.close()
        self._file = self._writer = None
        upload(self.crawler, layout.WARC_FILE, "application/warc")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
