"""Deduplication: exact (canonical URL, normalised-text hash) and near-duplicate (MinHash + LSH,
verified over whole texts and on what remains once common shingles are left out).

- :func:`find_duplicates` (contract): the near-duplicate check as a batch function over texts;
- :class:`Deduplicator`: the stage over a stream of articles, against a :class:`DedupState`;
- :class:`DedupState`: the one interface of what dedup remembers, stored in the bucket
  (:class:`StoredDedupState`, ``DedupState.load``) or shared live in Redis
  (:class:`SharedDedupState`, :func:`connect_shared_state`).
"""

from pipelines.dedup.batch import find_duplicates
from pipelines.dedup.config import DedupConfig
from pipelines.dedup.index import Fingerprint, Match, NearDuplicateIndex
from pipelines.dedup.shared import REDIS_URL_ENV, SharedDedupState, connect_shared_state
from pipelines.dedup.stage import DEDUP_OUTCOMES, Deduplicator, url_key
from pipelines.dedup.state import DedupState, DedupStateError, FlushResult, ObjectStore
from pipelines.dedup.stored import MANIFEST_KEY, StoredDedupState

__all__ = [
    "DEDUP_OUTCOMES", "MANIFEST_KEY", "REDIS_URL_ENV", "DedupConfig", "DedupState", "DedupStateError",
    "Deduplicator", "Fingerprint", "FlushResult", "Match", "NearDuplicateIndex", "ObjectStore",
    "SharedDedupState", "StoredDedupState", "connect_shared_state", "find_duplicates", "url_key",
]
