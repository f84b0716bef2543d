"""MinHash signatures, LSH band keys, bottom-k sketches and a shingle document-frequency sketch.

These are the compact per-document summaries the near-duplicate index keeps: band keys find
candidates (LSH), a bottom-k sample of the shingle hashes verifies them (Jaccard and containment
over the whole texts), and :class:`ShingleFrequency` tells which shingles many indexed documents
share (boilerplate: footers, newsletter pitches, cookie notices, much-reused paragraphs), so that
containment can be verified on what remains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.dedup.shingles import mix

SENTINEL = np.uint32(0xFFFFFFFF)  # pads a bottom-k sketch shorter than k
_BAND_WEIGHTS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                          0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
                         dtype=np.uint64)


class MinHasher:
    """MinHash over 64-bit shingle hashes with ``bands * rows`` multiply-shift permutations."""

    def __init__(self, bands: int, rows: int, seed: int = 1) -> None:
        if not 1 <= rows <= len(_BAND_WEIGHTS):
            raise ValueError(f"rows per band must be 1..{len(_BAND_WEIGHTS)}")
        self.bands, self.rows = bands, rows
        rng = np.random.default_rng(seed)
        n = bands * rows
        self._a = rng.integers(1, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self._b = rng.integers(0, 2**63, size=n, dtype=np.uint64)
        self._band_prefix = np.arange(bands, dtype=np.uint64) << np.uint64(32)

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        """The ``uint32`` MinHash signature of a non-empty set of ``uint64`` shingle hashes."""
        with np.errstate(over="ignore"):
            permuted = hashes[:, None] * self._a[None, :] + self._b[None, :]
        return (permuted.min(axis=0) >> np.uint64(32)).astype(np.uint32)

    def band_keys(self, signature: np.ndarray) -> np.ndarray:
        """One ``uint64`` key per band: the band number in the high 32 bits, a hash of its rows below."""
        rows = signature.reshape(self.bands, self.rows).astype(np.uint64)
        with np.errstate(over="ignore"):
            combined = (rows * _BAND_WEIGHTS[: self.rows]).sum(axis=1, dtype=np.uint64)
        return self._band_prefix | (mix(combined) >> np.uint64(32))


def prefixes(hashes: np.ndarray) -> np.ndarray:
    """The distinct 32-bit prefixes of 64-bit shingle hashes (sorted ``uint32``): the values sketches
    hold and document frequencies are counted on."""
    return np.unique((hashes >> np.uint64(32)).astype(np.uint32))


def bottom_k(hashes: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` smallest distinct 32-bit prefixes of ``hashes`` (sorted ``uint32``): a uniform sample
    of the set from which Jaccard and containment with another sketch can be estimated."""
    return prefixes(hashes)[:k]


@dataclass(frozen=True)
class SketchComparison:
    """Two texts compared through their bottom-k sketches.

    Whole texts: ``jaccard`` and ``a_in_b``/``b_in_a`` (the share of one text's shingles found in
    the other). What remains once common shingles are left out: ``own_a``/``own_b`` (the share of
    each sample that is not common) and ``rest_a_in_b``/``rest_b_in_a`` (the share of a text's
    remaining shingles found anywhere in the other; ``None`` when it has none in the sample).
    """

    jaccard: float
    a_in_b: float
    b_in_a: float
    own_a: float
    own_b: float
    rest_a_in_b: float | None
    rest_b_in_a: float | None


def compare_sketches(
    a: np.ndarray, size_a: int, common_a: np.ndarray, b: np.ndarray, size_b: int, common_b: np.ndarray, k: int
) -> SketchComparison:
    """Compare two bottom-k sketches (``common_x`` marks the values of ``x`` that are common shingles).

    Both sketches are complete samples of their sets below the smaller of their cut-offs, so every
    estimate uses only that range (exact when both sets have fewer than ``k`` shingles).
    """
    cut_a = a[-1] if size_a > k and len(a) else SENTINEL
    cut_b = b[-1] if size_b > k and len(b) else SENTINEL
    cut = min(cut_a, cut_b)
    n_a, n_b = int(np.searchsorted(a, cut, side="right")), int(np.searchsorted(b, cut, side="right"))
    if not n_a or not n_b:
        return SketchComparison(0.0, 0.0, 0.0, 0.0, 0.0, None, None)
    sample_a, sample_b = a[:n_a], b[:n_b]
    shared_a = np.isin(sample_a, sample_b, assume_unique=True)
    shared_b = np.isin(sample_b, sample_a, assume_unique=True)
    inter = int(shared_a.sum())
    rest_a, rest_b = ~common_a[:n_a], ~common_b[:n_b]
    own_a, own_b = int(rest_a.sum()), int(rest_b.sum())
    return SketchComparison(
        jaccard=inter / (n_a + n_b - inter),
        a_in_b=inter / n_a,
        b_in_a=inter / n_b,
        own_a=own_a / n_a,
        own_b=own_b / n_b,
        rest_a_in_b=int((shared_a & rest_a).sum()) / own_a if own_a else None,
        rest_b_in_a=int((shared_b & rest_b).sum()) / own_b if own_b else None,
    )


class ShingleFrequency:
    """How many indexed documents contain each shingle: a count-min sketch with conservative update
    over 32-bit shingle prefixes, in fixed memory (``depth x 2**width_bits`` bytes).

    Counters saturate at 255 (we only ask "at least N" for a small N). So that the sketch keeps
    answering at 10k or 10M documents, the counts age: every ``2**width_bits`` insertions all
    counters are halved (TinyLFU's reset), so a shingle counts as common when it recurs in the
    recent stream, which is how site footers and newsletter pitches behave. ``delta`` (optional)
    records the increments since it was last cleared: what a stored segment must add.
    """

    def __init__(self, width_bits: int = 23, depth: int = 3, *, track_delta: bool = False, allocate: bool = True) -> None:
        self.width_bits, self.depth = width_bits, depth
        self.window = 1 << width_bits
        self._mask = np.uint64((1 << width_bits) - 1)
        self._seeds = np.array([0x5851F42D4C957F2D * (i + 1) & 0xFFFFFFFFFFFFFFFF for i in range(depth)], dtype=np.uint64)
        self.table = np.zeros((depth, 1 << width_bits) if allocate else (depth, 0), dtype=np.uint8)
        self._row_offsets = (np.arange(depth, dtype=np.int64) * self.table.shape[1])[:, None]
        self.delta = np.zeros_like(self.table) if track_delta else None
        self.inserted = 0  # insertions since the last halving
        self.delta_inserted = 0

    def cells(self, values: np.ndarray) -> np.ndarray:
        """The counter each value maps to in every row (``depth x len(values)``)."""
        return (mix(values.astype(np.uint64)[None, :] ^ self._seeds[:, None]) & self._mask).astype(np.int64)

    def _flat_cells(self, values: np.ndarray) -> np.ndarray:
        return self.cells(values) + self._row_offsets

    def counts(self, values: np.ndarray) -> np.ndarray:
        """Upper-bound estimates of the document counts of ``values`` (``uint8``)."""
        if not len(values):
            return np.empty(0, dtype=np.uint8)
        return self.table.reshape(-1)[self._flat_cells(values)].min(axis=0)

    def add(self, values: np.ndarray) -> None:
        """Count one document containing the distinct ``values`` (conservative update: only the
        counters at the current minimum grow, which keeps overestimates small)."""
        if not len(values):
            return
        at = self._flat_cells(values)
        flat = self.table.reshape(-1)
        current = flat[at]
        target = np.minimum(current.min(axis=0), 254) + np.uint8(1)
        grown = np.maximum(current, target[None, :])
        if self.delta is not None:
            delta = self.delta.reshape(-1)
            delta[at] = np.minimum(delta[at].astype(np.int16) + (grown - current), 255).astype(np.uint8)
        flat[at] = grown
        self._inserted(len(values))

    def _inserted(self, n: int) -> None:
        self.inserted += n
        self.delta_inserted += n
        while self.inserted >= self.window:
            self.table >>= 1
            self.inserted -= self.window

    def add_counts(self, table: np.ndarray, inserted: int) -> None:
        """Saturating add of another sketch's counters covering ``inserted`` insertions (a stored
        segment's delta), then the halvings those insertions are due."""
        if table.shape != self.table.shape:
            raise ValueError(f"shingle-frequency sketch shape {table.shape} != {self.table.shape}")
        for row in range(self.depth):
            self.table[row] = np.minimum(self.table[row].astype(np.int16) + table[row], 255).astype(np.uint8)
        self.inserted += inserted
        while self.inserted >= self.window:
            self.table >>= 1
            self.inserted -= self.window

    def clear_delta(self) -> None:
        """Forget the recorded increments (they were stored)."""
        if self.delta is not None:
            self.delta[:] = 0
        self.delta_inserted = 0
