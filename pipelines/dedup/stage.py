"""The dedup stage over a stream of :class:`~pipelines.models.Article`: exact (URL key, content hash)
and near-duplicate decisions against a :class:`~pipelines.dedup.state.DedupState`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from pipelines.dedup.state import DedupState
from pipelines.models import Article, DuplicateKind, article_id
from pipelines.text import content_hash
from pipelines.urls import canonicalize_url

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

    A new article and a near-duplicate both count towards shingle document frequency (a block
    many pages carry is boilerplate whether or not they were judged copies), each text once; an
    exact copy, a re-run or a revision does not.
    """

    def __init__(self, state: DedupState) -> None:
        self.state = state
        self.outcomes: Counter[str] = Counter()

    def __call__(self, records: Iterable[Article]) -> Iterator[Article]:
        for record in records:
            if record.rejected is None:
                self.outcomes[self.classify(record)] += 1
            yield record

    @staticmethod
    def _duplicate(record: Article, of: str, kind: DuplicateKind, similarity: float) -> str:
        record.duplicate_of, record.duplicate_kind, record.similarity = of, kind, similarity
        return kind

    def classify(self, record: Article) -> str:
        """Decide one record's outcome, update the state, and return the outcome."""
        state = self.state
        text_hash = content_hash(record.text)
        record.content_hash = text_hash
        key = url_key(record)
        stored_id = state.article_of(key)
        if stored_id is not None:
            own = _at_own_address(record, stored_id)
            known = state.revision_of(key, text_hash)
            if known is not None:
                record.revision = known
                return "unchanged" if own else self._duplicate(record, stored_id, "same-url", 1.0)
            fp = state.index.fingerprint(record.text)
            if own:
                record.revision = state.latest_revision(key) + 1
                state.remember(key, stored_id, text_hash, record.revision)
                state.index.add(stored_id, fp, count=False)
                return "revision"
            matches = state.index.query(fp, threshold=0.0)
            same = next((m.similarity for m in matches if m.id == stored_id), None)
            return self._duplicate(record, stored_id, "same-url", same if same is not None else 0.0)
        text_owner = state.owner_of_text(text_hash)
        if text_owner is not None and text_owner != record.id:
            return self._duplicate(record, text_owner, "same-text", 1.0)
        fp = state.index.fingerprint(record.text)
        matches = state.index.query(fp, exclude_id=record.id)
        if matches:
            if state.mark_counted(text_hash):
                state.index.count(fp)
            return self._duplicate(record, matches[0].id, "near-duplicate", matches[0].similarity)
        new_id = record.id or article_id(record.url)
        record.revision = 1
        state.remember(key, new_id, text_hash, 1)
        state.add_story(new_id, fp)
        return "new"
