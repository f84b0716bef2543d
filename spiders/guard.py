"""Private-address guard: the crawler never connects to a private, loopback or link-local address.

Cloud metadata endpoints (``169.254.169.254``), intranet hosts (``10.x``, ``192.168.x``,
``fc00::/7``) and the machine itself (``127.x``, ``::1``) are refused by default, however a URL
reaches them: a literal IP, a host name that resolves there, or a redirect to either.

Two layers, both built from the crawl settings:

* :class:`PrivateAddressResolver` (installed as ``TWISTED_DNS_RESOLVER``) filters the answers of
  the reactor's own resolver, so the address a connection is made to is the address that was
  checked: a name resolving to a refused address yields no address and the connection fails
  before a packet is sent. Allowed answers are cached, so a name cannot rebind between the check
  and the connection.
* :class:`PrivateAddressMiddleware` (downloader middleware, first in the chain) refuses literal
  IPs and resolves host names through the reactor's resolver *before* the request is queued, so
  every request, redirect target and ``robots.txt`` fetch is refused with a counted reason
  (``private-address/<reason>``) instead of a retried DNS error.

``NEWSARCHIVE_ALLOW_LOOPBACK`` (or ``$NEWSARCHIVE_ALLOW_LOOPBACK=1``) allows ``127.0.0.0/8`` and
``::1`` only, for the demo site and tests; private and link-local addresses stay refused.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import (
    IAddress,
    IHostnameResolver,
    IHostResolution,
    IResolutionReceiver,
)
from zope.interface import implementer, provider

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from spiders.limits import awaitable
from spiders.outcomes import count

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

ALLOW_LOOPBACK_SETTING = "NEWSARCHIVE_ALLOW_LOOPBACK"
ALLOW_LOOPBACK_ENV = "NEWSARCHIVE_ALLOW_LOOPBACK"
OUTCOME = "private-address"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not flagged by the stdlib in Python 3.11 but never a public web server.
_EXTRA_REFUSED: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = (
    (ipaddress.ip_network("100.64.0.0/10"), "private"),  # carrier-grade NAT
    (ipaddress.ip_network("0.0.0.0/8"), "unspecified"),  # "this network"; 0.0.0.0 reaches localhost
    (ipaddress.ip_network("64:ff9b:1::/48"), "private"),  # local-use NAT64
)


def allow_loopback_from(settings: Any) -> bool:
    """True when the settings or the environment explicitly allow loopback addresses."""
    if os.environ.get(ALLOW_LOOPBACK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}:
        return True
    return bool(settings is not None and settings.getbool(ALLOW_LOOPBACK_SETTING))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried by an IPv4-mapped, -compatible, 6to4 or NAT64 IPv6 address."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    value = int(ip)
    if 1 < value < 2**32:  # deprecated IPv4-compatible form ::a.b.c.d (not :: or ::1)
        return ipaddress.IPv4Address(value)
    if ip in ipaddress.ip_network("64:ff9b::/96"):  # well-known NAT64 prefix
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    return None


def refusal_reason(address: str | IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why the crawler must not connect to ``address``, or ``None`` when it may.

    Reasons: ``loopback``, ``link-local``, ``private``, ``unspecified``, ``multicast``,
    ``reserved``, ``non-global`` and ``invalid``. IPv6 forms that embed an IPv4 address
    (``::ffff:10.0.0.1``, 6to4, NAT64) are judged by that IPv4 address.
    """
    try:
        ip = address if isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address) else _parse_ip(address)
    except ValueError:
        return "invalid"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return refusal_reason(inner, allow_loopback=allow_loopback)
        if ip.scope_id:  # fe80::1%eth0 and friends
            return "link-local"
    if ip.is_loopback:
        return None if allow_loopback else "loopback"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_link_local:
        return "link-local"
    for network, reason in _EXTRA_REFUSED:
        if ip.version == network.version and ip in network:
            return reason
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "non-global"
    return None


def _parse_ip(text: str) -> IPAddress:
    return ipaddress.ip_address(text.strip().strip("[]"))


def literal_ip(host: str) -> IPAddress | None:
    """The IP address written as ``host`` (``10.0.0.1``, ``[::1]``), or ``None`` for a name."""
    try:
        return _parse_ip(host)
    except ValueError:
        return None


def _address_host(address: IAddress) -> str:
    return str(getattr(address, "host", ""))


class AddressRefused(IgnoreRequest):
    """A request was refused because its host is, or resolves to, a refused address."""

    def __init__(self, url: str, address: str, reason: str) -> None:
        super().__init__(f"refused {reason} address {address} for {url}")
        self.url = url
        self.address = address
        self.reason = reason


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:  # pragma: no cover - twisted never cancels these
        pass


@provider(IResolutionReceiver)
class _FilteringReceiver:
    """Passes on the allowed addresses of a resolution and remembers the refused ones."""

    def __init__(self, owner: PrivateAddressResolver, receiver: IResolutionReceiver, host: str) -> None:
        self.owner = owner
        self.receiver = receiver
        self.host = host
        self.allowed: list[IAddress] = []
        self.refused: list[tuple[str, str]] = []

    def resolutionBegan(self, resolution: IHostResolution) -> None:  # noqa: N802 - twisted interface
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:  # noqa: N802
        host = _address_host(address)
        reason = refusal_reason(host, allow_loopback=self.owner.allow_loopback)
        if reason:
            self.refused.append((host, reason))
        else:
            self.allowed.append(address)

    def resolutionComplete(self) -> None:  # noqa: N802
        if self.refused:
            # One refused answer refuses the name: a host that mixes public and private
            # answers is either misconfigured or a rebinding attempt.
            self.owner._remember_refusal(self.host, *self.refused[0])
        else:
            self.owner._remember_allowed(self.host, [_address_host(a) for a in self.allowed])
            for address in self.allowed:
                self.receiver.addressResolved(address)
        self.receiver.resolutionComplete()


@implementer(IHostnameResolver)
class PrivateAddressResolver:
    """A name resolver that never hands out a refused address (see module docstring).

    Wraps the reactor's current name resolver (Twisted's getaddrinfo resolver: IPv4 and IPv6).
    Scrapy builds it once per process with the process settings, so
    ``NEWSARCHIVE_ALLOW_LOOPBACK`` must be set there (``spiders.run --allow-loopback`` does).
    """

    def __init__(
        self,
        reactor: Any,
        *,
        allow_loopback: bool = False,
        cache_seconds: float = 300.0,
        cache_size: int = 10000,
        upstream: IHostnameResolver | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.reactor = reactor
        self.allow_loopback = allow_loopback
        self.cache_seconds = cache_seconds
        self.cache_size = cache_size
        self.upstream: IHostnameResolver = upstream if upstream is not None else reactor.nameResolver
        self.clock = clock
        self._allowed: dict[str, tuple[float, list[str]]] = {}
        #: host name -> (address, reason) of its last refusal; read by the middleware for stats.
        self.refused: dict[str, tuple[str, str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> PrivateAddressResolver:
        # ``crawler`` is the CrawlerProcess here (Scrapy passes it for the reactor-wide resolver).
        settings = crawler.settings
        cache_seconds = 300.0 if settings.getbool("DNSCACHE_ENABLED") else 0.0
        return cls(
            reactor,
            allow_loopback=allow_loopback_from(settings),
            cache_seconds=cache_seconds,
            cache_size=settings.getint("DNSCACHE_SIZE"),
        )

    def install_on_reactor(self) -> None:
        """Install as the reactor's name resolver (called by Scrapy at process start)."""
        if isinstance(self.upstream, PrivateAddressResolver):  # a second crawl in one process
            self.upstream = self.upstream.upstream
        self.reactor.installNameResolver(self)

    def _remember_allowed(self, host: str, addresses: list[str]) -> None:
        self.refused.pop(host, None)
        if self.cache_seconds <= 0 or not addresses:
            return
        if len(self._allowed) >= self.cache_size:
            self._allowed.pop(next(iter(self._allowed)))
        self._allowed[host] = (self.clock() + self.cache_seconds, addresses)

    def _remember_refusal(self, host: str, address: str, reason: str) -> None:
        self._allowed.pop(host, None)
        self.refused[host] = (address, reason)
        logger.warning("Refused %s: it resolves to the %s address %s", host, reason, address)

    def resolveHostName(  # noqa: N802 - twisted interface
        self,
        resolutionReceiver: IResolutionReceiver,  # noqa: N803
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Sequence[type[IAddress]] | None = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> IHostResolution:
        cached = self._allowed.get(hostName)
        if cached is not None and cached[0] > self.clock():
            from twisted.internet.address import IPv4Address, IPv6Address

            resolution = _Resolution(hostName)
            resolutionReceiver.resolutionBegan(resolution)
            for host in cached[1]:
                kind = IPv6Address if ":" in host else IPv4Address
                if addressTypes is None or kind in addressTypes:
                    resolutionReceiver.addressResolved(kind("TCP", host, portNumber))
            resolutionReceiver.resolutionComplete()
            return resolution
        return self.upstream.resolveHostName(
            _FilteringReceiver(self, resolutionReceiver, hostName),
            hostName,
            portNumber,
            addressTypes,
            transportSemantics,
        )


@provider(IResolutionReceiver)
class _Collector:
    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.done: Deferred[list[str]] = Deferred()

    def resolutionBegan(self, resolution: IHostResolution) -> None:  # noqa: N802
        pass

    def addressResolved(self, address: IAddress) -> None:  # noqa: N802
        self.addresses.append(_address_host(address))

    def resolutionComplete(self) -> None:  # noqa: N802
        self.done.callback(self.addresses)


def resolve(resolver: IHostnameResolver, host: str, port: int = 0) -> Deferred[list[str]]:
    """All addresses ``resolver`` gives for ``host`` (as strings); fires once resolution completes."""
    collector = _Collector()
    resolver.resolveHostName(collector, host, port)
    return collector.done


class PrivateAddressMiddleware:
    """Downloader middleware refusing requests whose host is or resolves to a refused address.

    Runs early (priority 60: after the offsite filter, so off-site hosts are never even looked
    up; before ``RobotsTxtMiddleware``), so a redirect target or a ``robots.txt`` URL is checked before
    it is queued for download; a refusal is an ``IgnoreRequest`` (never retried), logged at
    WARNING and counted as ``private-address/<reason>``.
    """

    def __init__(self, crawler: Crawler, *, resolver: IHostnameResolver | None = None) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.allow_loopback = allow_loopback_from(crawler.settings)
        self._resolver = resolver

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressMiddleware:
        return cls(crawler)

    @property
    def resolver(self) -> IHostnameResolver:
        if self._resolver is None:
            from twisted.internet import reactor

            return reactor.nameResolver  # type: ignore[attr-defined,no-any-return]
        return self._resolver

    def _refuse(self, request: Request, address: str, reason: str) -> AddressRefused:
        count(self.stats, OUTCOME, reason)
        logger.warning("Refused %s: %s address %s", request.url, reason, address)
        return AddressRefused(request.url, address, reason)

    def check_literal(self, request: Request) -> str | None:
        """Refuse a literal-IP URL at once; return the host name to resolve otherwise."""
        try:
            host = urlsplit(request.url).hostname
        except ValueError:
            host = None
        if not host:
            if request.url.startswith(("http:", "https:")):
                raise self._refuse(request, "", "invalid")
            return None  # data:, file: ... have no host
        ip = literal_ip(host)
        if ip is None:
            return host
        reason = refusal_reason(ip, allow_loopback=self.allow_loopback)
        if reason:
            raise self._refuse(request, str(ip), reason)
        return None

    async def process_request(self, request: Request, spider: Any = None) -> None:
        host = self.check_literal(request)
        if host is None:
            return
        resolver = self.resolver
        addresses = await awaitable(resolve(resolver, host))
        refused = getattr(resolver, "refused", {}).get(host)
        if refused and not addresses:
            raise self._refuse(request, *refused)
        for address in addresses:  # a resolver that does not filter: judge its answers here
            reason = refusal_reason(address, allow_loopback=self.allow_loopback)
            if reason:
                raise self._refuse(request, address, reason)
        # No address at all is an ordinary DNS failure: the download reports it.

