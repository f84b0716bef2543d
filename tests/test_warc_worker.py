"""The WARC file written through the WARC worker process: complete records with the ids the crawl
handed out, and no record lost or cut when the worker dies mid-run (the crawl takes over)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from spiders.warcfile import Exchange, append_exchange, close_warc, open_warc
from spiders.workers import WorkerProcess


def exchange(n: int) -> Exchange:
    body = f"<html><body><p>page {n} " .encode() + "ü".encode() * 3000 + b"</p></body></html>"
    return Exchange(
        record_id=f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>",
        date="2026-11-30T12:00:00Z",
        url=f"http://127.0.0.1:8000/news/{n}?a=1",
        status=200,
        protocol="HTTP/1.1",
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
        body=body,
        ip="127.0.0.1",
        request_url=f"http://127.0.0.1:8000/news/{n}?a=1",
        method="GET",
        request_headers=[("User-Agent", "test")],
        request_body=b"",
    )


def records(path: Path) -> list[tuple[str, str | None, str | None, bytes]]:
    with path.open("rb") as handle:
        return [
            (
                rec.rec_type,
                rec.rec_headers.get_header("WARC-Record-ID"),
                rec.rec_headers.get_header("WARC-Concurrent-To"),
                rec.content_stream().read(),
            )
            for rec in ArchiveIterator(handle)
        ]


def test_records_written_by_the_worker_then_by_the_crawl_after_the_worker_died(tmp_path: Path) -> None:
    path = str(tmp_path / "responses.warc.gz")

    async def scenario() -> None:
        worker = WorkerProcess("warc", warm_up="spiders.warcfile")
        try:
            await worker.call(open_warc, path, {"software": "test"})
            await asyncio.gather(*(worker.call(append_exchange, path, exchange(n)) for n in range(3)))
            assert worker._proc is not None
            os.kill(worker._proc.pid, signal.SIGKILL)  # what the OOM killer does
            while worker.running:
                await asyncio.sleep(0.01)
        finally:
            worker.close()

    asyncio.run(scenario())
    # the crawl takes over in its own process: appends to what the worker wrote
    append_exchange(path, exchange(3))
    assert close_warc(path)
    found = records(Path(path))
    assert found[0][0] == "warcinfo"
    responses = [r for r in found if r[0] == "response"]
    requests = [r for r in found if r[0] == "request"]
    assert [r[1] for r in responses] == [exchange(n).record_id for n in range(4)]
    assert [r[2] for r in requests] == [exchange(n).record_id for n in range(4)]  # each linked to its response
    assert all(r[3].endswith(exchange(n).body) for n, r in enumerate(responses))
