"""Processing benchmark: `process` end to end into a real local SeaweedFS, and S3 requests per article.

    nice -n 10 .venv/bin/python bench/process.py [--articles 3000] [--workers N]

Builds staged runs from real text: the paragraphs of the pages in ``../shared/corpora/``
(trafilatura's evaluation set, CleanPortalEval, Readability's test pages; ``<p>`` elements of at
least 12 words, each paragraph used once), six consecutive paragraphs of one page per article, so
the articles are real prose in the corpora's languages (mostly German and English) and no two
are alike; plus 5% as many syndicated copies (same text under another URL, a new first line).
Then, each through ``pipelines.jobs.process.process_run`` (what ``newsarchive process`` calls):

1. ``new``: the first run (every article new; clean, tag, dedup, archive, manifest, browse pages);
2. ``unchanged``: the same run processed again (nothing to write);
3. ``duplicate``: a run of the syndicated copies (each recorded, its URL added to the original's aliases);
4. ``revision``: a second run with 10% of the articles updated (a correction paragraph added).

Each phase reports wall time, articles/s and every S3 request by operation and by what it was
for: per article (``articles/``, ``revisions/``, ``_state/articles|duplicates/``) or amortised
per run (manifest, browse pages, dedup state, staging, raw WARC, run report).

Results: ``bench/results/process.json`` and ``bench/results/process.md``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import platform
import re
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra.stack import SeaweedServer, StackPorts  # noqa: E402
from pipelines import layout  # noqa: E402
from pipelines.config import parse_sources  # noqa: E402
from pipelines.jobs.process import ProcessConfig, process_run  # noqa: E402
from pipelines.models import Article  # noqa: E402
from pipelines.storage import Storage  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
RESULTS = ROOT / "bench" / "results"
SOURCES = ("herald", "gazette", "courier")
RUN_1 = "20261120T090000Z-bench1"
RUN_DUP = "20261120T100000Z-bench3"
RUN_2 = "20261121T090000Z-bench2"
WHEN = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
PER_ARTICLE = (layout.ARTICLES, layout.REVISIONS, layout.POINTERS, layout.DUPLICATES)
log = logging.getLogger("bench.process")


# --------------------------------------------------------------------------- corpus


def corpus_pages() -> list[list[str]]:
    """Paragraphs (>= 12 words) of every corpus page, each paragraph kept once over the corpus."""
    import lxml.html

    seen: set[str] = set()
    pages = []
    for folder, pattern in (("trafilatura-eval/pages", "*.html.gz"), ("cleanportaleval/pages", "*.html.gz"),
                            ("readability-test-pages", "*/source.html.gz")):
        for path in sorted((CORPORA / folder).glob(pattern)):
            try:
                doc = lxml.html.fromstring(gzip.open(path).read())
            except (ValueError, OSError, lxml.etree.ParserError):
                continue
            paras = []
            for element in doc.iter("p"):
                text = re.sub(r"\s+", " ", element.text_content()).strip()
                if len(text.split()) >= 12 and text not in seen:
                    seen.add(text)
                    paras.append(text)
            if paras:
                pages.append(paras)
    return pages


def build_articles(n: int, per_article: int = 6) -> tuple[list[Article], list[Article]]:
    """``n`` articles of real text (see the module docstring), and 5% as many syndicated copies."""
    pages = corpus_pages()
    texts: list[list[str]] = []
    for paras in pages:
        for start in range(0, len(paras) - per_article + 1, per_article):
            texts.append(paras[start:start + per_article])
    originals = n
    if len(texts) < originals:
        raise SystemExit(f"the corpora give {len(texts)} texts of {per_article} paragraphs; asked for {originals}")
    articles, copies = [], []
    for i, paras in enumerate(texts[:originals]):
        source = SOURCES[i % len(SOURCES)]
        published = WHEN - timedelta(hours=i % 72)
        articles.append(Article(
            url=f"https://{source}.example/{published:%Y/%m/%d}/article-{i}/", title=" ".join(paras[0].split()[:9]),
            text="\n".join(paras), source=source, published=published, fetched_at=WHEN, authors=[f"Reporter {i % 40}"]))
    for j in range(n // 20):
        original = articles[j * 20 % originals]
        source = SOURCES[(SOURCES.index(original.source or "herald") + 1) % len(SOURCES)]
        lede = f"({source.upper()}) Syndicated report."
        copies.append(Article(
            url=f"https://{source}.example/wire/copy-{j}/", title="Wire: " + (original.title or ""),
            text=lede + "\n" + original.text, source=source, published=original.published, fetched_at=WHEN))
    return articles, copies


def stage(storage: Storage, run_id: str, articles: list[Article]) -> None:
    by_source: dict[str, list[str]] = {}
    for article in articles:
        by_source.setdefault(article.source or "herald", []).append(article.to_json())
    for source, lines in by_source.items():
        storage.put_bytes(layout.staged_key(run_id, source, layout.RECORDS_FILE), ("\n".join(lines) + "\n").encode(),
                          content_type="application/x-ndjson")


# --------------------------------------------------------------------------- request counting


class RequestCounter:
    """Counts every S3 request the client sends: by operation, and by what the key is for."""

    def __init__(self, storage: Storage) -> None:
        self.lock = threading.Lock()
        self.by_operation: Counter[str] = Counter()
        self.by_purpose: Counter[str] = Counter()
        storage.client.meta.events.register("before-parameter-build.s3", self._count)

    def _count(self, params, model, **_kw) -> None:  # noqa: ANN001 - botocore's event signature
        key = params.get("Key") or params.get("Prefix") or ""
        purpose = "per-article" if key.startswith(PER_ARTICLE) else "per-run"
        with self.lock:
            self.by_operation[f"{purpose}/{model.name}"] += 1
            self.by_purpose[purpose] += 1

    def take(self) -> tuple[dict[str, int], dict[str, int]]:
        with self.lock:
            ops, purposes = dict(self.by_operation), dict(self.by_purpose)
            self.by_operation.clear()
            self.by_purpose.clear()
        return ops, purposes


def _per_article(ops: dict[str, int], articles: int) -> dict[str, float]:
    reads = sum(v for k, v in ops.items() if k.startswith("per-article/") and k.split("/")[1] in ("GetObject", "HeadObject"))
    writes = sum(v for k, v in ops.items() if k.startswith("per-article/") and k.split("/")[1] in ("PutObject", "CopyObject", "DeleteObject"))
    run = sum(v for k, v in ops.items() if k.startswith("per-run/"))
    return {"reads": round(reads / articles, 3), "writes": round(writes / articles, 3),
            "amortised_per_run": run, "amortised_per_article": round(run / articles, 3)}


# --------------------------------------------------------------------------- phases


def phase(name: str, storage: Storage, counter: RequestCounter, run_id: str, config: ProcessConfig) -> dict:
    counter.take()
    started = time.perf_counter()
    report = process_run(storage, run_id, None, config)
    seconds = time.perf_counter() - started
    ops, _ = counter.take()
    result = {
        "phase": name, "records": report.records, "seconds": round(seconds, 2),
        "articles_per_second": round(report.records / seconds, 1), "dedup": dict(report.dedup),
        "archive": dict(report.archive), "failed": report.failed, "requests": ops,
    }
    log.info("%s: %d records in %.1fs (%.1f/s) %s", name, report.records, seconds, report.records / seconds, report.archive)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=None, help="clean+tag processes (default: min(4, CPUs))")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pipelines").setLevel(logging.WARNING)

    t0 = time.perf_counter()
    articles, copies = build_articles(args.articles)
    build_seconds = time.perf_counter() - t0
    words = sorted(len(a.text.split()) for a in articles)
    log.info("built %d articles from the corpora in %.1fs (median %d words)", len(articles), build_seconds, words[len(words) // 2])

    with tempfile.TemporaryDirectory(prefix="bench-process-") as tmp:
        server = SeaweedServer(Path(tmp), StackPorts.free(), "NABENCH" + secrets.token_hex(4).upper(), secrets.token_hex(20))
        server.start(timeout=60)
        try:
            storage = Storage(server.settings("bench"))
            storage.ensure_bucket()
            counter = RequestCounter(storage)
            config = ProcessConfig(workers=args.workers)
            stage(storage, RUN_1, articles)
            new = phase("new", storage, counter, RUN_1, config)
            unchanged = phase("unchanged", storage, counter, RUN_1, config)
            stage(storage, RUN_DUP, copies)
            duplicates = phase("duplicate", storage, counter, RUN_DUP, config)
            updated = [a.model_copy(update={"text": a.text + "\nCorrection: an earlier version of this article misstated a date."})
                       for a in articles[: len(articles) // 10]]
            stage(storage, RUN_2, updated)
            revision = phase("revision", storage, counter, RUN_2, config)
        finally:
            server.stop()

    per_article = {
        "new": _per_article(new["requests"], new["archive"].get("written", 0) or 1),
        "unchanged": _per_article(unchanged["requests"], unchanged["records"]),
        "duplicate": _per_article(duplicates["requests"], duplicates["records"]),
        "revision": _per_article(revision["requests"], revision["archive"].get("revised", 0) or 1),
    }
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "corpus": {"articles": len(articles), "copies": len(copies), "median_words": words[len(words) // 2], "build_seconds": round(build_seconds, 1)},
        "phases": [new, unchanged, duplicates, revision],
        "requests_per_article": per_article,
        "goal": {"articles_per_second": 100, "new": "<= 1 read + 3 writes", "unchanged": "1 read"},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "process.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "process.md").write_text(markdown(result))
    print(markdown(result))


def markdown(result: dict) -> str:
    lines = [
        "# Processing benchmark (`bench/process.py`)", "",
        f"{result['date']}; {result['machine']['cpus']} CPUs, Python {result['machine']['python']}; "
        f"{result['corpus']['articles']} articles of real text from ../shared/corpora (median "
        f"{result['corpus']['median_words']} words) and {result['corpus']['copies']} syndicated copies; `process_run` end to end into a local "
        "SeaweedFS (`weed mini`, same machine).", "",
        "| phase | records | seconds | articles/s | dedup | archive |", "|---|---|---|---|---|---|",
    ]
    for p in result["phases"]:
        lines.append(f"| {p['phase']} | {p['records']} | {p['seconds']} | **{p['articles_per_second']}** | "
                     f"{', '.join(f'{k} {v}' for k, v in sorted(p['dedup'].items()))} | "
                     f"{', '.join(f'{k} {v}' for k, v in sorted(p['archive'].items()))} |")
    lines += ["", "S3 requests per article (reads = GET/HEAD, writes = PUT/COPY/DELETE on the article's own keys; "
              "the rest is per run: manifest, browse pages, dedup state, staging, raw WARC, report):", "",
              "| article | reads | writes | per-run requests | per-run requests / article |", "|---|---|---|---|---|"]
    for name, r in result["requests_per_article"].items():
        lines.append(f"| {name} | {r['reads']} | {r['writes']} | {r['amortised_per_run']} | {r['amortised_per_article']} |")
    lines += ["", "Requests by operation:", ""]
    for p in result["phases"]:
        lines.append(f"- {p['phase']}: " + ", ".join(f"{k} {v}" for k, v in sorted(p["requests"].items())))
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
