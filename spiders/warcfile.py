"""WARC files written one exchange at a time: the half of :mod:`spiders.warc` that runs in the WARC
worker process (so it imports warcio and nothing heavy: no Scrapy, no extractor).

:func:`open_warc` creates the file with its ``warcinfo`` record, :func:`append_exchange` appends
one request/response pair (an :class:`Exchange`), :func:`close_warc` closes it. A process keeps
its open files in a module-level table, so the crawl process can take over a file (append to it)
when the worker died.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from io import BytesIO
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as plain values (picklable: sent to the WARC worker)."""

    record_id: str  # the response record's WARC-Record-ID, ``<urn:uuid:…>``
    date: str  # WARC-Date, ``YYYY-MM-DDThh:mm:ssZ``
    url: str
    status: int
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes
    ip: str | None
    request_url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes


_OPEN: dict[str, tuple[BinaryIO, WARCWriter]] = {}


def open_warc(path: str, info: dict[str, str]) -> None:
    """Create the WARC file at ``path`` and write its ``warcinfo`` record."""
    handle = open(path, "wb")  # noqa: SIM115 - kept open across calls, closed by close_warc
    writer = WARCWriter(handle, gzip=True)
    writer.write_record(writer.create_warcinfo_record(os.path.basename(path), info))
    handle.flush()
    _OPEN[path] = (handle, writer)


def append_exchange(path: str, exchange: Exchange) -> float:
    """Append the response and request records of ``exchange`` (each its own gzip member, written
    with one ``write`` so a crash cannot leave half a member); returns the thread CPU seconds spent."""
    start = time.thread_time()
    if path not in _OPEN:  # the worker died and this process takes over: append to what is there
        handle = open(path, "ab")  # noqa: SIM115 - closed by close_warc
        _OPEN[path] = (handle, WARCWriter(handle, gzip=True))
    handle, _ = _OPEN[path]
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    warc_headers = {"WARC-Date": exchange.date, "WARC-Record-ID": exchange.record_id}
    if exchange.ip is not None:
        warc_headers["WARC-IP-Address"] = exchange.ip
    response = writer.create_warc_record(
        exchange.url,
        "response",
        payload=BytesIO(exchange.body),
        length=len(exchange.body),
        http_headers=StatusAndHeaders(f"{exchange.status} {_reason(exchange.status)}", exchange.headers, protocol=exchange.protocol),
        warc_headers_dict=warc_headers,
    )
    parts = urlsplit(exchange.request_url)
    path_and_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = list(exchange.request_headers)
    if not any(name.lower() == "host" for name, _ in request_headers):
        request_headers.insert(0, ("Host", parts.netloc))
    request = writer.create_warc_record(
        exchange.request_url,
        "request",
        payload=BytesIO(exchange.request_body),
        length=len(exchange.request_body),
        http_headers=StatusAndHeaders(f"{exchange.method} {path_and_query} HTTP/1.1", request_headers, is_http_request=True),
        warc_headers_dict={"WARC-Date": exchange.date, "WARC-Concurrent-To": exchange.record_id},
    )
    writer.write_record(response)
    writer.write_record(request)
    handle.write(buffer.getvalue())
    handle.flush()  # in the file, not in this process's buffer, when the process is killed
    return time.thread_time() - start


def close_warc(path: str) -> bool:
    """Flush and close the WARC file at ``path``; False when this process did not have it open."""
    entry = _OPEN.pop(path, None)
    if entry is None:
        return False
    entry[0].close()
    return True


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
