"""What dedup remembers across runs, behind one interface: stored in the bucket or shared in Redis.

:class:`DedupState` is that interface: the exact tables (URL key -> article, (URL key, content
hash) -> revision, content hash -> article) and the near-duplicate index, plus :meth:`flush`.
:class:`~pipelines.dedup.stored.StoredDedupState` keeps them in memory and writes segments to the
bucket; :class:`~pipelines.dedup.shared.SharedDedupState` keeps them in Redis for concurrent workers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pipelines.dedup.config import DedupConfig
from pipelines.dedup.index import Fingerprint, NearDuplicateIndex


class DedupStateError(RuntimeError):
    """The stored dedup state cannot be used (e.g. built with another index shape)."""


class ObjectStore(Protocol):
    """The bucket operations stored dedup state uses (``pipelines.storage.Storage`` provides them).

    ``get_*`` raise when the key is missing; ``put_bytes(if_none_match=True)`` creates only;
    ``update_json`` is a conditional read-modify-write (``fn`` gets ``None`` when absent).
    """

    def head(self, key: str) -> object | None: ...

    def get_bytes(self, key: str) -> bytes: ...

    def get_json(self, key: str) -> Any: ...

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None, if_none_match: bool = False) -> str: ...

    def update_json(self, key: str, fn: Callable[[Any], Any]) -> Any: ...

    def delete(self, key: str) -> None: ...


@dataclass(frozen=True)
class FlushResult:
    """What :meth:`DedupState.flush` did: the segment written, or why nothing had to be."""

    segment: str | None
    reason: str

    @property
    def written(self) -> bool:
        return self.segment is not None


class DedupState(ABC):
    """Everything dedup remembers across runs: URL keys, text hashes, revisions, the near-dup index.

    The stage (:class:`~pipelines.dedup.stage.Deduplicator`) uses only these methods, so a
    stored and a shared state decide alike.
    """

    config: DedupConfig
    index: NearDuplicateIndex

    @classmethod
    def load(cls, storage: ObjectStore, config: DedupConfig | None = None, *, cache_dir: Path | None = None) -> DedupState:
        """The state stored in ``storage`` (empty if there is none yet); see
        :meth:`pipelines.dedup.stored.StoredDedupState.load`."""
        from pipelines.dedup.stored import (
            StoredDedupState,  # the default lives beside its storage format
        )

        return StoredDedupState.load(storage, config, cache_dir=cache_dir)

    @abstractmethod
    def article_of(self, url_key: str) -> str | None:
        """The article id first stored under ``url_key``."""

    @abstractmethod
    def revision_of(self, url_key: str, text_hash: str) -> int | None:
        """The revision number of the text with ``text_hash`` at ``url_key``, if known."""

    @abstractmethod
    def latest_revision(self, url_key: str) -> int:
        """The highest revision stored under ``url_key`` (0 when none)."""

    @abstractmethod
    def owner_of_text(self, text_hash: str) -> str | None:
        """The article that first had the text with ``text_hash``."""

    @abstractmethod
    def remember(self, url_key: str, article_id: str, text_hash: str, revision: int) -> None:
        """Record one article version (a new article or a revision). The first claim of a URL key
        or a text wins (atomically, for a shared state)."""

    @abstractmethod
    def mark_counted(self, text_hash: str) -> bool:
        """Note that the shingles of the text with ``text_hash`` were counted; False when they already
        were (a re-run must not count a near-duplicate twice)."""

    def add_story(self, article_id: str, fp: Fingerprint) -> None:
        """Index a text that is not a duplicate (and count its shingles)."""
        self.index.add(article_id, fp)

    @abstractmethod
    def flush(self, storage: ObjectStore | None = None, run_id: str | None = None) -> FlushResult:
        """Make what was added since the last load or flush durable, or say why there is nothing to write."""
