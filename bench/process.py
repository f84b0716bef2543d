"""Processing benchmark: `process` end to end into a real local SeaweedFS, and S3 requests per article.

    nice -n 10 .venv/bin/python bench/process.py [--articles 3000] [--workers N]

Builds staged runs from real text: the paragraphs of the pages in ``../shared/corpora/``
(trafilatura's evaluation set, CleanPortalEval, Readability's test pages; ``<p>`` elements of at
least 12 words, each paragraph used once), three to five consecutive paragraphs of one page per article, so
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
import resource
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


def build_articles(n: int, per_article: int = 5, min_paragraphs: int = 3) -> tuple[list[Article], list[Article]]:
    """``n`` articles of real text (see the module docstring), and 5% as many syndicated copies."""
    pages = corpus_pages()
    texts: list[list[str]] = []
    for paras in pages:
        for start in range(0, len(paras), per_article):
            if len(paras[start:start + per_article]) >= min_paragraphs:
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


def _proc_cpu(pid: int) -> tuple[int, float] | None:
    """``(parent pid, CPU seconds)`` of a live process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds of this process, of every process descending from it (the worker processes,
    forked by multiprocessing's fork server), and of the SeaweedFS server, sampled every 0.1 s
    while a phase runs (a worker's last 0.1 s before it exits can be missed)."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _descendants(self) -> dict[int, float]:
        table = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (info := _proc_cpu(int(entry))) is not None:
                table[int(entry)] = info
        me, found = os.getpid(), {}
        for pid, (ppid, cpu) in table.items():
            parent, hops = ppid, 0
            while parent not in (0, 1, me) and parent in table and hops < 10:
                parent, hops = table[parent][0], hops + 1
            if parent == me and pid != self.server_pid:
                found[pid] = cpu
        return found

    def _sample(self) -> None:
        while not self.stop.wait(0.1):
            for pid, cpu in self._descendants().items():
                self.seen[pid] = max(cpu, self.seen.get(pid, 0.0))

    def __enter__(self) -> CpuMeter:
        own = resource.getrusage(resource.RUSAGE_SELF)
        self.own0 = own.ru_utime + own.ru_stime
        self.server0 = (_proc_cpu(self.server_pid) or (0, 0.0))[1] if self.server_pid else 0.0
        self.before = self._descendants()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        own = resource.getrusage(resource.RUSAGE_SELF)
        self.result = {
            "process": round(own.ru_utime + own.ru_stime - self.own0, 2),
            "workers": round(sum(cpu - self.before.get(pid, 0.0) for pid, cpu in self.seen.items()), 2),
            "seaweedfs": round(((_proc_cpu(self.server_pid) or (0, 0.0))[1] - self.server0) if self.server_pid else 0.0, 2),
        }


def phase(name: str, storage: Storage, counter: RequestCounter, run_id: str, config: ProcessConfig,
          server_pid: int | None) -> dict:
    counter.take()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with CpuMeter(server_pid) as meter:
        report = process_run(storage, run_id, None, config)
    seconds = time.perf_counter() - started
    cpu = meter.result
    ops, _ = counter.take()
    total_cpu = sum(cpu.values())
    result = {
        "phase": name, "records": report.records, "seconds": round(seconds, 2),
        "articles_per_second": round(report.records / seconds, 1), "dedup": dict(report.dedup),
        "archive": dict(report.archive), "failed": report.failed, "requests": ops,
        "cpu_seconds": cpu, "cpu_ms_per_article": round(1000 * total_cpu / max(1, report.records), 2),
        # what 2 otherwise idle cores would give at this CPU cost (the machine is shared: see load)
        "articles_per_second_2_cores_cpu_bound": round(2 * report.records / total_cpu, 1) if total_cpu else None,
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }
    log.info("%s: %d records in %.1fs (%.1f/s), cpu %s, load %s, %s", name, report.records, seconds,
             report.records / seconds, cpu, result["load_average"], report.archive)
    return result


REFERENCE_PUT_MS = 2.5  # DESIGN.md, measured on this kind of machine when idle: ~800 PUT/s of 5 KB on 2 cores


def calibrate(server: SeaweedServer, n: int = 800) -> dict[str, float]:
    """CPU per PUT of a 5 KB object (boto3, 16 threads, client + SeaweedFS) right now, against the
    reference measured on an idle machine: how much a busy, shared machine inflates CPU costs."""
    from concurrent.futures import ThreadPoolExecutor

    storage = Storage(server.settings("bench-calibration"))
    storage.ensure_bucket()
    body = b"x" * 5000
    with CpuMeter(server.pid) as meter, ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: storage.put_bytes(f"calibration/{i}.json", body), range(n)))
    per_put = 1000 * sum(meter.result.values()) / n
    return {"put_cpu_ms": round(per_put, 2), "reference_put_cpu_ms": REFERENCE_PUT_MS,
            "inflation": round(per_put / REFERENCE_PUT_MS, 2)}


def run_phases(server: SeaweedServer, bucket: str, articles: list[Article], copies: list[Article],
               config: ProcessConfig) -> dict[str, dict]:
    """The four phases (new, unchanged, duplicate, revision) on a fresh bucket."""
    storage = Storage(server.settings(bucket))
    storage.ensure_bucket()
    counter = RequestCounter(storage)
    stage(storage, RUN_1, articles)
    phases = {"new": phase("new", storage, counter, RUN_1, config, server.pid)}
    phases["unchanged"] = phase("unchanged", storage, counter, RUN_1, config, server.pid)
    stage(storage, RUN_DUP, copies)
    phases["duplicate"] = phase("duplicate", storage, counter, RUN_DUP, config, server.pid)
    updated = [a.model_copy(update={"text": a.text + "\nCorrection: an earlier version of this article misstated a date."})
               for a in articles[: len(articles) // 10]]
    stage(storage, RUN_2, updated)
    phases["revision"] = phase("revision", storage, counter, RUN_2, config, server.pid)
    return phases


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
            calibration = calibrate(server)
            log.info("calibration: %s", calibration)
            # throughput: worker processes as `newsarchive process` runs them
            phases = run_phases(server, "bench", articles, copies, ProcessConfig(workers=args.workers))
            # S3 requests: the same phases on a sample, in one process, where the client counts them all
            sample = max(100, len(articles) // 10)
            counted = run_phases(server, "bench-requests", articles[:sample], copies[: sample // 20],
                                 ProcessConfig(workers=1))
        finally:
            server.stop()

    per_article = {
        "new": _per_article(counted["new"]["requests"], counted["new"]["archive"].get("written", 0) or 1),
        "unchanged": _per_article(counted["unchanged"]["requests"], counted["unchanged"]["records"]),
        "duplicate": _per_article(counted["duplicate"]["requests"], counted["duplicate"]["records"]),
        "revision": _per_article(counted["revision"]["requests"], counted["revision"]["archive"].get("revised", 0) or 1),
    }
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "corpus": {"articles": len(articles), "copies": len(copies), "median_words": words[len(words) // 2], "build_seconds": round(build_seconds, 1)},
        "calibration": calibration,
        "phases": list(phases.values()),
        "request_sample": {name: {k: p[k] for k in ("records", "archive", "requests")} for name, p in counted.items()},
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
        "Wall-clock articles/s is what this run got on a machine shared with other work (load average "
        "before/after in the table); CPU ms per article add up this process, its worker processes and "
        "SeaweedFS, and `2 cores, CPU-bound` is 2 / that cost (at this run's inflated costs).", "",
        "| phase | records | seconds | articles/s (wall) | load | CPU ms/article | 2 cores, CPU-bound | 2 cores, idle (est.) | dedup | archive |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    cal = result["calibration"]
    lines[-2:-2] = [
        f"Calibration: a 5 KB PUT cost {cal['put_cpu_ms']} ms of CPU (client + SeaweedFS) during this run, against "
        f"{cal['reference_put_cpu_ms']} ms on an idle machine (DESIGN.md: ~800 PUT/s on 2 cores): CPU costs were "
        f"inflated {cal['inflation']}x by the other work on the machine. `2 cores, idle (est.)` divides the CPU "
        "cost by that factor.", "",
    ]
    for p in result["phases"]:
        p["articles_per_second_2_idle_cores_estimate"] = (
            round(p["articles_per_second_2_cores_cpu_bound"] * cal["inflation"], 1)
            if p["articles_per_second_2_cores_cpu_bound"] else None)
        lines.append(f"| {p['phase']} | {p['records']} | {p['seconds']} | **{p['articles_per_second']}** | "
                     f"{p['load_average'][0]}–{p['load_average'][1]} | {p['cpu_ms_per_article']} | "
                     f"{p['articles_per_second_2_cores_cpu_bound']} | **{p['articles_per_second_2_idle_cores_estimate']}** | "
                     f"{', '.join(f'{k} {v}' for k, v in sorted(p['dedup'].items()))} | "
                     f"{', '.join(f'{k} {v}' for k, v in sorted(p['archive'].items()))} |")
    lines += ["", "S3 requests per article (reads = GET/HEAD, writes = PUT/COPY/DELETE on the article's own keys; "
              "the rest is per run: manifest, browse pages, dedup state, staging, raw WARC, report):", "",
              "| article | reads | writes | per-run requests | per-run requests / article |", "|---|---|---|---|---|"]
    for name, r in result["requests_per_article"].items():
        lines.append(f"| {name} | {r['reads']} | {r['writes']} | {r['amortised_per_run']} | {r['amortised_per_article']} |")
    lines += ["", "Requests by operation (counted on a sample run in one process, "
              f"{result['request_sample']['new']['records']} articles):", ""]
    for name, p in result["request_sample"].items():
        lines.append(f"- {name}: " + ", ".join(f"{k} {v}" for k, v in sorted(p["requests"].items())))
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
