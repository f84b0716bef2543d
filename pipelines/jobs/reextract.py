"""Re-extraction without refetching: archived articles, extracted again from their raw WARC records.

``reextract(storage, run_id=..., source=...)`` takes the latest revision of every archived article of a
run and/or a source (from the manifests), reads each one's response from ``raw/…/<run_id>.warc.gz``
(``warc_key`` + ``warc_record_id`` in the archive), extracts it with today's extractor and the
source's rules, and stages the results as a new run, which is then processed like any other: an
article whose text did not change stays ``unchanged``, one whose text did becomes a new revision.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines import layout
from pipelines.archive.manifests import read_manifest_rows
from pipelines.archive.raw import warc_responses
from pipelines.config import Source, SourcesConfig
from pipelines.jobs.crawl import new_run_id
from pipelines.jobs.process import ProcessConfig, ProcessReport, _source_map, process_run
from pipelines.storage import ObjectNotFound, Storage

log = logging.getLogger(__name__)


@dataclass
class ReextractReport:
    """What was re-extracted: the new run, records staged, and what was skipped and why."""

    run_id: str
    staged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    process: ProcessReport | None = None

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "staged": self.staged, "skipped": dict(self.skipped),
                "process": self.process.to_dict() if self.process else None}


def reextract(storage: Storage, *, run_id: str | None = None, source: str | None = None,
              sources: SourcesConfig | Iterable[Source] | Mapping[str, Source] | None = None,
              config: ProcessConfig | None = None) -> ReextractReport:
    """Re-extract the archived articles of ``run_id`` and/or ``source`` from their raw WARC records,
    stage them as a new run and process it. Raises ValueError when neither is given or when
    ``sources`` has no entry for a source of those articles (its rules would be missing), and
    LookupError when no archived article matches."""
    from pipelines.extract import extract_with_reason

    if not run_id and not source:
        raise ValueError("reextract: name a run (--run) or a source (--source)")
    rows = [r for r in read_manifest_rows(storage, run_ids=[run_id] if run_id else None, latest=True)
            if not r.get("duplicate_of") and (not source or r.get("source") == source)]
    if not rows:
        raise LookupError(f"reextract: no archived articles{f' of run {run_id}' if run_id else ''}"
                          f"{f' of source {source}' if source else ''} (see `newsarchive ls`)")
    source_map = _source_map(sources)
    # a source's rules (trailer patterns, keep_comments, tags) shape its text: without them the
    # re-extracted articles would differ from the crawl's for no reason, and be archived as revisions
    unknown = sorted({r.get("source") or "?" for r in rows} - set(source_map))
    if unknown:
        raise ValueError(f"reextract: no sources entry for {', '.join(unknown)}: pass --sources with the file "
                         "these articles were crawled with (their cleaning rules and tags apply)")
    report = ReextractReport(run_id=new_run_id())
    by_warc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("warc_key") and row.get("warc_record_id"):
            by_warc[row["warc_key"]].append(row)
        else:
            report.skip("no-warc-record")
    staged: dict[str, list[str]] = defaultdict(list)
    for warc_key, warc_rows in sorted(by_warc.items()):
        try:
            responses = warc_responses(storage, warc_key, {r["warc_record_id"] for r in warc_rows})
        except ObjectNotFound:
            for _ in warc_rows:
                report.skip("warc-missing")
            continue
        for row in warc_rows:
            found = responses.get(row["warc_record_id"])
            if found is None:
                report.skip("record-missing")
                continue
            src = source_map[row.get("source") or "?"]
            result = extract_with_reason(found.body, row["url"], keep_comments=src.keep_comments, rules=src.cleaning)
            if result.article is None:
                report.skip("not-article")
                continue
            article = result.article.model_copy(update={
                "url": row["url"], "canonical_url": row.get("canonical_url") or result.article.canonical_url,
                "id": row["id"], "source": row.get("source"), "run_id": report.run_id,
                "fetched_at": row.get("fetched_at"), "warc_key": warc_key, "warc_record_id": row["warc_record_id"],
                # the fetch facts, from the WARC record itself; the source's tags, as the crawl adds them
                "http_status": found.http_status, "etag": found.etag, "last_modified": found.last_modified,
                "source_tags": result.article.source_tags or list(src.tags or []),
                "language": result.article.language or src.language})
            staged[src.id].append(article.to_json())
    for src_id, lines in staged.items():
        storage.put_bytes(layout.staged_key(report.run_id, src_id, layout.RECORDS_FILE),
                          ("\n".join(lines) + "\n").encode("utf-8"), content_type="application/x-ndjson")
        report.staged += len(lines)
    if report.staged:
        report.process = process_run(storage, report.run_id, sources, config)
    return report
