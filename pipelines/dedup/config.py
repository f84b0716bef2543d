"""The near-duplicate check's knobs: one frozen object carried from the caller down to the index."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DedupConfig:
    """Knobs of the near-duplicate check. The ones in :meth:`index_shape` fix the stored index;
    the others (thresholds, ratios, limits) can change between runs.

    A pair is a duplicate when, over the whole of both texts, its Jaccard similarity reaches
    ``threshold`` or the smaller text (at least ``min_ratio`` of the larger) has at least
    ``containment`` of its shingles in the larger (a copy with a new lede, a cut tail or only its
    first half republished); and the check is then verified on what remains once *common*
    shingles (found in ``common_df`` or more indexed documents: footers, newsletter pitches,
    reused paragraphs) are left out: at least ``containment`` of a text's remaining shingles must
    be in the other. A text whose sample is less than ``min_own`` remaining shingles has nothing
    of its own to verify (a popular story whose copies made it common).
    """

    threshold: float = 0.8
    containment: float = 0.6
    min_ratio: float = 0.3
    common_df: int = 5
    min_own: float = 0.1
    shingle_size: int = 5
    bands: int = 42
    rows: int = 3
    sketch_size: int = 256
    min_shingles: int = 10
    max_candidates: int = 64
    df_width_bits: int = 23
    seed: int = 1

    def index_shape(self) -> dict[str, int]:
        """The parameters a stored index was built with (a mismatch means: rebuild)."""
        return {"shingle_size": self.shingle_size, "bands": self.bands, "rows": self.rows,
                "sketch_size": self.sketch_size, "seed": self.seed, "df_width_bits": self.df_width_bits,
                "format": 2}
