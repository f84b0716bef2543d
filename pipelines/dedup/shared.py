"""Dedup state shared live in Redis by several concurrent workers.

Every write goes to Redis when it is made (URL and text claims atomically with ``HSETNX``), so a
worker sees another's articles at once and there is nothing to flush. Layout under ``prefix``:
``urls``/``versions``/``latest``/``texts_by_hash`` (hashes: the exact tables), ``counted`` (set: the
near-duplicates whose shingles were counted), ``texts`` (hash:
shingle count + sketch per indexed text), ``band:<key>`` (one set per LSH bucket), ``df:<row>``
(strings of saturating ``u8`` counters: the shingle document-frequency sketch, via ``BITFIELD``)
and ``index_shape``. Needs the ``redis`` package (the ``shared`` extra).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any

import numpy as np

from pipelines.dedup.config import DedupConfig
from pipelines.dedup.index import Candidate, Fingerprint, NearDuplicateIndex
from pipelines.dedup.minhash import ShingleFrequency
from pipelines.dedup.state import DedupState, DedupStateError, FlushResult, ObjectStore

log = logging.getLogger(__name__)

REDIS_URL_ENV = "NEWSARCHIVE_DEDUP_REDIS_URL"
DEFAULT_PREFIX = "newsarchive:dedup:"

# Raise a hash field to ARGV[2] unless it already holds more (the latest revision of a URL).
_RAISE_TO = """
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > current then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1
"""


class RedisIndex:
    """:class:`~pipelines.dedup.index.IndexBackend` in Redis: one set per LSH bucket, one hash entry
    per text (size + sketch), shingle counts in ``BITFIELD`` strings; pipelined, about four round
    trips per article. The counters do not age here (:class:`ShingleFrequency` halves its own)."""

    def __init__(self, client: Any, prefix: str, config: DedupConfig) -> None:
        self.redis, self.prefix, self.config = client, prefix, config
        self._cells = ShingleFrequency(config.df_width_bits, allocate=False)

    def __len__(self) -> int:
        return int(self.redis.hlen(self.prefix + "texts"))

    def candidates(self, band_keys: np.ndarray, limit: int) -> list[Candidate]:
        pipe = self.redis.pipeline(transaction=False)
        for key in band_keys.tolist():
            pipe.smembers(f"{self.prefix}band:{key:x}")
        hits: Counter[bytes] = Counter(member for members in pipe.execute() for member in members)
        ids = [doc for doc, _ in hits.most_common(limit)]
        if not ids:
            return []
        return [(doc.decode(), np.frombuffer(blob[4:], dtype=np.uint32), int.from_bytes(blob[:4], "little"))
                for doc, blob in zip(ids, self.redis.hmget(self.prefix + "texts", ids), strict=True) if blob]

    def add(self, doc_id: str, fp: Fingerprint) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(self.prefix + "texts", doc_id, fp.size.to_bytes(4, "little") + fp.sketch.astype(np.uint32).tobytes())
        for key in fp.band_keys.tolist():
            pipe.sadd(f"{self.prefix}band:{key:x}", doc_id)
        pipe.execute()

    def shingle_counts(self, values: np.ndarray) -> np.ndarray:
        if not len(values):
            return np.empty(0, dtype=np.uint8)
        cells = self._cells.cells(values)
        pipe = self.redis.pipeline(transaction=False)
        for row in range(cells.shape[0]):
            pipe.bitfield_ro(f"{self.prefix}df:{row}", "u8", f"#{cells[row, 0]}",
                             items=[("u8", f"#{cell}") for cell in cells[row, 1:].tolist()])
        counts = np.array(pipe.execute(), dtype=np.int64)
        return counts.min(axis=0).astype(np.uint8)

    def count_shingles(self, values: np.ndarray) -> None:
        if not len(values):
            return
        cells = self._cells.cells(values)
        pipe = self.redis.pipeline(transaction=False)
        for row in range(cells.shape[0]):
            field = pipe.bitfield(f"{self.prefix}df:{row}", default_overflow="SAT")
            for cell in np.unique(cells[row]).tolist():
                field.incrby("u8", f"#{cell}", 1)
            field.execute()
        pipe.execute()


class SharedDedupState(DedupState):
    """:class:`DedupState` in Redis (see :func:`connect_shared_state`)."""

    def __init__(self, client: Any, prefix: str = DEFAULT_PREFIX, config: DedupConfig | None = None) -> None:
        self.config = config or DedupConfig()
        self.redis, self.prefix = client, prefix
        self.index = NearDuplicateIndex(self.config, RedisIndex(client, prefix, self.config))
        self._raise_to = client.register_script(_RAISE_TO)

    def _get(self, table: str, field: str) -> str | None:
        value = self.redis.hget(self.prefix + table, field)
        return None if value is None else value.decode()

    def article_of(self, url_key: str) -> str | None:
        return self._get("urls", url_key)

    def revision_of(self, url_key: str, text_hash: str) -> int | None:
        value = self._get("versions", f"{url_key}:{text_hash}")
        return None if value is None else int(value)

    def latest_revision(self, url_key: str) -> int:
        return int(self._get("latest", url_key) or 0)

    def owner_of_text(self, text_hash: str) -> str | None:
        return self._get("texts_by_hash", text_hash)

    def mark_counted(self, text_hash: str) -> bool:
        return bool(self.redis.sadd(self.prefix + "counted", text_hash))

    def remember(self, url_key: str, article_id: str, text_hash: str, revision: int) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.hsetnx(self.prefix + "urls", url_key, article_id)
        pipe.hset(self.prefix + "versions", f"{url_key}:{text_hash}", revision)
        pipe.hsetnx(self.prefix + "texts_by_hash", text_hash, article_id)
        self._raise_to(keys=[self.prefix + "latest"], args=[url_key, revision], client=pipe)
        pipe.execute()

    def flush(self, storage: ObjectStore | None = None, run_id: str | None = None) -> FlushResult:
        """Nothing to write: every change reached Redis when it was made. Says so (and logs it)."""
        reason = f"shared state in Redis ({self.prefix}): every change was written when it was made"
        log.info("dedup flush: %s", reason)
        return FlushResult(None, reason)


def connect_shared_state(url: str, config: DedupConfig | None = None, *, prefix: str = DEFAULT_PREFIX) -> SharedDedupState:
    """A :class:`DedupState` living in Redis at ``url`` (``redis://host:port/db``) for several
    concurrent workers. Raises :class:`DedupStateError` when the stored index shape differs from
    ``config``'s. Needs the ``redis`` package."""
    import redis

    client = redis.Redis.from_url(url)
    config = config or DedupConfig()
    shape = json.dumps(config.index_shape(), sort_keys=True)
    client.setnx(prefix + "index_shape", shape)
    stored = client.get(prefix + "index_shape").decode()
    if stored != shape:
        raise DedupStateError(f"{url} {prefix}index_shape: stored index shape {stored} differs from {shape}")
    return SharedDedupState(client, prefix, config)
