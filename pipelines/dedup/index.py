"""The near-duplicate index: MinHash + LSH candidates, verified over whole texts and on what remains
once shingles common in the index are left out.

1. Fingerprint. The 5-word shingles of the whole text (:mod:`pipelines.dedup.shingles`); MinHash
   band keys (42 bands of 3 rows: candidates from Jaccard ~0.3 up, low enough for a copy that
   republishes half a story) and a bottom-k sample (256) of the shingles.
2. Candidates. Indexed texts sharing a band key, most shared first (at most ``max_candidates``).
3. Whole texts. Jaccard and the containment of the smaller text in the larger, estimated from the
   two samples (exact under 256 shingles). A pair goes on when Jaccard >= ``threshold`` or the
   smaller text is at least ``min_ratio`` of the larger and ``containment`` of it is in the larger.
   This is the similarity recorded: always over the whole of both texts.
4. What remains. Shingles that ``common_df`` or more indexed documents contain (counted by
   :class:`~pipelines.dedup.minhash.ShingleFrequency`, stored with the index) are left out of each
   sample; at least ``containment`` of a text's remaining shingles must be found in the other.
   Two different short stories under one long footer share the footer (common) and nothing that
   remains; a syndicated copy shares what remains. A text with (almost) nothing of its own left
   has nothing to verify and is judged on step 3 alone.

The rows (band keys, samples) and the shingle counts live in an :class:`IndexBackend`: in memory
(:class:`MemoryIndex`, saved as bucket segments by :mod:`pipelines.dedup.stored`) or in Redis
(:mod:`pipelines.dedup.shared`). The batch function, the stage and both backends share this one
implementation of the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pipelines.dedup.config import DedupConfig
from pipelines.dedup.minhash import (
    SENTINEL,
    MinHasher,
    ShingleFrequency,
    compare_sketches,
    prefixes,
)
from pipelines.dedup.shingles import text_shingles

BLOCK_BITS = 16
BLOCK_ROWS = 1 << BLOCK_BITS
BLOCK_MASK = BLOCK_ROWS - 1
LOW32 = np.uint64(0xFFFFFFFF)


@dataclass(frozen=True)
class Fingerprint:
    """What the index needs of one text: LSH band keys, a bottom-k sketch, the shingle count, and
    every distinct shingle prefix (``values``, counted for document frequency, never stored)."""

    band_keys: np.ndarray
    sketch: np.ndarray
    size: int
    values: np.ndarray


@dataclass(frozen=True)
class Match:
    """An indexed text similar to the one queried: ``similarity`` over the whole texts (Jaccard, or
    the containment of the smaller in the larger), and ``remainder`` (the containment verified once
    common shingles are left out; 1.0 when one text has too little of its own left to verify)."""

    id: str
    similarity: float
    jaccard: float
    containment: float
    remainder: float


Candidate = tuple[str, np.ndarray, int]  # (id, bottom-k sketch, shingle count)


class IndexBackend(Protocol):
    """Where an index keeps its rows and shingle counts (in memory, or shared in Redis)."""

    def __len__(self) -> int: ...

    def candidates(self, band_keys: np.ndarray, limit: int) -> list[Candidate]:
        """Indexed texts sharing a band key with ``band_keys``, most shared first, at most ``limit``."""
        ...

    def add(self, doc_id: str, fp: Fingerprint) -> None:
        """Store one text's band keys and sketch under ``doc_id``."""
        ...

    def shingle_counts(self, values: np.ndarray) -> np.ndarray:
        """How many counted documents contain each shingle prefix in ``values`` (upper bounds)."""
        ...

    def count_shingles(self, values: np.ndarray) -> None:
        """Count one document containing the distinct shingle prefixes ``values``."""
        ...


class NearDuplicateIndex:
    """Near-duplicate queries and inserts over an :class:`IndexBackend` (in memory by default)."""

    def __init__(self, config: DedupConfig | None = None, backend: IndexBackend | None = None) -> None:
        self.config = config or DedupConfig()
        c = self.config
        self.hasher = MinHasher(c.bands, c.rows, c.seed)
        self.backend: IndexBackend = backend if backend is not None else MemoryIndex(c)

    def __len__(self) -> int:
        return len(self.backend)

    def fingerprint(self, text: str) -> Fingerprint:
        """Fingerprint the whole of ``text`` (what is common is decided at query time, not here)."""
        c = self.config
        hashes = text_shingles(text, c.shingle_size)
        if not len(hashes):
            empty = np.empty(0, np.uint32)
            return Fingerprint(np.empty(0, np.uint64), empty, 0, empty)
        values = prefixes(hashes)
        keys = self.hasher.band_keys(self.hasher.signature(hashes))
        return Fingerprint(keys, values[: c.sketch_size], len(values), values)

    def query(self, fp: Fingerprint, *, exclude_id: str | None = None, threshold: float | None = None) -> list[Match]:
        """Indexed texts that are duplicates of ``fp`` (see the module docstring), most similar first;
        ``threshold`` overrides both thresholds (0 lists every candidate)."""
        c = self.config
        jaccard_floor = c.threshold if threshold is None else threshold
        containment_floor = c.containment if threshold is None else threshold
        if fp.size < c.min_shingles:
            return []
        found = [(i, s[: min(n, c.sketch_size)], n) for i, s, n in self.backend.candidates(fp.band_keys, c.max_candidates)
                 if i != exclude_id]
        if not found:
            return []
        common = self.backend.shingle_counts(np.concatenate([fp.sketch, *(s for _, s, _ in found)])) >= c.common_df
        query_common, at = common[: len(fp.sketch)], len(fp.sketch)
        matches: list[Match] = []
        for other_id, sketch, other_size in found:
            other_common, at = common[at : at + len(sketch)], at + len(sketch)
            cmp = compare_sketches(fp.sketch, fp.size, query_common, sketch, other_size, other_common, c.sketch_size)
            smaller_in_larger = cmp.a_in_b if fp.size <= other_size else cmp.b_in_a
            ratio = min(fp.size, other_size) / max(fp.size, other_size)
            contained = ratio >= c.min_ratio and smaller_in_larger >= containment_floor
            if not (cmp.jaccard >= jaccard_floor or contained):
                continue
            if min(cmp.own_a, cmp.own_b) < c.min_own or cmp.rest_a_in_b is None or cmp.rest_b_in_a is None:
                remainder = 1.0  # one text has nothing of its own left: the whole texts decide
            else:
                remainder = max(cmp.rest_a_in_b, cmp.rest_b_in_a)
            if remainder < containment_floor:
                continue
            similarity = max(cmp.jaccard, smaller_in_larger) if contained else cmp.jaccard
            matches.append(Match(other_id, round(similarity, 4), round(cmp.jaccard, 4), round(smaller_in_larger, 4),
                                 round(remainder, 4)))
        matches.sort(key=lambda m: (-m.similarity, m.id))
        return matches

    def add(self, doc_id: str, fp: Fingerprint, *, count: bool = True) -> None:
        """Index ``fp`` under ``doc_id``; ``count`` also counts its shingles' document frequency."""
        if count:
            self.count(fp)
        if fp.size:
            self.backend.add(doc_id, fp)

    def count(self, fp: Fingerprint) -> None:
        """Count the shingles of a text that is not indexed (a near-duplicate): a block that many
        documents carry becomes common whether or not they were judged copies, so an early false
        match on shared boilerplate cannot keep that boilerplate from ever being counted."""
        self.backend.count_shingles(fp.values)

    def check(self, doc_id: str, text: str, *, index_duplicates: bool = False) -> list[Match]:
        """Query ``text`` then count and index it (a duplicate is indexed only with ``index_duplicates``)."""
        fp = self.fingerprint(text)
        matches = self.query(fp)
        self.count(fp)
        if not matches or index_duplicates:
            self.add(doc_id, fp, count=False)
        return matches


class MemoryIndex:
    """:class:`IndexBackend` in numpy arrays: rows in fixed-size blocks (growing never copies what is
    stored), band keys in one sorted array plus a dict for keys added since the last
    :meth:`merge`, so a query costs about the same at 10k or 1M texts."""

    def __init__(self, config: DedupConfig, *, track_delta: bool = False) -> None:
        self.config = config
        self.ids: list[str] = []
        self.shingle_df = ShingleFrequency(config.df_width_bits, track_delta=track_delta)
        self._band_prefix = np.arange(config.bands, dtype=np.uint64) << np.uint64(32)
        self._blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._sorted_keys = np.empty(0, dtype=np.uint64)
        self._sorted_rows = np.empty(0, dtype=np.uint32)
        self._recent: dict[int, list[int]] = {}
        self._merged_rows = 0

    def __len__(self) -> int:
        return len(self.ids)

    # -- IndexBackend

    def candidates(self, band_keys: np.ndarray, limit: int) -> list[Candidate]:
        out = []
        for row in self.candidate_rows(band_keys, limit).tolist():
            sketches, sizes, _keys = self._blocks[row >> BLOCK_BITS]
            out.append((self.ids[row], sketches[row & BLOCK_MASK], int(sizes[row & BLOCK_MASK])))
        return out

    def candidate_rows(self, keys: np.ndarray, limit: int) -> np.ndarray:
        """Row numbers sharing a band key with ``keys``, most shared first."""
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
        return rows[np.argsort(-hits, kind="stable")[:limit]]

    def add(self, doc_id: str, fp: Fingerprint) -> None:
        row = len(self.ids)
        self._put_rows(row, np.array([fp.size], np.int32), fp.sketch[None, :], fp.band_keys[None, :])
        self.ids.append(doc_id)
        for key in fp.band_keys.tolist():
            self._recent.setdefault(key, []).append(row)

    def shingle_counts(self, values: np.ndarray) -> np.ndarray:
        return self.shingle_df.counts(values)

    def count_shingles(self, values: np.ndarray) -> None:
        self.shingle_df.add(values)

    # -- bulk rows (stored segments)

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
        df = self.shingle_df.table.nbytes + (self.shingle_df.delta.nbytes if self.shingle_df.delta is not None else 0)
        return blocks + self._sorted_keys.nbytes + self._sorted_rows.nbytes + df

    # -- row blocks

    def _new_block(self) -> None:
        c = self.config
        self._blocks.append((
            np.full((BLOCK_ROWS, c.sketch_size), SENTINEL, dtype=np.uint32),
            np.zeros(BLOCK_ROWS, dtype=np.int32),
            np.zeros((BLOCK_ROWS, c.bands), dtype=np.uint32),  # band number is the column
        ))

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
        return self._column(2, start, stop).astype(np.uint64) | self._band_prefix

