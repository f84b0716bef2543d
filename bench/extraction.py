"""Extraction benchmark: this extractor against plain trafilatura, per page class, with speed.

    .venv/bin/python bench/extraction.py [--rounds 5] [--no-demo]

Corpora (nothing is downloaded, nothing leaves 127.0.0.1):

* ``dev``: the hand-written pages of ``tests/data/extraction`` (exact expected texts; classes from its
  manifest: wpcom, wordpress-comments, wordpress-plain, blogger, typepad, ghost, tumblr, disqus,
  news-cms). The seed document is one of them, wrapped in WordPress.com markup.
* ``demo``: every article page of the demo site (``infra.demo_site``), fetched over HTTP, against the
  page text the site states (cleaned the same way: its wire trailers are not article text).
* ``readability``: ``../shared/corpora/readability-test-pages``, read in place. Their expected
  text is Readability.js's output, a reference rather than ground truth, so only the comparison
  between extractors means something. Classes: ``wordpress`` (the 12 pages NOTICE.md lists) and
  ``other``.

Extractors: ``newsarchive`` (:func:`pipelines.extract.extract`: text *and* metadata),
``trafilatura`` (``trafilatura.extract(html, url, include_comments=False)``: the plain library with
comments excluded, the strongest baseline) and ``trafilatura-default`` (``trafilatura.extract(html,
url)``: the library's defaults, which include reader comments).

Per page: word precision/recall/F1 against the expected text and leaks (widget lines and known
reader-comment texts in the output). A first line repeating the page's title is left out of the
expected and the extracted texts alike: where the headline goes is a convention, not quality.
Speed: pages per second, each page timed as the fastest of ``--rounds`` runs after a warm-up, the
extractors taking turns page by page so that load from other processes hits them alike.

Results: ``bench/results/extraction.json`` and ``bench/results/extraction.md``; a summary is printed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import platform
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import lxml.html
import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.clean import clean_text  # noqa: E402
from pipelines.extract import DEFAULT_MIN_WORDS, extract  # noqa: E402
from pipelines.text import count_words  # noqa: E402
from pipelines.extract.evaluation import CorpusPage, leaks, load_corpus, word_score  # noqa: E402

DEV_CORPUS = ROOT / "tests" / "data" / "extraction"
READABILITY = ROOT.parent / "shared" / "corpora" / "readability-test-pages"
RESULTS = ROOT / "bench" / "results"
log = logging.getLogger("bench.extraction")

# The WordPress pages of the Readability corpus, as its NOTICE.md lists them.
READABILITY_WORDPRESS = frozenset(
    {"002", "ars-1", "breitbart", "bug-1255978", "firefox-nightly-blog", "iab-1", "seattletimes-1",
     "spiceworks", "topicseed-1", "wikia", "wikipedia-2", "wordpress"}
)


@dataclass
class BenchPage:
    """A page to extract, with the corpus it comes from."""

    corpus: str
    page: CorpusPage


def _newsarchive(html: str, url: str | None) -> str | None:
    article = extract(html, url)
    return article.text if article else None


EXTRACTORS: dict[str, Callable[[str, str | None], str | None]] = {
    "newsarchive": _newsarchive,
    "trafilatura": lambda html, url: trafilatura.extract(html, url=url, include_comments=False),
    "trafilatura-default": lambda html, url: trafilatura.extract(html, url=url),
}
BASELINE = "trafilatura"


def readability_pages(root: Path = READABILITY) -> list[BenchPage]:
    """The Readability test pages with Readability's output as the expected text.

    Pages whose reference text is shorter than an article (Readability's unit tests of one parser
    feature, a dozen words) are marked ``not_article``: the extractor refuses them by design.
    """
    pages = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        source, expected = folder / "source.html.gz", folder / "expected.html.gz"
        if not (source.exists() and expected.exists()):
            continue
        reference = lxml.html.fromstring(gzip.open(expected).read().decode("utf-8", "replace"))
        text = "\n".join(t.strip() for t in reference.itertext() if t.strip())
        page_class = "wordpress" if folder.name in READABILITY_WORDPRESS else "other"
        html = gzip.open(source).read().decode("utf-8", "replace")
        metadata_file = folder / "expected-metadata.json.gz"
        title = json.loads(gzip.open(metadata_file).read()).get("title") if metadata_file.exists() else None
        page = CorpusPage(
            folder.name, page_class, html, text, metadata={"title": title} if title else {},
            not_article=count_words(text) < DEFAULT_MIN_WORDS,
        )
        pages.append(BenchPage("readability", page))
    return pages


def demo_pages() -> list[BenchPage]:
    """Every demo-site article, fetched over HTTP from a private instance on 127.0.0.1."""
    from infra.demo_site import DemoSite

    pages = []
    with DemoSite(slow_seconds=0.1) as site:
        for source in ("wpcom", "wpnews", "citynews"):
            for url in site.expected[source]["articles"]:
                with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - local demo site
                    html = response.read().decode("utf-8", "replace")
                comments = site.expected["comments"].get(url, [])
                expected = clean_text(site.expected["texts"][url])
                metadata = {"title": site.expected["metadata"][url]["title"]}
                page = CorpusPage(url, source, html, expected, url=url, metadata=metadata, comments=comments)
                pages.append(BenchPage("demo", page))
    return pages


def score_pages(pages: list[BenchPage]) -> list[dict]:
    """Quality of every extractor on every page."""
    rows = []
    for item in pages:
        row = {"corpus": item.corpus, "page": item.page.name, "class": item.page.page_class}
        for name, run in EXTRACTORS.items():
            try:
                text = run(item.page.html, item.page.url)
            except Exception as exc:  # noqa: BLE001 - a crash is a result to report
                log.warning("%s failed on %s: %s", name, item.page.name, exc)
                text = None
            score = word_score(item.page.expected, text, item.page.title)
            row[name] = {**asdict(score), "leaks": leaks(text, item.page), "empty": not text}
        rows.append(row)
    return rows


def time_extractors(pages: list[BenchPage], rounds: int) -> dict[str, dict[str, float]]:
    """Pages per second of each extractor: per page the fastest of ``rounds`` runs, summed.

    The extractors take turns page by page (in alternating order), so a burst of load on the
    machine hits all of them alike, and the per-page minimum drops the runs it slowed down.
    """
    fastest = {name: [float("inf")] * len(pages) for name in EXTRACTORS}
    for round_number in range(rounds + 1):  # round 0 warms caches and imports up
        for index, item in enumerate(pages):
            order = list(EXTRACTORS) if (round_number + index) % 2 else list(reversed(EXTRACTORS))
            for name in order:
                start = time.perf_counter()
                try:
                    EXTRACTORS[name](item.page.html, item.page.url)
                except Exception:  # noqa: BLE001, S110 - failures are counted in score_pages
                    pass
                if round_number:
                    fastest[name][index] = min(fastest[name][index], time.perf_counter() - start)
    seconds = {name: sum(times) for name, times in fastest.items()}
    return {
        name: {"seconds": total, "pages_per_second": len(pages) / total, "relative_to_baseline": seconds[BASELINE] / total}
        for name, total in seconds.items()
    }


def summarise(rows: list[dict]) -> list[dict]:
    """Mean/min F1 and leaks per corpus and page class, with per-page wins against the baseline."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["corpus"], row["class"]), []).append(row)
    summary = []
    for (corpus, page_class), members in sorted(groups.items()):
        entry = {"corpus": corpus, "class": page_class, "pages": len(members)}
        for name in EXTRACTORS:
            f1s = [m[name]["f1"] for m in members]
            entry[name] = {
                "f1_mean": statistics.fmean(f1s),
                "f1_min": min(f1s),
                "leaks": sum(len(m[name]["leaks"]) for m in members),
            }
        ours = [m["newsarchive"]["f1"] - m[BASELINE]["f1"] for m in members]
        entry["vs_baseline"] = {
            "better": sum(d > 1e-9 for d in ours),
            "equal": sum(abs(d) <= 1e-9 for d in ours),
            "worse": sum(d < -1e-9 for d in ours),
        }
        summary.append(entry)
    return summary


def markdown(summary: list[dict], speed: dict[str, dict[str, float]], pages: int) -> str:
    """The results as a short markdown report."""
    lines = [
        "# Extraction benchmark",
        "",
        "Word F1 against the expected text (mean / min per class) and widget or reader-comment leaks.",
        f"`trafilatura` = `trafilatura.extract(include_comments=False)`; `default` = `trafilatura.extract()` "
        f"(comments included). Generated by `bench/extraction.py` on {platform.python_version()}, "
        f"trafilatura {trafilatura.__version__}.",
        "",
        "| corpus | class | pages | newsarchive F1 | trafilatura F1 | default F1 | leaks (ours/traf./default) | ours vs traf. (better/equal/worse) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in summary:
        cells = [f"{e[n]['f1_mean']:.3f} / {e[n]['f1_min']:.3f}" for n in EXTRACTORS]
        leak_cells = "/".join(str(e[n]["leaks"]) for n in EXTRACTORS)
        vs = e["vs_baseline"]
        lines.append(
            f"| {e['corpus']} | {e['class']} | {e['pages']} | {' | '.join(cells)} | {leak_cells} | "
            f"{vs['better']}/{vs['equal']}/{vs['worse']} |"
        )
    lines += ["", f"Speed over all {pages} pages (each page: fastest of the rounds):", "", "| extractor | pages/s | relative to trafilatura |", "|---|---|---|"]
    for name, s in speed.items():
        lines.append(f"| {name} | {s['pages_per_second']:.1f} | {s['relative_to_baseline']:.0%} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (best one counts)")
    parser.add_argument("--no-demo", action="store_true", help="leave the demo site out")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("trafilatura").setLevel(logging.ERROR)

    pages = [BenchPage("dev", p) for p in load_corpus(DEV_CORPUS) if not p.not_article]
    if not args.no_demo:
        pages += demo_pages()
    too_short: list[str] = []
    if READABILITY.is_dir():
        for item in readability_pages():
            (too_short.append(item.page.name) if item.page.not_article else pages.append(item))
    else:
        log.warning("no %s: the readability corpus is left out", READABILITY)
    log.info("%d pages; scoring…", len(pages))
    rows = score_pages(pages)
    summary = summarise(rows)
    log.info("timing %d rounds…", args.rounds)
    speed = time_extractors(pages, args.rounds)

    RESULTS.mkdir(parents=True, exist_ok=True)
    report = markdown(summary, speed, len(pages))
    if too_short:
        report += f"\nLeft out (reference text under {DEFAULT_MIN_WORDS} words, not articles): {', '.join(too_short)}.\n"
    result = {"summary": summary, "speed": speed, "pages": rows, "left_out_not_articles": too_short}
    (RESULTS / "extraction.json").write_text(
        json.dumps(result, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    (RESULTS / "extraction.md").write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
