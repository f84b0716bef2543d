"""Deduplication: exact (canonical URL, normalised-text hash) and near-duplicate (MinHash + LSH).

One implementation serves the batch function :func:`find_duplicates` (contract) and the
persistent, incremental :class:`DedupState` the pipeline uses:

1. Boilerplate out. A paragraph that :class:`~pipelines.minhash.ParagraphFrequency` has seen in
   ``common_paragraph_df`` or more *different stories* (duplicates are not counted, so a wire
   story copied 30 times is still one story) is left out before shingling: site footers,
   newsletter pitches and much-quoted statements stop looking like shared content.
2. Candidates. MinHash (``bands x rows`` permutations) over the remaining word shingles; LSH
   with 42 bands of 3 rows retrieves pairs from Jaccard ~0.3 up, low enough to catch a copy
   that republishes only half of a story.
3. Verification. A bottom-k sample (256) of each text's shingles estimates Jaccard and the
   containment of the smaller text in the larger (exactly, for texts under 256 shingles). A pair
   is a duplicate at Jaccard >= ``threshold`` (0.8), or at containment >= ``containment`` (0.6)
   when the smaller text is at least ``min_ratio`` (0.3) of the larger; the similarity recorded
   is the larger of the two. Containment is what makes shortened, re-headlined and sub-edited
   copies duplicates while a shared quote (a small part of both) is not.

State is kept as append-only segments under ``_state/dedup/`` in the bucket plus a manifest
updated with ``If-Match``; see ``docs/processing.md``.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.minhash import SENTINEL, MinHasher, ParagraphFrequency, bottom_k, compare_sketches
from pipelines import layout
from pipelines.models import Article, article_id
from pipelines.shingles import content_hash, hex_to_u64, paragraph_hash, paragraphs, shingle_hashes
from pipelines.urls import canonicalize_url

log = logging.getLogger(__name__)

STATE_PREFIX = layout.DEDUP_STATE
MANIFEST_KEY = STATE_PREFIX + "manifest.json"
BLOCK_BITS = 16
BLOCK_ROWS = 1 << BLOCK_BITS
BLOCK_MASK = BLOCK_ROWS - 1
LOW32 = np.uint64(0xFFFFFFFF)


@dataclass(frozen=True)
class DedupConfig:
    """Knobs of the near-duplicate check. The ones in :meth:`index_shape` fix the stored index;
    the others (thresholds, ratios, limits) can change between runs.

    A pair is a duplicate when its Jaccard similarity reaches ``threshold``, or when the smaller
    text is at least ``min_ratio`` of the larger and at least ``containment`` of it is found in
    the larger (a copy with a new lede, a cut tail or only its first half republished).
    """

    threshold: float = 0.8
    containment: float = 0.6
    min_ratio: float = 0.3
    shingle_size: int = 5
    bands: int = 42
    rows: int = 3
    sketch_size: int = 256
    min_shingles: int = 10
    common_paragraph_df: int = 3
    max_candidates: int = 64
    df_width_bits: int = 22
    seed: int = 1

    def index_shape(self) -> dict[str, int]:
        """The parameters a stored index was built with (a mismatch means: rebuild)."""
        return {"shingle_size": self.shingle_size, "bands": self.bands, "rows": self.rows,
                "sketch_size": self.sketch_size, "seed": self.seed, "df_width_bits": self.df_width_bits}


@dataclass(frozen=True)
class Fingerprint:
    """What the index keeps of one text: LSH band keys, a bottom-k sketch, the informative
    shingle count, and the paragraph hashes (for boilerplate counting)."""

    band_keys: np.ndarray
    sketch: np.ndarray
    size: int
    paragraphs: np.ndarray


@dataclass(frozen=True)
class Match:
    """An indexed text similar to the one queried."""

    id: str
    similarity: float
    jaccard: float
    containment: float


class NearDuplicateIndex:
    """In-memory near-duplicate index: LSH over MinHash band keys plus bottom-k verification.

    Rows are stored in growable numpy arrays; band keys in one sorted array (loaded or merged)
    plus a dict for keys added since, so a query costs about the same at 10k or 1M texts.
    """

    def __init__(self, config: DedupConfig | None = None) -> None:
        self.config = config or DedupConfig()
        c = self.config
        self.hasher = MinHasher(c.bands, c.rows, c.seed)
        self.paragraph_df = ParagraphFrequency(c.df_width_bits)
        self.ids: list[str] = []
        # Rows live in fixed-size blocks: growing never copies what is already stored.
        self._blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._sorted_keys = np.empty(0, dtype=np.uint64)
        self._sorted_rows = np.empty(0, dtype=np.uint32)
        self._recent: dict[int, list[int]] = {}
        self._merged_rows = 0

    def __len__(self) -> int:
        return len(self.ids)

    # -- fingerprints

    def fingerprint(self, text: str) -> Fingerprint:
        """Fingerprint ``text``, leaving out paragraphs the index already counts as boilerplate."""
        c = self.config
        paras = paragraphs(text)
        para_hashes = np.fromiter((paragraph_hash(p) for p in paras), dtype=np.uint64, count=len(paras))
        common = self.paragraph_df.counts(para_hashes) >= c.common_paragraph_df
        tokens = [t for para, is_common in zip(paras, common, strict=True) if not is_common for t in para]
        hashes = shingle_hashes(tokens, c.shingle_size)
        if not len(hashes):
            return Fingerprint(np.empty(0, np.uint64), np.empty(0, np.uint32), 0, para_hashes)
        keys = self.hasher.band_keys(self.hasher.signature(hashes))
        return Fingerprint(keys, bottom_k(hashes, c.sketch_size), len(hashes), para_hashes)

    # -- queries

    def _candidate_rows(self, keys: np.ndarray) -> np.ndarray:
        found: list[np.ndarray] = []
        if len(self._sorted_keys):
            lo = np.searchsorted(self._sorted_keys, keys, side="left")
            hi = np.searchsorted(self._sorted_keys, keys, side="right")
            for start, stop in zip(lo[lo < hi], hi[lo < hi], strict=True):
                found.append(self._sorted_rows[start:stop])
        for key in keys.tolist():
            rows = self._recent.get(key)
            if rows:
                found.append(np.asarray(rows, dtype=np.uint32))
        if not found:
            return np.empty(0, dtype=np.uint32)
        rows, hits = np.unique(np.concatenate(found), return_counts=True)
        if len(rows) > self.config.max_candidates:
            rows = rows[np.argsort(-hits, kind="stable")[: self.config.max_candidates]]
        return rows

    def _candidates(self, keys: np.ndarray) -> Iterator[tuple[str, np.ndarray, int]]:
        """``(id, sketch, size)`` of the indexed texts sharing a band with ``keys``, most shared first."""
        for row in self._candidate_rows(keys).tolist():
            sketch, size = self._row(row)
            yield self.ids[row], sketch, size

    def query(self, fp: Fingerprint, *, exclude_id: str | None = None, threshold: float | None = None) -> list[Match]:
        """Indexed texts that are duplicates of ``fp`` (see :class:`DedupConfig`), most similar
        first; ``threshold`` overrides both thresholds (0 lists every candidate)."""
        c = self.config
        jaccard_floor = c.threshold if threshold is None else threshold
        containment_floor = c.containment if threshold is None else threshold
        if fp.size < c.min_shingles:
            return []
        matches: list[Match] = []
        for other_id, sketch, other_size in self._candidates(fp.band_keys):
            if other_id == exclude_id:
                continue
            sketch = sketch[: min(other_size, c.sketch_size)]
            jaccard, in_other, in_query = compare_sketches(fp.sketch, fp.size, sketch, other_size, c.sketch_size)
            containment = in_query if other_size < fp.size else in_other
            ratio = min(fp.size, other_size) / max(fp.size, other_size)
            contained = ratio >= c.min_ratio and containment >= containment_floor
            if jaccard >= jaccard_floor or contained:
                similarity = max(jaccard, containment) if contained else jaccard
                matches.append(Match(other_id, round(similarity, 4), round(jaccard, 4), round(containment, 4)))
        matches.sort(key=lambda m: (-m.similarity, m.id))
        return matches

    # -- updates

    def _new_block(self) -> None:
        c = self.config
        self._blocks.append((
            np.full((BLOCK_ROWS, c.sketch_size), SENTINEL, dtype=np.uint32),
            np.zeros(BLOCK_ROWS, dtype=np.int32),
            np.zeros((BLOCK_ROWS, c.bands), dtype=np.uint32),  # band number is the column
        ))

    def _row(self, row: int) -> tuple[np.ndarray, int]:
        sketches, sizes, _keys = self._blocks[row >> BLOCK_BITS]
        return sketches[row & BLOCK_MASK], int(sizes[row & BLOCK_MASK])

    def _put_rows(self, start: int, sizes: np.ndarray, sketches: np.ndarray, band_keys: np.ndarray) -> None:
        done = 0
        while done < len(sizes):
            row = start + done
            block, offset = row >> BLOCK_BITS, row & BLOCK_MASK
            while block >= len(self._blocks):
                self._new_block()
            take = min(BLOCK_ROWS - offset, len(sizes) - done)
            b_sketches, b_sizes, b_keys = self._blocks[block]
            b_sketches[offset : offset + take, : sketches.shape[1]] = sketches[done : done + take]
            b_sizes[offset : offset + take] = sizes[done : done + take]
            b_keys[offset : offset + take] = (band_keys[done : done + take] & LOW32).astype(np.uint32)
            done += take

    def _column(self, which: int, start: int, stop: int) -> np.ndarray:
        parts = []
        blocks = range(start >> BLOCK_BITS, ((stop - 1) >> BLOCK_BITS) + 1) if stop > start else range(0)
        for block in blocks:
            lo = max(start, block << BLOCK_BITS) - (block << BLOCK_BITS)
            hi = min(stop, (block + 1) << BLOCK_BITS) - (block << BLOCK_BITS)
            parts.append(self._blocks[block][which][lo:hi])
        if not parts:
            shapes = {0: (0, self.config.sketch_size), 1: (0,), 2: (0, self.config.bands)}
            dtypes = {0: np.uint32, 1: np.int32, 2: np.uint32}
            return np.empty(shapes[which], dtype=dtypes[which])
        return np.concatenate(parts)

    def _band_keys(self, start: int, stop: int) -> np.ndarray:
        """Full ``uint64`` band keys (band number in the high half) of rows ``start..stop``."""
        return self._column(2, start, stop).astype(np.uint64) | self.hasher._band_prefix

    def add(self, doc_id: str, fp: Fingerprint, *, story: bool = True) -> None:
        """Index ``fp`` under ``doc_id``; ``story=True`` (not a duplicate) also counts its paragraphs."""
        if story:
            self.paragraph_df.add(fp.paragraphs)
        if fp.size == 0:
            return
        row = len(self.ids)
        self._put_rows(row, np.array([fp.size], np.int32), fp.sketch[None, :], fp.band_keys[None, :])
        self.ids.append(doc_id)
        for key in fp.band_keys.tolist():
            self._recent.setdefault(key, []).append(row)

    def add_rows(self, ids: list[str], sizes: np.ndarray, sketches: np.ndarray, band_keys: np.ndarray, *, merge: bool = True) -> None:
        """Bulk-append stored rows (a loaded segment); ``merge`` folds them into the sorted keys now
        (pass False while loading many segments, then call :meth:`merge` once)."""
        if not ids:
            return
        self._put_rows(len(self.ids), sizes, sketches, band_keys)
        self.ids.extend(ids)
        if merge:
            self.merge()

    def merge(self) -> None:
        """Fold the keys added since the last merge into the sorted array: sort only the new keys,
        then one linear insert pass (a flush costs O(index + new log new), not a full re-sort)."""
        n = len(self.ids)
        if n == self._merged_rows:
            return
        new_keys = self._band_keys(self._merged_rows, n).ravel()
        new_rows = np.repeat(np.arange(self._merged_rows, n, dtype=np.uint32), self.config.bands)
        order = np.argsort(new_keys, kind="stable")
        new_keys, new_rows = new_keys[order], new_rows[order]
        at = np.searchsorted(self._sorted_keys, new_keys, side="right")
        self._sorted_keys = np.insert(self._sorted_keys, at, new_keys)
        self._sorted_rows = np.insert(self._sorted_rows, at, new_rows)
        self._recent.clear()
        self._merged_rows = n

    def rows_since(self, start: int) -> dict[str, np.ndarray]:
        """Rows ``start..`` as arrays (what a segment stores)."""
        n = len(self.ids)
        return {
            "ids": np.array(self.ids[start:n], dtype="S64"),
            "sizes": self._column(1, start, n),
            "sketches": self._column(0, start, n),
            "band_keys": self._band_keys(start, n),
        }

    def memory_bytes(self) -> int:
        """Approximate bytes held by the index arrays (not counting Python id strings)."""
        blocks = sum(a.nbytes + b.nbytes + c.nbytes for a, b, c in self._blocks)
        return blocks + self._sorted_keys.nbytes + self._sorted_rows.nbytes + self.paragraph_df.table.nbytes

    def check(self, doc_id: str, text: str, *, index_duplicates: bool = False, exclude_id: str | None = None) -> list[Match]:
        """Query ``text`` then index it: the one near-duplicate step of the batch function and the
        pipeline. A duplicate is indexed only with ``index_duplicates`` and never counted as a story."""
        fp = self.fingerprint(text)
        matches = self.query(fp, exclude_id=exclude_id)
        if not matches:
            self.add(doc_id, fp, story=True)
        elif index_duplicates:
            self.add(doc_id, fp, story=False)
        return matches


def find_duplicates(
    docs: Mapping[str, str], threshold: float | None = None, *, config: DedupConfig | None = None
) -> list[tuple[str, str, float]]:
    """Near-duplicate pairs among ``docs`` (id -> text), each once as ``(earlier_id, later_id, similarity)``.

    Uses the pipeline's normalisation, shingling, boilerplate discount and default thresholds
    (:class:`DedupConfig`, or ``config``); ``threshold`` overrides the Jaccard threshold (the
    containment rule for shortened or re-headlined copies stays as configured).
    Texts are taken in the mapping's order: a text is compared with every earlier one.
    """
    config = config or DedupConfig()
    if threshold is not None:
        config = replace(config, threshold=threshold)
    index = NearDuplicateIndex(config)
    pairs: list[tuple[str, str, float]] = []
    for doc_id, text in docs.items():
        for match in index.check(doc_id, text, index_duplicates=True):
            pairs.append((match.id, doc_id, match.similarity))
    return pairs


# --------------------------------------------------------------------------- persistent state


class DedupStateError(RuntimeError):
    """The stored dedup state cannot be used (e.g. built with another index shape)."""


@dataclass
class _Version:
    article_id: str
    revision: int


@dataclass
class DedupState:
    """Everything dedup remembers across runs: URL keys, text hashes, revisions, the near-dup index.

    ``load`` reads the manifest and its segments; ``flush`` writes what was added since as one
    new segment and appends it to the manifest (``If-Match``), so a run's cost does not grow
    with the archive and concurrent writers never overwrite each other's segments.
    """

    config: DedupConfig = field(default_factory=DedupConfig)
    index: NearDuplicateIndex = field(init=False)
    url_articles: dict[str, str] = field(default_factory=dict)  # url key -> article id
    versions: dict[tuple[str, str], int] = field(default_factory=dict)  # (url key, content hash) -> revision
    latest_revision: dict[str, int] = field(default_factory=dict)  # url key -> highest revision
    texts: dict[str, str] = field(default_factory=dict)  # content hash -> article id
    segments: list[str] = field(default_factory=list)
    shared: bool = False  # True for a live shared backend (see connect_shared_state): nothing to flush
    _new_urls: list[tuple[str, str, str, int]] = field(default_factory=list)
    _new_story_paragraphs: list[np.ndarray] = field(default_factory=list)
    _flushed_rows: int = 0

    def __post_init__(self) -> None:
        self.index = NearDuplicateIndex(self.config)

    # -- exact tables

    def remember(self, url_key: str, article_id: str, text_hash: str, revision: int) -> None:
        """Record one article version (new article or revision)."""
        self._apply_url(url_key, article_id, text_hash, revision)
        self._new_urls.append((url_key, article_id, text_hash, revision))

    def _apply_url(self, url_key: str, article_id: str, text_hash: str, revision: int) -> None:
        self.url_articles.setdefault(url_key, article_id)
        self.versions[(url_key, text_hash)] = revision
        self.latest_revision[url_key] = max(revision, self.latest_revision.get(url_key, 0))
        self.texts.setdefault(text_hash, article_id)

    def add_story(self, article_id: str, fp: Fingerprint) -> None:
        """Index a text that is not a duplicate (and count its paragraphs)."""
        self.index.add(article_id, fp, story=True)
        self._new_story_paragraphs.append(np.unique(fp.paragraphs))

    # -- persistence

    def _segment_bytes(self, *, whole_df: bool = False) -> bytes:
        urls = self._new_urls
        if whole_df:
            df = {"df_table": self.index.paragraph_df.table}
        else:
            paras = self._new_story_paragraphs
            df = {"story_paragraphs": np.concatenate(paras) if paras else np.empty(0, np.uint64)}
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            url_keys=np.array([u[0] for u in urls], dtype="S64"),
            url_ids=np.array([u[1] for u in urls], dtype="S64"),
            url_hashes=np.array([u[2] for u in urls], dtype="S64"),
            url_revisions=np.array([u[3] for u in urls], dtype=np.int32),
            **df,
            **self.index.rows_since(self._flushed_rows),
        )
        return buf.getvalue()

    def _load_segment(self, data: bytes) -> None:
        with np.load(io.BytesIO(data)) as z:
            for key, aid, h, rev in zip(z["url_keys"], z["url_ids"], z["url_hashes"], z["url_revisions"], strict=True):
                self._apply_url(key.decode(), aid.decode(), h.decode(), int(rev))
            if "df_table" in z:
                self.index.paragraph_df.add_table(z["df_table"])
            else:
                self.index.paragraph_df.add_stories(z["story_paragraphs"])
            self.index.add_rows([i.decode() for i in z["ids"]], z["sizes"], z["sketches"], z["band_keys"], merge=False)

    @property
    def dirty(self) -> bool:
        """True when there is something to flush."""
        return bool(self._new_urls or self._new_story_paragraphs or len(self.index) > self._flushed_rows)

    @classmethod
    def load(cls, storage: Any, config: DedupConfig | None = None, *, cache_dir: Path | None = None) -> DedupState:
        """Load the state from ``storage`` (empty if there is none yet).

        ``cache_dir`` keeps local copies of segments (they never change), so a worker only
        downloads the segments written since its last run.
        """
        from pipelines.storage import ObjectNotFound

        for attempt in range(3):
            try:
                return cls._load_once(storage, config, cache_dir)
            except ObjectNotFound:  # a segment vanished: a compaction swapped the manifest under us
                if attempt == 2:
                    raise
                log.info("dedup state changed while loading (compaction?); loading again")
        raise AssertionError("unreachable")

    @classmethod
    def _load_once(cls, storage: Any, config: DedupConfig | None, cache_dir: Path | None) -> DedupState:
        from pipelines.storage import ObjectNotFound

        state = cls(config or DedupConfig())
        try:
            manifest = storage.get_json(MANIFEST_KEY)
        except ObjectNotFound:
            return state
        state._check_shape(manifest)
        for entry in manifest.get("segments", []):
            state._load_segment(_read_segment(storage, entry["key"], cache_dir))
            state.segments.append(entry["key"])
        state.index.merge()
        state._flushed_rows = len(state.index)
        log.info("dedup state: %d segments, %d urls, %d indexed texts",
                 len(state.segments), len(state.url_articles), len(state.index))
        return state

    def _check_shape(self, manifest: Mapping[str, Any]) -> None:
        if manifest.get("index_shape") != self.config.index_shape():
            raise DedupStateError(
                f"{MANIFEST_KEY}: stored index shape {manifest.get('index_shape')} differs from "
                f"{self.config.index_shape()}; rebuild the dedup state or use the stored parameters"
            )

    def _write_segment(self, storage: Any, label: str, *, whole_df: bool = False) -> tuple[str, dict[str, Any]]:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        key = f"{STATE_PREFIX}segments/{stamp}-{_safe(label)}-{uuid.uuid4().hex[:8]}.npz"
        data = self._segment_bytes(whole_df=whole_df)
        storage.put_bytes(key, data, content_type="application/octet-stream", if_none_match=True)
        entry = {"key": key, "texts": len(self.index) - self._flushed_rows, "versions": len(self._new_urls),
                 "bytes": len(data), "label": label}
        return key, entry

    def _mark_flushed(self) -> None:
        self.index.merge()
        self._flushed_rows = len(self.index)
        self._new_urls.clear()
        self._new_story_paragraphs.clear()

    def flush(self, storage: Any, run_id: str | None = None) -> str | None:
        """Write what was added since the last load/flush as one segment and append it to the
        manifest (conditional write, retried on conflict). Returns the segment key, or None."""
        if not self.dirty:
            return None
        if self.shared:
            self._new_urls.clear()
            self._new_story_paragraphs.clear()
            return None
        key, entry = self._write_segment(storage, run_id or "run")

        def append(manifest: dict | None) -> dict:
            manifest = manifest or {"version": 1, "index_shape": self.config.index_shape(), "segments": []}
            self._check_shape(manifest)
            if all(s["key"] != key for s in manifest["segments"]):
                manifest["segments"].append(entry)
            return manifest

        storage.update_json(MANIFEST_KEY, append)
        self.segments.append(key)
        self._mark_flushed()
        return key

    def compact(self, storage: Any) -> str | None:
        """Rewrite the whole state as one segment (for the maintenance DAG; run it when no
        processing run is active). Old segments are deleted once the manifest points at the new one."""
        if not self.segments:
            return None
        self._new_urls = [(u, self.url_articles[u], h, r) for (u, h), r in self.versions.items()]
        self._flushed_rows = 0
        key, entry = self._write_segment(storage, "compacted", whole_df=True)
        old = list(self.segments)

        def replace(manifest: dict | None) -> dict:
            manifest = manifest or {"version": 1, "index_shape": self.config.index_shape(), "segments": []}
            kept = [s for s in manifest["segments"] if s["key"] not in old]
            return {**manifest, "segments": [entry, *kept]}

        storage.update_json(MANIFEST_KEY, replace)
        for segment in old:
            storage.delete(segment)
        self.segments = [key]
        self._mark_flushed()
        return key


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)[:64]


def _read_segment(storage: Any, key: str, cache_dir: Path | None) -> bytes:
    """Segments never change once written, so a local copy is as good as the bucket's."""
    if cache_dir is not None:
        local = Path(cache_dir) / key.replace("/", "_")
        if local.exists():
            return local.read_bytes()
        data = storage.get_bytes(key)
        local.parent.mkdir(parents=True, exist_ok=True)
        tmp = local.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(local)
        return data
    return storage.get_bytes(key)


# --------------------------------------------------------------------------- the stage

DEDUP_OUTCOMES = ("new", "revision", "unchanged", "same-url", "same-text", "near-duplicate")


def url_key(record: Article) -> str:
    """Dedup key of a record's address: its canonical URL with AMP/mobile hosts and a trailing
    slash folded (``/story`` and ``/story/`` are one article), hashed."""
    canonical = canonicalize_url(record.canonical_url or record.url, fold_mobile_hosts=True)
    scheme_host, _, rest = canonical.partition("://")
    path, query = (rest.split("?", 1) + [""])[:2]
    if path.endswith("/") and path.count("/") > 1:
        path = path.rstrip("/")
    return article_id(f"{scheme_host}://{path}" + (f"?{query}" if query else ""))


def _at_own_address(record: Article, stored_id: str) -> bool:
    """True when the record was fetched at the article's own canonical address (not a variant)."""
    own = canonicalize_url(record.canonical_url or record.url)
    return record.id == stored_id and canonicalize_url(record.url) == own


class Deduplicator:
    """The dedup stage: ``for record in Deduplicator(state)(records)``.

    Sets ``content_hash`` and ``revision`` on every record that is not rejected, and
    ``duplicate_of``/``duplicate_kind``/``similarity`` on duplicates (which stay in the stream:
    the archive keeps them as aliases). ``outcomes`` counts one of :data:`DEDUP_OUTCOMES` per record.

    - same URL key, text already known -> ``unchanged`` (a re-run) or ``same-url`` (a variant URL);
    - the article's own URL with new text -> a new ``revision`` (kept, not a duplicate);
    - a variant URL with other text -> ``same-url`` duplicate (AMP/mobile renderings differ a little);
    - a new URL with known text -> ``same-text``; similar text -> ``near-duplicate``; else ``new``.
    """

    def __init__(self, state: DedupState) -> None:
        self.state = state
        self.outcomes: Counter[str] = Counter()

    def __call__(self, records: Iterable[Article]) -> Iterator[Article]:
        for record in records:
            if record.rejected is None:
                self.outcomes[self.classify(record)] += 1
            yield record

    def _duplicate(self, record: Article, of: str, kind: str, similarity: float) -> str:
        record.duplicate_of, record.duplicate_kind, record.similarity = of, kind, similarity  # type: ignore[assignment]
        return kind

    def classify(self, record: Article) -> str:
        """Decide one record's outcome, update the state, and return the outcome."""
        state = self.state
        text_hash = content_hash(record.text)
        record.content_hash = text_hash
        key = url_key(record)
        stored_id = state.url_articles.get(key)
        if stored_id is not None:
            own = _at_own_address(record, stored_id)
            known = state.versions.get((key, text_hash))
            if known is not None:
                record.revision = known
                return "unchanged" if own else self._duplicate(record, stored_id, "same-url", 1.0)
            fp = state.index.fingerprint(record.text)
            if own:
                record.revision = state.latest_revision.get(key, 1) + 1
                state.remember(key, stored_id, text_hash, record.revision)
                state.index.add(stored_id, fp, story=False)
                return "revision"
            matches = state.index.query(fp, threshold=0.0)
            same = next((m.similarity for m in matches if m.id == stored_id), None)
            return self._duplicate(record, stored_id, "same-url", same if same is not None else 0.0)
        text_owner = state.texts.get(text_hash)
        if text_owner is not None and text_owner != record.id:
            return self._duplicate(record, text_owner, "same-text", 1.0)
        fp = state.index.fingerprint(record.text)
        matches = state.index.query(fp, exclude_id=record.id)
        if matches:
            return self._duplicate(record, matches[0].id, "near-duplicate", matches[0].similarity)
        record.revision = 1
        state.remember(key, record.id or article_id(record.url), text_hash, 1)
        state.add_story(record.id or article_id(record.url), fp)
        return "new"


# --------------------------------------------------------------------------- shared backend (Redis)

REDIS_URL_ENV = "NEWSARCHIVE_DEDUP_REDIS_URL"


class _RedisHash:
    """The dict operations the dedup state uses, on one Redis hash (``setdefault`` is atomic:
    the first worker to claim a URL or a text wins)."""

    def __init__(self, client: Any, name: str) -> None:
        self.client, self.name = client, name

    @staticmethod
    def _field(key: object) -> str:
        return ":".join(key) if isinstance(key, tuple) else str(key)

    def get(self, key: object, default: Any = None) -> Any:
        value = self.client.hget(self.name, self._field(key))
        return default if value is None else _decode(value)

    def setdefault(self, key: object, value: Any) -> Any:
        self.client.hsetnx(self.name, self._field(key), value)
        return self.get(key)

    def __setitem__(self, key: object, value: Any) -> None:
        self.client.hset(self.name, self._field(key), value)

    def __len__(self) -> int:
        return int(self.client.hlen(self.name))


def _decode(value: bytes | str) -> Any:
    text = value.decode() if isinstance(value, bytes) else value
    return int(text) if text.isdigit() and len(text) < 12 else text


class _RedisParagraphFrequency:
    """:class:`ParagraphFrequency` with its counters in one Redis hash (shared by all workers)."""

    def __init__(self, client: Any, name: str, width_bits: int) -> None:
        self.client, self.name = client, name
        self._layout = ParagraphFrequency(width_bits, allocate=False)
        self.table = self._layout.table

    def _fields(self, hashes: np.ndarray) -> list[str]:
        cells = self._layout.cells(hashes)
        return [f"{row}:{cell}" for row in range(cells.shape[0]) for cell in cells[row].tolist()]

    def counts(self, hashes: np.ndarray) -> np.ndarray:
        if not len(hashes):
            return np.empty(0, dtype=np.uint8)
        values = self.client.hmget(self.name, self._fields(hashes))
        counts = np.array([int(v or 0) for v in values], dtype=np.int64).reshape(self._layout.depth, len(hashes))
        return np.minimum(counts.min(axis=0), 255).astype(np.uint8)

    def add(self, hashes: np.ndarray) -> None:
        if not len(hashes):
            return
        pipe = self.client.pipeline(transaction=False)
        for name in self._fields(np.unique(hashes)):
            pipe.hincrby(self.name, name, 1)
        pipe.execute()


class RedisNearDuplicateIndex(NearDuplicateIndex):
    """The same near-duplicate index with buckets, sketches and paragraph counts in Redis, so
    several workers deduplicate against one live index. One set per LSH bucket, one hash entry
    per text (size + sketch), pipelined: about three round trips per article."""

    def __init__(self, client: Any, prefix: str, config: DedupConfig | None = None) -> None:
        super().__init__(config)
        self.redis, self.prefix = client, prefix
        self.paragraph_df = _RedisParagraphFrequency(client, prefix + "paragraphs", self.config.df_width_bits)  # type: ignore[assignment]

    def __len__(self) -> int:
        return int(self.redis.hlen(self.prefix + "texts"))

    def _candidates(self, keys: np.ndarray) -> Iterator[tuple[str, np.ndarray, int]]:
        pipe = self.redis.pipeline(transaction=False)
        for key in keys.tolist():
            pipe.smembers(f"{self.prefix}band:{key:x}")
        hits: Counter[bytes] = Counter(member for members in pipe.execute() for member in members)
        ids = [doc for doc, _ in hits.most_common(self.config.max_candidates)]
        if not ids:
            return
        for doc, blob in zip(ids, self.redis.hmget(self.prefix + "texts", ids), strict=True):
            if blob:
                yield doc.decode(), np.frombuffer(blob[4:], dtype=np.uint32), int.from_bytes(blob[:4], "little")

    def add(self, doc_id: str, fp: Fingerprint, *, story: bool = True) -> None:
        if story:
            self.paragraph_df.add(fp.paragraphs)
        if fp.size == 0:
            return
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(self.prefix + "texts", doc_id, fp.size.to_bytes(4, "little") + fp.sketch.astype(np.uint32).tobytes())
        for key in fp.band_keys.tolist():
            pipe.sadd(f"{self.prefix}band:{key:x}", doc_id)
        pipe.execute()

    def merge(self) -> None:
        """Nothing to merge: every write goes to Redis at once."""


def connect_shared_state(url: str, config: DedupConfig | None = None, *, prefix: str = "newsarchive:dedup:") -> DedupState:
    """A :class:`DedupState` living in Redis at ``url`` (``redis://host:port/db``) for several
    concurrent workers: URL/text claims are atomic (``HSETNX``), the index is shared live, and
    :meth:`DedupState.flush` has nothing to write. Needs the ``redis`` package."""
    import redis

    client = redis.Redis.from_url(url)
    state = DedupState(config or DedupConfig())
    shape = json.dumps(state.config.index_shape(), sort_keys=True)
    client.setnx(prefix + "index_shape", shape)
    stored = client.get(prefix + "index_shape").decode()
    if stored != shape:
        raise DedupStateError(f"{url} {prefix}index_shape: stored index shape {stored} differs from {shape}")
    state.shared = True
    state.index = RedisNearDuplicateIndex(client, prefix, state.config)
    state.url_articles = _RedisHash(client, prefix + "urls")  # type: ignore[assignment]
    state.versions = _RedisHash(client, prefix + "versions")  # type: ignore[assignment]
    state.latest_revision = _RedisHash(client, prefix + "latest")  # type: ignore[assignment]
    state.texts = _RedisHash(client, prefix + "texts_by_hash")  # type: ignore[assignment]
    return state
