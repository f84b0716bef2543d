"""Dedup state kept in memory and stored in the bucket as append-only segments.

``<layout.DEDUP_STATE>manifest.json`` (``_state/dedup/``) lists the segments in order (updated with ``If-Match``); each
segment (``.npz``) holds the URL/text entries, the index rows and the shingle-count increments
added by one flush, so a run's cost does not grow with the archive and concurrent writers never
overwrite each other. ``compact`` rewrites everything as one segment. See ``docs/processing.md``.
"""

from __future__ import annotations

import io
import logging
import uuid
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from pipelines import layout
from pipelines.dedup.config import DedupConfig
from pipelines.dedup.index import MemoryIndex, NearDuplicateIndex
from pipelines.dedup.state import DedupState, DedupStateError, FlushResult, ObjectStore

log = logging.getLogger(__name__)

MANIFEST_KEY = layout.DEDUP_STATE + "manifest.json"
SEGMENTS_PREFIX = layout.DEDUP_STATE + "segments/"


class StoredDedupState(DedupState):
    """:class:`DedupState` in memory, loaded from and flushed to the bucket (``DedupState.load``).

    A fresh ``StoredDedupState()`` is an empty in-memory state (tests, one-off runs).
    """

    def __init__(self, config: DedupConfig | None = None) -> None:
        self.config = config or DedupConfig()
        self.rows = MemoryIndex(self.config, track_delta=True)
        self.index = NearDuplicateIndex(self.config, self.rows)
        self.url_articles: dict[str, str] = {}  # url key -> article id
        self.versions: dict[tuple[str, str], int] = {}  # (url key, content hash) -> revision
        self.latest: dict[str, int] = {}  # url key -> highest revision
        self.texts: dict[str, str] = {}  # content hash -> article id
        self.counted: set[str] = set()  # content hashes of near-duplicates whose shingles were counted
        self._new_counted: list[str] = []
        self.segments: list[str] = []
        self._new_urls: list[tuple[str, str, str, int]] = []
        self._flushed_rows = 0

    # -- DedupState

    def article_of(self, url_key: str) -> str | None:
        return self.url_articles.get(url_key)

    def revision_of(self, url_key: str, text_hash: str) -> int | None:
        return self.versions.get((url_key, text_hash))

    def latest_revision(self, url_key: str) -> int:
        return self.latest.get(url_key, 0)

    def owner_of_text(self, text_hash: str) -> str | None:
        return self.texts.get(text_hash)

    def remember(self, url_key: str, article_id: str, text_hash: str, revision: int) -> None:
        self._apply_url(url_key, article_id, text_hash, revision)
        self._new_urls.append((url_key, article_id, text_hash, revision))

    def mark_counted(self, text_hash: str) -> bool:
        if text_hash in self.counted:
            return False
        self.counted.add(text_hash)
        self._new_counted.append(text_hash)
        return True

    def _apply_url(self, url_key: str, article_id: str, text_hash: str, revision: int) -> None:
        self.url_articles.setdefault(url_key, article_id)
        self.versions[(url_key, text_hash)] = revision
        self.latest[url_key] = max(revision, self.latest.get(url_key, 0))
        self.texts.setdefault(text_hash, article_id)

    @property
    def dirty(self) -> bool:
        """True when there is something to flush."""
        return bool(self._new_urls or self._new_counted or self.rows.shingle_df.delta_inserted
                    or len(self.rows) > self._flushed_rows)

    def flush(self, storage: ObjectStore | None = None, run_id: str | None = None) -> FlushResult:
        """Write what was added since the last load/flush as one segment and append it to the
        manifest (conditional write, retried on conflict)."""
        if not self.dirty:
            return FlushResult(None, "nothing added since the last load or flush")
        if storage is None:
            raise DedupStateError("flush: stored dedup state needs the bucket (storage) to write its segment to")
        key, entry = self._write_segment(storage, run_id or "run")

        def append(manifest: dict | None) -> dict:
            manifest = manifest or self._new_manifest()
            self._check_shape(manifest)
            if all(s["key"] != key for s in manifest["segments"]):
                manifest["segments"].append(entry)
            return manifest

        storage.update_json(MANIFEST_KEY, append)
        self.segments.append(key)
        self._mark_flushed()
        log.info("dedup state flushed: %s (%d texts, %d url versions)", key, entry["texts"], entry["versions"])
        return FlushResult(key, f"{entry['texts']} texts and {entry['versions']} url versions written")

    # -- load / compact

    @classmethod
    def load(cls, storage: ObjectStore, config: DedupConfig | None = None, *, cache_dir: Path | None = None) -> StoredDedupState:
        """Load the state from ``storage`` (empty if there is none yet).

        ``cache_dir`` keeps local copies of segments (they never change), so a worker only
        downloads the segments written since its last run. A segment that cannot be read while the
        manifest changed under us (a compaction) means: load again.
        """
        for attempt in range(3):
            manifest = storage.get_json(MANIFEST_KEY) if storage.head(MANIFEST_KEY) is not None else None
            try:
                return cls._load_manifest(storage, manifest, config, cache_dir)
            except Exception:
                current = storage.get_json(MANIFEST_KEY) if storage.head(MANIFEST_KEY) is not None else None
                if attempt == 2 or current == manifest:
                    raise
                log.info("dedup state changed while loading (compaction?); loading again")
        raise AssertionError("unreachable")

    @classmethod
    def _load_manifest(cls, storage: ObjectStore, manifest: Mapping[str, Any] | None, config: DedupConfig | None,
                       cache_dir: Path | None) -> StoredDedupState:
        state = cls(config)
        if manifest is None:
            return state
        state._check_shape(manifest)
        for entry in manifest.get("segments", []):
            state._load_segment(_read_segment(storage, entry["key"], cache_dir))
            state.segments.append(entry["key"])
        state._mark_flushed()
        log.info("dedup state: %d segments, %d urls, %d indexed texts",
                 len(state.segments), len(state.url_articles), len(state.index))
        return state

    def compact(self, storage: ObjectStore) -> FlushResult:
        """Rewrite the whole state as one segment (for the maintenance DAG; run it when no
        processing run is active). Old segments are deleted once the manifest points at the new one."""
        if not self.segments:
            return FlushResult(None, "no stored segments to compact")
        self._new_urls = [(u, self.url_articles[u], h, r) for (u, h), r in self.versions.items()]
        self._new_counted = sorted(self.counted)
        self._flushed_rows = 0
        key, entry = self._write_segment(storage, "compacted", whole=True)
        old = list(self.segments)

        def replace(manifest: dict | None) -> dict:
            manifest = manifest or self._new_manifest()
            kept = [s for s in manifest["segments"] if s["key"] not in old]
            return {**manifest, "segments": [entry, *kept]}

        storage.update_json(MANIFEST_KEY, replace)
        for segment in old:
            storage.delete(segment)
        self.segments = [key]
        self._mark_flushed()
        return FlushResult(key, f"{len(old)} segments compacted into one")

    # -- segments

    def _new_manifest(self) -> dict[str, Any]:
        return {"version": 2, "index_shape": self.config.index_shape(), "segments": []}

    def _check_shape(self, manifest: Mapping[str, Any]) -> None:
        if manifest.get("index_shape") != self.config.index_shape():
            raise DedupStateError(
                f"{MANIFEST_KEY}: stored index shape {manifest.get('index_shape')} differs from "
                f"{self.config.index_shape()}; rebuild the dedup state or use the stored parameters"
            )

    def _segment_bytes(self, *, whole: bool) -> bytes:
        urls, df = self._new_urls, self.rows.shingle_df
        # A segment adds its shingle counts to what was loaded before it; a compacted one is the whole table.
        assert df.delta is not None  # a stored state's index always records its increments
        counts = df.table if whole else df.delta
        inserted = df.inserted if whole else df.delta_inserted
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            url_keys=np.array([u[0] for u in urls], dtype="S64"),
            url_ids=np.array([u[1] for u in urls], dtype="S64"),
            url_hashes=np.array([u[2] for u in urls], dtype="S64"),
            url_revisions=np.array([u[3] for u in urls], dtype=np.int32),
            counted=np.array(self._new_counted, dtype="S64"),
            # zlib level 1: the 24 MiB table compresses ~7x in a second; the default level takes 4-5 s
            df_counts_zlib=np.frombuffer(zlib.compress(counts.tobytes(), 1), dtype=np.uint8),
            df_inserted=np.array([inserted], dtype=np.int64),
            **self.rows.rows_since(self._flushed_rows),
        )
        return buf.getvalue()

    def _load_segment(self, data: bytes) -> None:
        with np.load(io.BytesIO(data)) as z:
            for key, aid, h, rev in zip(z["url_keys"], z["url_ids"], z["url_hashes"], z["url_revisions"], strict=True):
                self._apply_url(key.decode(), aid.decode(), h.decode(), int(rev))
            self.counted.update(h.decode() for h in z["counted"])
            df = self.rows.shingle_df
            counts = np.frombuffer(zlib.decompress(z["df_counts_zlib"].tobytes()), dtype=np.uint8).reshape(df.table.shape)
            df.add_counts(counts, int(z["df_inserted"][0]))
            self.rows.add_rows([i.decode() for i in z["ids"]], z["sizes"], z["sketches"], z["band_keys"], merge=False)

    def _write_segment(self, storage: ObjectStore, label: str, *, whole: bool = False) -> tuple[str, dict[str, Any]]:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        key = f"{SEGMENTS_PREFIX}{stamp}-{_safe(label)}-{uuid.uuid4().hex[:8]}.npz"
        data = self._segment_bytes(whole=whole)
        storage.put_bytes(key, data, content_type="application/octet-stream", if_none_match=True)
        entry = {"key": key, "texts": len(self.rows) - self._flushed_rows, "versions": len(self._new_urls),
                 "bytes": len(data), "label": label}
        return key, entry

    def _mark_flushed(self) -> None:
        self.rows.merge()
        self._flushed_rows = len(self.rows)
        self._new_urls.clear()
        self._new_counted.clear()
        self.rows.shingle_df.clear_delta()


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)[:64]


def _read_segment(storage: ObjectStore, key: str, cache_dir: Path | None) -> bytes:
    """Segments never change once written, so a local copy is as good as the bucket's."""
    if cache_dir is None:
        return storage.get_bytes(key)
    local = Path(cache_dir) / key.replace("/", "_")
    if local.exists():
        return local.read_bytes()
    data = storage.get_bytes(key)
    local.parent.mkdir(parents=True, exist_ok=True)
    tmp = local.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(local)
    return data
