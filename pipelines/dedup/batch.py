"""The near-duplicate stage as a batch function over texts (contract: ``find_duplicates``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from pipelines.dedup.config import DedupConfig
from pipelines.dedup.index import NearDuplicateIndex


def find_duplicates(
    docs: Mapping[str, str], threshold: float | None = None, *, config: DedupConfig | None = None
) -> list[tuple[str, str, float]]:
    """Near-duplicate pairs among ``docs`` (id -> text), each once as ``(earlier_id, later_id, similarity)``.

    Uses the pipeline's normalisation, shingling, shingle document-frequency discount and default
    thresholds (:class:`DedupConfig`, or ``config``); ``threshold`` overrides the Jaccard threshold
    (the containment rule for shortened or re-headlined copies stays as configured). ``similarity``
    is over the whole of both texts (Jaccard, or the containment of the smaller in the larger).

    The shingles of every text are counted first, so a boilerplate block is known as common however
    the batch is ordered; then each text is compared with every earlier one (mapping order).
    """
    config = config or DedupConfig()
    if threshold is not None:
        config = replace(config, threshold=threshold)
    index = NearDuplicateIndex(config)
    fingerprints = {doc_id: index.fingerprint(text) for doc_id, text in docs.items()}
    for fp in fingerprints.values():
        index.count(fp)
    pairs: list[tuple[str, str, float]] = []
    for doc_id, fp in fingerprints.items():
        pairs.extend((match.id, doc_id, match.similarity) for match in index.query(fp))
        index.add(doc_id, fp, count=False)
    return pairs
