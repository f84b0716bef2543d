"""One date parser for every date the project reads: feeds, sitemaps, HTTP headers and page metadata.

Feeds write RFC 822 (``Tue, 03 Nov 2026 08:00:00 GMT``), sitemaps and pages write W3C/ISO 8601
(``2026-11-03``, ``2026-11-03T08:00:00+01:00``, ``2026-11-03 08:00``), and pages also write the
odd variant (``+0100`` offsets, a date with trailing words). :func:`parse_datetime` reads all of
them; the answer is always timezone-aware (a missing zone is read as UTC: the date is what the
document says, only the offset is assumed) or ``None``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

#: Years outside this range are typos or placeholders (``0001-01-01``, ``2999-…``), not dates.
YEAR_RANGE = (1990, 2100)

_SPACE_TIME = re.compile(r"(\d)\s+(\d{2}:)")
_COMPACT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_datetime(value: str | None, *, years: tuple[int, int] | None = YEAR_RANGE, max_length: int = 64) -> datetime | None:
    """A timezone-aware datetime from an ISO 8601 / W3C or RFC 822 string, or ``None``.

    Tried in order: ISO 8601 (``Z``, ``+0100`` and a space before the time accepted), RFC 822
    (``email.utils``), then a leading ``YYYY-MM-DD`` (midnight UTC). ``years`` bounds the year
    (``None``: any year); ``max_length`` rejects longer strings (free text is not a date).
    Never raises.
    """
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) < 8 or len(text) > max_length:
        return None
    parsed = _iso(text)
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            parsed = None
    if parsed is None:
        try:
            parsed = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
        except ValueError:
            return None
    if years is not None and not years[0] <= parsed.year <= years[1]:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)  # the common case, fast (sitemaps list 50,000 of them)
    except ValueError:
        pass
    candidate = _SPACE_TIME.sub(r"\1T\2", text)
    candidate = _COMPACT_OFFSET.sub(r"\1:\2", candidate)
    try:
        return datetime.fromisoformat(candidate.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
