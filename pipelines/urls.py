"""URL canonicalisation shared by the crawler's seen-URL check and the dedup stage.

One function, :func:`canonicalize_url`, so that the crawler and the archive agree
on what "the same URL" means: scheme/host case, default ports, fragments,
tracking parameters, sorted query (identifying parameters kept, valueless ones too), and the WordPress variants of one post
(``?replytocom=N``, ``?share=…``, ``/amp/``, ``/comment-page-N/``, ``/feed/``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, quote_plus, unquote_plus, urlsplit, urlunsplit

from courlan import normalize_url

# Parameters that never change what page is served (analytics, sessions, share and comment widgets),
# compared in lower case. Everything else identifies the resource and stays.
DROP_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
        "_ga", "_gl", "ref", "ref_src", "ref_url", "referrer", "cmpid", "ito", "ns_mchannel", "ns_source",
        "ns_campaign", "ns_linkname", "ns_fee", "spm", "share", "nb", "replytocom", "amp", "output",
        "noamp", "like_comment", "_wpnonce", "preview_id", "shared", "sh", "s_cid", "at_medium",
        "at_campaign", "xtor", "ocid", "src", "via", "cmp",
        # session ids
        "phpsessid", "jsessionid", "sid", "sessionid", "session_id", "aspsessionid", "cfid", "cftoken", "zenid", "oscsid",
    }
)
DROP_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_", "vero_", "__hs", "_hs")

# Path suffixes that are another view of the same post (WordPress and common CMSs).
_VARIANT_SUFFIX = re.compile(r"(?<=[^/])/(?:amp|feed(?:/(?:rss2?|atom|rdf))?|comment-page-\d+|embed|trackback)/?$", re.I)
_AMP_PREFIX = re.compile(r"^/amp(/.+)$", re.I)
_AMP_HOST = re.compile(r"^(?:amp|m|mobile)\.", re.I)


def _keep_param(name: str) -> bool:
    lower = name.lower()
    return lower not in DROP_PARAMS and not lower.startswith(DROP_PREFIXES)


def canonicalize_url(url: str, *, fold_mobile_hosts: bool = False) -> str:
    """Return the canonical form of ``url``, or ``url`` stripped of spaces if it cannot be parsed.

    ``fold_mobile_hosts`` also drops an ``amp.``/``m.``/``mobile.`` host prefix: right for a
    dedup key, wrong for a URL that must still be fetchable.

    >>> canonicalize_url("HTTPS://Example.com:443/news/story/amp/?utm_source=x&replytocom=4#c")
    'https://example.com/news/story/'

    Results are cached (a crawl asks for the same URL's form several times: request, trap check,
    seen state, staging).
    """
    return _canonical(url, fold_mobile_hosts)


@lru_cache(maxsize=16384)
def _canonical(url: str, fold_mobile_hosts: bool) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return url
    query = canonical_query(parts.query)
    path = parts.path or "/"
    path = _VARIANT_SUFFIX.sub("/", path) or "/"
    amp = _AMP_PREFIX.match(path)
    if amp:
        path = amp.group(1)
    netloc = parts.netloc
    if fold_mobile_hosts:
        netloc = _AMP_HOST.sub("", netloc, count=1)
    try:
        # The query is ours: courlan's query cleaning unescapes HTML entities ("&sect" in
        # "&section=" became "§") and drops valueless keys ("read.php?1423").
        cleaned = normalize_url(urlunsplit((parts.scheme, netloc, path, "", "")), strict=False, trailing_slash=True)
    except (ValueError, AttributeError):
        return url
    return cleaned.rstrip("?") + (f"?{query}" if query else "")


def canonical_query(query: str) -> str:
    """The identifying part of a query string, sorted: every parameter except tracking, session
    and widget ones (:data:`DROP_PARAMS`, :data:`DROP_PREFIXES`).

    Identifiers stay, valueless keys included (``?1423``, ``?p=12``, ``?id=4``, ``?story=9``);
    ``key=value`` pairs are written as ``urlencode`` writes them, a valueless key as the bare key.
    """
    pairs: list[tuple[str, str | None]] = []
    for part in query.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = unquote_plus(name)
        if not name or not _keep_param(name):
            continue
        pairs.append((name, unquote_plus(value) if sep else None))
    pairs.sort(key=lambda kv: (kv[0], kv[1] is not None, kv[1] or ""))
    return "&".join(quote_plus(k) if v is None else f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs)


def is_comment_or_share_variant(url: str) -> bool:
    """True for a URL that only differs from its post by a WordPress widget parameter or suffix."""
    parts = urlsplit(url)
    names = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return bool(names & {"replytocom", "share", "like_comment", "amp"}) or bool(_VARIANT_SUFFIX.search(parts.path))
