"""The HTTP side of the demo site: one ThreadingHTTPServer per site on 127.0.0.1, conditional GET,
HEAD, streamed and dripped bodies, and a request log with timestamps."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipelines.storage import is_loopback_host

from .markup import http_date
from .model import Response
from .site import Options, Request, Site

log = logging.getLogger("infra.demo_site")


@dataclass
class RequestRecord:
    """One request as the server saw it.

    ``time`` and ``started`` are both ``time.monotonic()`` values: ``started`` when the connection
    was accepted (one request per connection: the server speaks HTTP/1.0), ``time`` when the status was sent, then again when the body was finished (or the client
    went away). Measure politeness (Crawl-delay, Retry-After) on ``started``. Records are appended in
    the order their status lines go out. ``bytes_sent`` counts body bytes written.
    """

    site: str
    method: str
    path: str
    headers: dict[str, str]
    status: int
    time: float
    started: float
    bytes_sent: int = 0
    error: str = ""
    wall: float = field(default_factory=time.time)


def _etag_matches(header: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def _not_modified(request: Request, response: Response) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins over If-Modified-Since."""
    inm = request.headers.get("if-none-match")
    if inm is not None:
        return bool(response.etag) and _etag_matches(inm, response.etag or "")
    ims = request.headers.get("if-modified-since")
    if ims and response.last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return response.last_modified.replace(microsecond=0) <= since
    return False


class _Handler(BaseHTTPRequestHandler):
    server: _SiteServer
    protocol_version = "HTTP/1.0"
    server_version = "nginx/1.24.0"

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s %s", self.server.site.name, format % args)

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._serve()

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= 1_000_000:
            self.rfile.read(length)
        self._serve()

    def _serve(self) -> None:
        started = self.server.accepted_at(self.connection) or time.monotonic()
        parts = urlsplit(self.path)
        path = parts.path or "/"
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(self.command, path, parts.query, headers)
        site = self.server.site
        # Logged as soon as the status is known (before the body goes out), so a client that has
        # read its response always finds the request in the log; sizes and end time follow.
        self._record = RequestRecord(site.name, self.command, self.path, headers, 0, started, started)
        self._logged = False
        try:
            response = site.handle(request)
            status = response.status
            if response.conditional and response.status == 200 and self.command in ("GET", "HEAD") and _not_modified(request, response):
                status = 304
            self._send(response, status)
        except (BrokenPipeError, ConnectionResetError, TimeoutError) as exc:
            self._record.error = f"client went away: {type(exc).__name__}"
            self.close_connection = True
        except Exception as exc:  # the log must show server bugs, and the client gets a 500
            log.exception("demo site %s failed on %s", site.name, self.path)
            self._record.error = repr(exc)
            if not self._logged:  # nothing sent yet: the client still gets a proper 500
                self._record.status = 500
                try:
                    self.send_error(500)
                except OSError:
                    pass
        finally:
            self._record.time = time.monotonic()
            if not self._logged:
                self.server.demo._record(self._record)

    def _log_now(self, status: int) -> None:
        self._record.status = status
        self._record.time = time.monotonic()
        self.server.demo._record(self._record)
        self._logged = True

    def _send(self, response: Response, status: int) -> None:
        self.send_response(status)
        validators = response.conditional and response.status == 200
        if validators and response.etag:
            self.send_header("ETag", response.etag)
        if validators and response.last_modified is not None:
            self.send_header("Last-Modified", http_date(response.last_modified))
        if status == 304:
            self._log_now(status)
            self.end_headers()
            return
        has_type = any(k.lower() == "content-type" for k in response.headers)
        if response.content_type and not has_type:
            self.send_header("Content-Type", response.content_type)
        for key, value in response.headers.items():
            self.send_header(key, value)
        length = len(response.body) if response.stream is None else response.length
        if length is not None:
            self.send_header("Content-Length", str(length))
        self._log_now(status)
        self.end_headers()
        if self.command == "HEAD":
            return
        if response.stream is None:
            self.wfile.write(response.body)
            self._record.bytes_sent = len(response.body)
            return
        for chunk in response.stream():
            if self.server.demo._stopping.is_set():
                break
            self.wfile.write(chunk)
            self.wfile.flush()
            self._record.bytes_sent += len(chunk)


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], demo: Any) -> None:
        super().__init__(address, _Handler)
        self.demo = demo
        self.site: Site = None  # type: ignore[assignment] - set right after binding, before serving
        self._accepted: dict[int, float] = {}
        self._accepted_lock = threading.Lock()

    def get_request(self) -> tuple[Any, Any]:
        # Stamp the connection at accept time, before a handler thread is even started, so the
        # request log's ``started`` is not skewed by thread start-up or a busy interpreter.
        sock, address = super().get_request()
        with self._accepted_lock:
            self._accepted[id(sock)] = time.monotonic()
        return sock, address

    def shutdown_request(self, request: Any) -> None:
        self.accepted_at(request)  # forget connections that never sent a request
        super().shutdown_request(request)

    def accepted_at(self, sock: Any) -> float | None:
        """Accept time of a connection (first call only: later requests on it use their own time)."""
        with self._accepted_lock:
            return self._accepted.pop(id(sock), None)


#: The demo's fixed first port (site i on DEFAULT_PORT_BASE + i): stable URLs across runs, so a
#: second ``newsarchive demo`` is an incremental crawl of the same sites, not a crawl of new ones.
DEFAULT_PORT_BASE = 8780


def port_plan(base: int) -> dict[str, int]:
    """Site name -> port: site i on ``base + i`` (every port 0, i.e. ephemeral, when ``base`` is 0)."""
    return {name: (base + i if base else 0) for i, name in enumerate(site_classes())}


def site_classes(big_archive: bool = False) -> dict[str, type[Site]]:
    """Site name -> class, in port order (``bigarchive``, served only when asked for, last)."""
    from .citynews import CityNews
    from .traps import TrapSite
    from .wpcom import WordPressComBlog
    from .wpnews import WordPressNews

    classes: dict[str, type[Site]] = {"wpcom": WordPressComBlog, "wpnews": WordPressNews, "citynews": CityNews, "traps": TrapSite}
    if big_archive:
        from .bigarchive import BigArchive

        classes["bigarchive"] = BigArchive
    return classes


class DemoSite:
    """Every demo site, each on its own port of ``host`` (a loopback address), in daemon threads.

    ``ports`` maps site name to port; a missing name or 0 means an ephemeral free port.
    ``slow_seconds`` is how long the citynews slow page takes; ``drip_seconds`` how long the trap drip
    page keeps sending; ``retry_after`` the seconds the trap 429 page asks for. ``big_archive`` also
    serves ``bigarchive`` (a news site with a 60,000-URL archive sitemap, see
    :mod:`infra.demo_site.bigarchive`); its source is in ``sources_yaml()`` only then.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        ports: dict[str, int] | None = None,
        *,
        slow_seconds: float = 2.0,
        drip_seconds: float = 120.0,
        retry_after: int = 5,
        huge_bytes: int = 12 * 1024 * 1024,
        bomb_inflated_bytes: int = 1024**3,
        big_archive: bool = False,
    ) -> None:
        if not is_loopback_host(host):
            raise ValueError(f"the demo site only binds to loopback addresses, not {host!r}")
        self.host = host
        self.ports = dict(ports or {})
        self.options = Options(slow_seconds, drip_seconds, retry_after, huge_bytes, bomb_inflated_bytes)
        self.big_archive = big_archive
        self.request_log: list[RequestRecord] = []
        self.sites: dict[str, str] = {}
        self._servers: dict[str, _SiteServer] = {}
        self._threads: list[threading.Thread] = []
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> DemoSite:
        """Bind every site and serve in background threads. Returns ``self``."""
        if self._servers:
            return self
        self._stopping.clear()
        try:
            for name, cls in site_classes(self.big_archive).items():
                server = _SiteServer((self.host, int(self.ports.get(name) or 0)), self)
                self._servers[name] = server
                port = server.server_address[1]
                base = f"http://{self.host}:{port}"
                server.site = cls(base, self.options)
                self.sites[name] = base
                thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"demo-{name}", daemon=True)
                thread.start()
                self._threads.append(thread)
        except BaseException:
            self.stop()
            raise
        for name, base in self.sites.items():
            log.info("demo site %-8s %s/", name, base)
        return self

    def stop(self) -> None:
        """Stop serving (open dripping responses are cut) and free the ports."""
        self._stopping.set()
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- public helpers --------------------------------------------------------------------

    def site(self, name: str) -> Site:
        """The live :class:`~infra.demo_site.site.Site` object of a running site."""
        try:
            return self._servers[name].site
        except KeyError:
            raise KeyError(f"no running demo site {name!r} (known: {', '.join(self._servers) or 'none, call start()'})") from None

    def url(self, site_name: str, path: str = "/") -> str:
        """Absolute URL of ``path`` on a site."""
        if not path.startswith("/"):
            path = "/" + path
        return self.site(site_name).url(path)

    def clear_log(self) -> None:
        """Forget the recorded requests."""
        with self._log_lock:
            self.request_log.clear()

    def requests_to(self, site_name: str, path_prefix: str = "") -> list[RequestRecord]:
        """Recorded requests to a site, optionally only those whose path starts with a prefix."""
        with self._log_lock:
            return [r for r in self.request_log if r.site == site_name and r.path.startswith(path_prefix)]

    def _record(self, record: RequestRecord) -> None:
        with self._log_lock:
            self.request_log.append(record)

    def update_article(self) -> str:
        """Switch the citynews "updated article" to its second version; returns its URL."""
        site = self.site("citynews")
        site.update()  # type: ignore[attr-defined]
        return site.updated_url()  # type: ignore[attr-defined]

    @property
    def expected(self) -> dict[str, Any]:
        """Ground truth for tests and benchmarks (see the README for every key)."""
        from .truth import build_expected

        return build_expected({name: server.site for name, server in self._servers.items()})

    def sources_yaml(self, *, traps_enabled: bool = False) -> str:
        """A ``sources.yaml`` for every demo source, real ports filled in."""
        from .truth import sources_yaml

        return sources_yaml({name: server.site for name, server in self._servers.items()}, traps_enabled=traps_enabled)

    def write_sources(self, path: str | Path, *, traps_enabled: bool = False) -> Path:
        """Write :meth:`sources_yaml` to ``path`` (atomically) and return it."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(self.sources_yaml(traps_enabled=traps_enabled), encoding="utf-8")
        partial.replace(target)  # atomic: whoever waits for the file never reads half of it
        return target


def wait_until(predicate: Any, timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass (for tests)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


__all__ = ["DemoSite", "RequestRecord", "wait_until"]
