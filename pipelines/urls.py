"""URL canonicalisation shared by the crawler's seen-URL check and the dedup stage.

One function, :func:`canonicalize_url`, so that the crawler and the archive agree
on what "the same URL" means: scheme/host case, default ports, fragments,
tracking parameters, sorted query, and the WordPress variants of one post
(``?replytocom=N``, ``?share=…``, ``/amp/``, ``/comment-page-N/``, ``/feed/``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import normalize_url

# Parameters that never change what page is served (analytics, share and comment widgets).
DROP_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
        "_ga", "_gl", "ref", "ref_src", "ref_url", "referrer", "cmpid", "ito", "ns_mchannel", "ns_source",
        "ns_campaign", "ns_linkname", "ns_fee", "spm", "share", "nb", "replytocom", "amp", "output",
        "noamp", "like_comment", "_wpnonce", "preview_id", "shared", "sh", "s_cid", "at_medium",
        "at_campaign", "xtor", "ocid", "src", "via", "CMP", "cmp",
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
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return url
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if _keep_param(k)))
    path = parts.path or "/"
    path = _VARIANT_SUFFIX.sub("/", path) or "/"
    amp = _AMP_PREFIX.match(path)
    if amp:
        path = amp.group(1)
    netloc = parts.netloc
    if fold_mobile_hosts:
        netloc = _AMP_HOST.sub("", netloc, count=1)
    try:
        cleaned = normalize_url(urlunsplit((parts.scheme, netloc, path, query, "")), strict=False, trailing_slash=True)
    except (ValueError, AttributeError):
        return url
    # courlan keeps an empty "?" in a few edge cases; the canonical form has none.
    return cleaned.rstrip("?")


def is_comment_or_share_variant(url: str) -> bool:
    """True for a URL that only differs from its post by a WordPress widget parameter or suffix."""
    parts = urlsplit(url)
    names = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return bool(names & {"replytocom", "share", "like_comment", "amp"}) or bool(_VARIANT_SUFFIX.search(parts.path))
