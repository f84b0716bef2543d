"""MinHash signatures, LSH band keys, bottom-k sketches and a paragraph-frequency sketch, in numpy.

These are the compact per-document summaries the near-duplicate index keeps: band keys find
candidates (LSH), a bottom-k sample of the shingle hashes verifies them (Jaccard *and*
containment estimates), and :class:`ParagraphFrequency` tells which paragraphs many different
stories share (boilerplate) so they can be left out before shingling.
"""

from __future__ import annotations

import numpy as np

from pipelines.shingles import _mix

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
        return self._band_prefix | (_mix(combined) >> np.uint64(32))


def bottom_k(hashes: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` smallest distinct 32-bit prefixes of ``hashes`` (sorted ``uint32``): a uniform sample
    of the set from which Jaccard and containment with another sketch can be estimated."""
    values = np.unique((hashes >> np.uint64(32)).astype(np.uint32))
    return values[:k]


def compare_sketches(a: np.ndarray, size_a: int, b: np.ndarray, size_b: int, k: int) -> tuple[float, float, float]:
    """Estimate ``(jaccard, containment of a in b, containment of b in a)`` from two bottom-k sketches.

    Both sketches are complete samples of their sets below the smaller of their cut-offs, so the
    estimate uses only that range (exact when both sets have fewer than ``k`` shingles).
    """
    cut_a = a[-1] if size_a > k and len(a) else SENTINEL
    cut_b = b[-1] if size_b > k and len(b) else SENTINEL
    cut = min(cut_a, cut_b)
    sample_a = a[: np.searchsorted(a, cut, side="right")]
    sample_b = b[: np.searchsorted(b, cut, side="right")]
    if not len(sample_a) or not len(sample_b):
        return 0.0, 0.0, 0.0
    inter = len(np.intersect1d(sample_a, sample_b, assume_unique=True))
    union = len(sample_a) + len(sample_b) - inter
    return inter / union, inter / len(sample_a), inter / len(sample_b)


class ParagraphFrequency:
    """Count-min sketch of how many distinct stories contain each paragraph (fixed memory).

    Saturating ``uint8`` counters: we only ever ask "at least N" for a small N, and the size
    stays the same at 10k or 10M documents, which keeps the per-article cost flat.
    """

    def __init__(self, width_bits: int = 22, depth: int = 3, *, allocate: bool = True) -> None:
        self.width_bits, self.depth = width_bits, depth
        self._mask = np.uint64((1 << width_bits) - 1)
        self._seeds = np.array([0x5851F42D4C957F2D * (i + 1) & 0xFFFFFFFFFFFFFFFF for i in range(depth)], dtype=np.uint64)
        self.table = np.zeros((depth, 1 << width_bits) if allocate else (depth, 0), dtype=np.uint8)

    def cells(self, hashes: np.ndarray) -> np.ndarray:
        """The counter each hash maps to in every row (``depth x len(hashes)``)."""
        return self._cells(hashes)

    def _cells(self, hashes: np.ndarray) -> np.ndarray:
        return (_mix(hashes[None, :] ^ self._seeds[:, None]) & self._mask).astype(np.int64)

    def add(self, hashes: np.ndarray) -> None:
        """Count each distinct paragraph hash of one story once."""
        if len(hashes):
            self.add_stories(np.unique(hashes))

    def add_stories(self, hashes: np.ndarray) -> None:
        """Count ``hashes`` (one entry per story containing the paragraph; repeats add up)."""
        if not len(hashes):
            return
        cells = self._cells(hashes)
        for row in range(self.depth):
            if len(hashes) > 100_000:  # a loaded segment: one pass over the row
                self.add_table_row(row, np.bincount(cells[row], minlength=self.table.shape[1]))
                continue
            where, counts = np.unique(cells[row], return_counts=True)
            total = self.table[row, where].astype(np.int64) + counts
            self.table[row, where] = np.minimum(total, 255).astype(np.uint8)

    def add_table_row(self, row: int, counts: np.ndarray) -> None:
        """Saturating add of per-cell counts to one row."""
        total = self.table[row].astype(np.int64) + counts
        self.table[row] = np.minimum(total, 255).astype(np.uint8)

    def add_table(self, table: np.ndarray) -> None:
        """Saturating add of another sketch's counters (a compacted segment)."""
        if table.shape != self.table.shape:
            raise ValueError(f"paragraph sketch shape {table.shape} != {self.table.shape}")
        for row in range(self.depth):
            self.add_table_row(row, table[row])

    def counts(self, hashes: np.ndarray) -> np.ndarray:
        """Upper-bound estimates of the story counts of ``hashes``."""
        if not len(hashes):
            return np.empty(0, dtype=np.uint8)
        cells = self._cells(hashes)
        return np.min(np.stack([self.table[row, cells[row]] for row in range(self.depth)]), axis=0)
