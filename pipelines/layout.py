"""The bucket layout: every object key and prefix newsarchive reads or writes (a public contract).

One home for it, so that every writer (crawler, processing, archive, maintenance) and every reader
(``newsarchive ls/show/search``, the DAGs, users' programs) agree::

  staging/<run_id>/<source>/records.jsonl            extracted articles of one crawl run (JSONL)
  staging/<run_id>/<source>/responses.warc.gz        every response of that run (WARC)
  staging/<run_id>/<source>/summary.json             one source's crawl summary
  staging/<run_id>/run.json                          the run summary (written last: run complete)
  articles/<source>/<YYYY>/<MM>/<DD>/<slug>-<id>.json  an article, latest revision
  articles/<source>/<YYYY>/<MM>/<DD>/<slug>-<id>.html  its reader view
  revisions/<id>/<content-hash>.json                 earlier revisions
  raw/<source>/<YYYY>/<MM>/<DD>/<run_id>.warc.gz     raw responses, moved from staging when processed
  manifests/date=<YYYY-MM-DD>/<run_id>.parquet       one row per archived article or duplicate
  browse/index.html                                  static browse pages: sources, recent days, tags
  browse/sources/<source>.html                       one source: its days with counts
  browse/days/<source>/<YYYY-MM-DD>.html             one source, one day: links to the reader views
  browse/tags/<tag>.html                             one tag (topic or page tag): links to the reader views
  _state/articles/<id>.json                          pointer: where the latest revision of <id> lives
  _state/duplicates/<original-id>/<id>-<hash>.json   a duplicate record, kept whole
  _state/seen/<source>.json                          the crawler's seen-URL state
  _state/dedup/…                                     the near-duplicate index
  _state/runs/<run_id>/process.json                  the processing report of a run

Keys are built from cleaned slugs, ids and hashes, never from raw URLs or titles; every segment is
ASCII ``[a-z0-9-]`` (see :func:`segment`), so hostile input cannot produce ``..``, ``//`` or an
over-long key.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime

STAGING = "staging/"
ARTICLES = "articles/"
REVISIONS = "revisions/"
RAW = "raw/"
MANIFESTS = "manifests/"
BROWSE = "browse/"
STATE = "_state/"

POINTERS = STATE + "articles/"
DUPLICATES = STATE + "duplicates/"
SEEN = STATE + "seen/"
DEDUP_STATE = STATE + "dedup/"
RUNS = STATE + "runs/"

#: What may be readable without credentials (browse pages and reader views link to each other).
PUBLIC_PREFIXES = (BROWSE, ARTICLES)

#: File names inside ``staging/<run_id>/<source>/``.
RECORDS_FILE = "records.jsonl"
WARC_FILE = "responses.warc.gz"
SUMMARY_FILE = "summary.json"
#: The run summary inside ``staging/<run_id>/``.
RUN_FILE = "run.json"
#: The processing report inside ``_state/runs/<run_id>/``.
PROCESS_REPORT_FILE = "process.json"

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_RUN_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$")
_RUN_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T")
SLUG_MAX = 60
SEGMENT_MAX = 63


def slug(title: str | None, max_len: int = SLUG_MAX) -> str:
    """ASCII slug of a title for object keys (``"Élection: 5 things"`` -> ``"election-5-things"``)."""
    ascii_title = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode().lower()
    text = _NON_SLUG.sub("-", ascii_title).strip("-")[:max_len].rstrip("-")
    return text or "article"


def segment(value: str | None, default: str = "unknown") -> str:
    """One safe key segment (a source id, a tag): ``[a-z0-9-]``, at most 63 characters."""
    return _NON_SLUG.sub("-", (value or "").lower()).strip("-")[:SEGMENT_MAX].strip("-") or default


def run_id_segment(run_id: str) -> str:
    """A run id checked for use in a key (``YYYYMMDDTHHMMSSZ-<hex>`` or similar); raises ValueError."""
    if not _RUN_ID.match(run_id or ""):
        raise ValueError(f"not a valid run id: {run_id!r} (letters, digits, '-' and '_', at most 64)")
    return run_id


def run_date(run_id: str) -> date | None:
    """The day a run started, from its id (``20261120T093000Z-ab12cd`` -> 2026-11-20), else None."""
    found = _RUN_DATE.match(run_id or "")
    if not found:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


def day_path(when: date | datetime) -> str:
    """``YYYY/MM/DD`` of a date (a datetime should already be in UTC)."""
    return f"{when:%Y/%m/%d}"


# --- staging ------------------------------------------------------------------------------------


def staging_run_prefix(run_id: str) -> str:
    """``staging/<run_id>/``."""
    return f"{STAGING}{run_id_segment(run_id)}/"


def staging_source_prefix(run_id: str, source: str) -> str:
    """``staging/<run_id>/<source>/``."""
    return f"{staging_run_prefix(run_id)}{source}/"


def staged_key(run_id: str, source: str, name: str) -> str:
    """``staging/<run_id>/<source>/<name>`` (``name``: one of the ``*_FILE`` names)."""
    return staging_source_prefix(run_id, source) + name


def run_summary_key(run_id: str) -> str:
    """``staging/<run_id>/run.json``: written last by a crawl run."""
    return staging_run_prefix(run_id) + RUN_FILE


def _segments_under(prefix: str, key: str, count: int) -> list[str] | None:
    """The ``count`` non-empty segments of ``key`` after ``prefix``, else None."""
    if not key.startswith(prefix):
        return None
    parts = key[len(prefix):].split("/")
    return parts if len(parts) == count and all(parts) else None


def parse_run_summary_key(key: str) -> str | None:
    """The run id of a ``staging/<run_id>/run.json`` key, else None."""
    parts = key[len(STAGING):].split("/") if key.startswith(STAGING) else []
    return parts[0] if len(parts) == 2 and parts[0] and parts[1] == RUN_FILE else None


def parse_staged_key(key: str) -> tuple[str, str, str] | None:
    """``(run_id, source, file name)`` of a key under ``staging/<run_id>/<source>/``, else None."""
    parts = _segments_under(STAGING, key, 3)
    return (parts[0], parts[1], parts[2]) if parts else None


# --- archive ------------------------------------------------------------------------------------


def article_prefix(source: str | None = None) -> str:
    """``articles/`` or ``articles/<source>/``."""
    return f"{ARTICLES}{segment(source)}/" if source else ARTICLES


def article_key(source: str | None, when: datetime, title: str | None, article_id: str, ext: str = "json") -> str:
    """``articles/<source>/<YYYY>/<MM>/<DD>/<slug>-<id>.<ext>`` (``when`` in UTC)."""
    return f"{article_prefix(source)}{day_path(when)}/{slug(title)}-{segment(article_id)}.{ext}"


def reader_view_key(json_key: str) -> str:
    """The reader view beside an article's JSON: same key, ``.html``."""
    return json_key[: -len(".json")] + ".html" if json_key.endswith(".json") else json_key + ".html"


def revision_key(article_id: str, content_hash: str) -> str:
    """``revisions/<id>/<content-hash>.json``: an earlier revision."""
    return f"{REVISIONS}{segment(article_id)}/{segment(content_hash)}.json"


def pointer_key(article_id: str) -> str:
    """``_state/articles/<id>.json``: where the latest revision of an article lives."""
    return f"{POINTERS}{segment(article_id)}.json"


def duplicate_key(original_id: str, article_id: str, content_hash: str) -> str:
    """``_state/duplicates/<original-id>/<id>-<content-hash>.json``."""
    return f"{DUPLICATES}{segment(original_id)}/{segment(article_id)}-{segment(content_hash)}.json"


def raw_warc_key(source: str, when: date | datetime, run_id: str) -> str:
    """``raw/<source>/<YYYY>/<MM>/<DD>/<run_id>.warc.gz``."""
    return f"{RAW}{segment(source)}/{day_path(when)}/{run_id_segment(run_id)}.warc.gz"


def manifest_key(day: date, run_id: str, ext: str = "parquet") -> str:
    """``manifests/date=<YYYY-MM-DD>/<run_id>.<ext>`` (Hive-style partition for DuckDB/Athena/Spark)."""
    return f"{MANIFESTS}date={day:%Y-%m-%d}/{run_id_segment(run_id)}.{ext}"


def parse_article_key(key: str) -> tuple[str, date, str] | None:
    """``(source, day, file name)`` of a key under ``articles/<source>/<YYYY>/<MM>/<DD>/``, else None."""
    parts = _segments_under(ARTICLES, key, 5)
    if parts is None:
        return None
    try:
        day = date(int(parts[1]), int(parts[2]), int(parts[3]))
    except ValueError:
        return None
    return parts[0], day, parts[4]


def manifest_prefix(day: date | None = None) -> str:
    """``manifests/`` or ``manifests/date=<YYYY-MM-DD>/``."""
    return f"{MANIFESTS}date={day:%Y-%m-%d}/" if day else MANIFESTS


# --- browse pages -------------------------------------------------------------------------------


def browse_index_key() -> str:
    """``browse/index.html``: sources, recent days and tags, with counts."""
    return f"{BROWSE}index.html"


def browse_source_key(source: str) -> str:
    """``browse/sources/<source>.html``: the days of one source."""
    return f"{BROWSE}sources/{segment(source)}.html"


def browse_day_key(source: str, day: date) -> str:
    """``browse/days/<source>/<YYYY-MM-DD>.html``: one source's articles of one day."""
    return f"{BROWSE}days/{segment(source)}/{day:%Y-%m-%d}.html"


def browse_tag_key(tag: str) -> str:
    """``browse/tags/<tag>.html``: the articles carrying one tag or topic. A tag that is not
    already an ASCII slug (``Économie``, ``東京``) gets its slug plus 8 hex digits of its hash, so
    distinct tags never share a page."""
    name = slug(tag, SLUG_MAX)
    if name != tag:
        name = f"{name}-{hashlib.sha256(tag.encode('utf-8')).hexdigest()[:8]}"
    return f"{BROWSE}tags/{name}.html"


def relative_link(from_key: str, to_key: str) -> str:
    """The relative URL from the object ``from_key`` to ``to_key`` (pages in the bucket link to
    each other relatively, so they work from any endpoint, presigned or public)."""
    import posixpath

    return posixpath.relpath(to_key, posixpath.dirname(from_key) or ".")


# --- state --------------------------------------------------------------------------------------


def seen_key(source: str) -> str:
    """``_state/seen/<source>.json``: the crawler's seen-URL state of one source."""
    return f"{SEEN}{source}.json"


def process_report_key(run_id: str) -> str:
    """``_state/runs/<run_id>/process.json``: the processing report of a staged run."""
    return f"{RUNS}{run_id_segment(run_id)}/{PROCESS_REPORT_FILE}"


def parse_process_report_key(key: str) -> str | None:
    """The run id of a ``_state/runs/<run_id>/process.json`` key, else None."""
    if not key.startswith(RUNS) or not key.endswith("/" + PROCESS_REPORT_FILE):
        return None
    run_id = key[len(RUNS): -len("/" + PROCESS_REPORT_FILE)]
    return run_id if run_id and "/" not in run_id else None
