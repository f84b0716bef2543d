"""The private-address guard refuses metadata, intranet and (unless allowed) loopback addresses.

No test here sends a packet anywhere but loopback: names are resolved by a stub resolver, and
connections go to Twisted's in-memory reactor, which records connection attempts instead of
making them. The optional end-to-end test runs a crawl inside a fresh network namespace.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import HostnameEndpoint
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IHostnameResolver
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactorClock
from zope.interface import implementer

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from crawl_settings import get_crawler
from spiders.guard import (
    AddressRefused,
    PrivateAddressMiddleware,
    PrivateAddressResolver,
    refusal_reason,
)
from spiders.outcomes import stat_key

REPO = Path(__file__).resolve().parents[1]


@implementer(IHostnameResolver)
class StubResolver:
    """Answers from a fixed table, synchronously; records every name asked."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    def resolveHostName(self, receiver, hostName, portNumber=0, addressTypes=None, transportSemantics="TCP"):  # noqa: N802,N803
        self.asked.append(hostName)
        receiver.resolutionBegan(None)
        for host in self.table.get(hostName, []):
            kind = IPv6Address if ":" in host else IPv4Address
            receiver.addressResolved(kind("TCP", host, portNumber))
        receiver.resolutionComplete()
        return None


TABLE = {
    "metadata.test": ["169.254.169.254"],
    "intranet.test": ["10.0.0.1"],
    "home.test": ["127.0.0.1"],
    "v6home.test": ["::1"],
    "v6ula.test": ["fd00::1"],
    "v6link.test": ["fe80::1"],
    "mapped.test": ["::ffff:10.0.0.1"],
    "rebind.test": ["93.184.215.14", "10.0.0.1"],
    "public.test": ["93.184.215.14"],
}


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("169.254.169.254", "link-local"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fe80::1", "link-local"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:a00:1::1", "private"),  # 6to4 around 10.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 around 169.254.169.254
        ("224.0.0.1", "multicast"),
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_refusal_reasons(address: str, reason: str | None) -> None:
    assert refusal_reason(address) == reason


def test_allowing_loopback_allows_only_loopback() -> None:
    for address in ("127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"):
        assert refusal_reason(address, allow_loopback=True) is None
    for address in ("10.0.0.1", "169.254.169.254", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "0.0.0.0"):
        assert refusal_reason(address, allow_loopback=True) is not None


def _connect(host: str, allow_loopback: bool) -> tuple[MemoryReactorClock, list[object]]:
    """Connect a HostnameEndpoint to ``host`` through the guard, on a reactor that sends nothing."""
    reactor = MemoryReactorClock()
    guard = PrivateAddressResolver(reactor, allow_loopback=allow_loopback, upstream=StubResolver(TABLE))
    guard.install_on_reactor()
    assert reactor.nameResolver is guard
    outcome: list[object] = []
    d = HostnameEndpoint(reactor, host, 80).connect(Factory.forProtocol(Protocol))
    d.addBoth(outcome.append)
    reactor.advance(1)
    return reactor, outcome


@pytest.mark.parametrize("host", ["metadata.test", "intranet.test", "v6ula.test", "v6link.test", "mapped.test", "rebind.test"])
@pytest.mark.parametrize("allow_loopback", [False, True])
def test_resolver_refuses_private_answers_before_any_connection(host: str, allow_loopback: bool) -> None:
    reactor, outcome = _connect(host, allow_loopback)
    assert reactor.tcpClients == [], "a connection was attempted"
    assert outcome and outcome[0].check(DNSLookupError)  # type: ignore[union-attr]


@pytest.mark.parametrize("host", ["home.test", "v6home.test"])
def test_resolver_refuses_loopback_unless_allowed(host: str) -> None:
    reactor, _ = _connect(host, allow_loopback=False)
    assert reactor.tcpClients == []
    reactor, _ = _connect(host, allow_loopback=True)
    assert [c[0] for c in reactor.tcpClients] == [TABLE[host][0]]


def test_resolver_connects_to_public_address_it_checked() -> None:
    reactor, _ = _connect("public.test", allow_loopback=False)
    assert [c[0] for c in reactor.tcpClients] == ["93.184.215.14"]  # recorded, never sent


def _middleware(allow_loopback: bool, resolver: StubResolver | None = None) -> PrivateAddressMiddleware:
    crawler = get_crawler(settings_dict={"NEWSARCHIVE_ALLOW_LOOPBACK": allow_loopback})
    guard = PrivateAddressResolver(MemoryReactorClock(), allow_loopback=allow_loopback, upstream=resolver or StubResolver(TABLE))
    return PrivateAddressMiddleware(crawler, resolver=guard)


def _run(mw: PrivateAddressMiddleware, url: str) -> object:
    """Drive the async process_request (the stub answers synchronously); the result or exception."""
    out: list[object] = []
    Deferred.fromCoroutine(mw.process_request(Request(url))).addBoth(out.append)
    assert out, "process_request did not complete"
    result = out[0]
    return result.value if hasattr(result, "value") else result


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::ffff:10.0.0.1]/",
        "http://[fe80::1]/",
        "http://metadata.test/latest/meta-data/",
        "http://intranet.test:8080/admin",
    ],
)
@pytest.mark.parametrize("allow_loopback", [False, True])
def test_middleware_refuses_and_counts(url: str, allow_loopback: bool) -> None:
    mw = _middleware(allow_loopback)
    result = _run(mw, url)
    assert isinstance(result, AddressRefused) and isinstance(result, IgnoreRequest)
    assert mw.stats.get_value(stat_key("private-address")) == 1
    assert mw.stats.get_value(stat_key("private-address", result.reason)) == 1


def test_middleware_loopback_only_when_allowed() -> None:
    for url in ("http://127.0.0.1:8000/", "http://[::1]/", "http://home.test/"):
        assert isinstance(_run(_middleware(False), url), AddressRefused)
        assert _run(_middleware(True), url) is None


def test_redirect_to_loopback_is_refused_unless_allowed() -> None:
    """The redirect target RedirectMiddleware builds is refused before it is downloaded."""
    for allow_loopback, refused in ((False, True), (True, False)):
        crawler = get_crawler(settings_dict={"NEWSARCHIVE_ALLOW_LOOPBACK": allow_loopback})
        redirect = RedirectMiddleware.from_crawler(crawler)
        guard = PrivateAddressMiddleware(
            crawler, resolver=PrivateAddressResolver(MemoryReactorClock(), allow_loopback=allow_loopback, upstream=StubResolver(TABLE))
        )
        origin = Request("http://public.test/story")
        response = Response(origin.url, status=302, headers={"Location": "http://127.0.0.1:9/private"}, request=origin)
        target = redirect.process_response(origin, response)
        assert isinstance(target, Request) and target.url == "http://127.0.0.1:9/private"
        result = _run(guard, target.url)
        assert isinstance(result, AddressRefused) is refused
    for target_url in ("http://169.254.169.254/", "http://metadata.test/"):
        assert isinstance(_run(_middleware(True), target_url), AddressRefused)


def test_env_variable_allows_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_ALLOW_LOOPBACK", "1")
    crawler = get_crawler()
    mw = PrivateAddressMiddleware(crawler, resolver=StubResolver(TABLE))
    assert mw.allow_loopback
    assert _run(mw, "http://127.0.0.1/") is None
    assert isinstance(_run(mw, "http://10.0.0.1/"), AddressRefused)


def test_middleware_judges_answers_of_an_unguarded_resolver() -> None:
    mw = PrivateAddressMiddleware(get_crawler(), resolver=StubResolver(TABLE))
    result = _run(mw, "http://metadata.test/")
    assert isinstance(result, AddressRefused) and result.reason == "link-local"


# --- end to end, in a network namespace of its own ----------------------------------------------

NETNS_SCRIPT = textwrap.dedent(
    """
    set -e
    ip link set lo up
    ip addr add 169.254.169.254/32 dev lo
    ip addr add 10.0.0.1/32 dev lo
    exec "$PYTHON" "$HELPER"
    """
)

HELPER = textwrap.dedent(
    '''
    """Inside a private netns: serve on 169.254.169.254, 10.0.0.1 and 127.0.0.1, crawl all three
    with loopback allowed, and print what the servers saw."""
    import json, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits = []

    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append([self.server.server_address[0], self.path])
            if self.path == "/redirect":
                self.send_response(302); self.send_header("Location", "http://10.0.0.1:8081/secret")
                self.end_headers(); return
            body = b"<html><body>ok</body></html>"
            self.send_response(200); self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        def log_message(self, *a): pass

    for host in ("169.254.169.254", "10.0.0.1", "127.0.0.1"):
        s = ThreadingHTTPServer((host, 8081), H)
        threading.Thread(target=s.serve_forever, daemon=True).start()

    import scrapy
    from scrapy.crawler import CrawlerProcess

    seen = []

    class S(scrapy.Spider):
        name = "s"
        start_urls = ["http://169.254.169.254:8081/latest/meta-data/", "http://10.0.0.1:8081/",
                      "http://127.0.0.1:8081/redirect", "http://127.0.0.1:8081/ok"]
        def parse(self, response):
            seen.append(response.url)

    settings = {
        "TWISTED_DNS_RESOLVER": "spiders.guard.PrivateAddressResolver",
        "DOWNLOADER_MIDDLEWARES": {"spiders.guard.PrivateAddressMiddleware": 50},
        "NEWSARCHIVE_ALLOW_LOOPBACK": True, "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "WARNING",
        "RETRY_ENABLED": False,
    }
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(S)
    process.crawl(crawler)
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("newsarchive/")}
    print(json.dumps({"hits": hits, "seen": seen, "stats": stats}))
    '''
)


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs root and unshare --net")
def test_crawl_in_private_netns_never_reaches_private_addresses(tmp_path: Path) -> None:
    import json
    import os

    helper = tmp_path / "helper.py"
    helper.write_text(HELPER)
    env = {**os.environ, "PYTHON": sys.executable, "HELPER": str(helper), "PYTHONPATH": str(REPO)}
    env.pop("NEWSARCHIVE_ALLOW_LOOPBACK", None)
    proc = subprocess.run(
        ["unshare", "--net", "sh", "-c", NETNS_SCRIPT], capture_output=True, text=True, env=env, timeout=60, cwd=REPO
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    servers_hit = {host for host, _ in result["hits"]}
    assert servers_hit == {"127.0.0.1"}, result["hits"]
    assert result["seen"] == ["http://127.0.0.1:8081/ok"]
    stats = result["stats"]
    assert stats["newsarchive/outcome/private-address/link-local"] == 1
    assert stats["newsarchive/outcome/private-address/private"] == 2  # 10.0.0.1 and the redirect to it
