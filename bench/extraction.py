"""Extraction benchmark: this extractor against plain trafilatura on real pages, side by side, with speed.

    python bench/extraction.py [--rounds 1] [--limit N] [--no-demo] [--corpus NAME ...]

Corpora (nothing is downloaded, nothing leaves 127.0.0.1; see ``bench/corpora.py``):

* ``trafilatura-eval``: trafilatura's evaluation set (884 real pages, ``../shared/corpora``). Snippet
  accuracy as trafilatura computes it ((snippets found that must be there + snippets absent that must
  not) / all snippets) and **comment-leak pages**: pages whose text contains one of their
  reader-comment snippets.
* ``cleanportaleval``: 71 real news-portal pages with hand-made gold text: word F1.
* ``readability``: Readability.js's test pages; the reference is Readability's output (an algorithm's,
  not ground truth), so only the comparison between extractors means something: word F1.
* ``demo``: every demo-site article (pages written in this project), over HTTP, against the text the
  site states; reported separately.
* ``tests-data``: the hand-written pages of ``tests/data/extraction`` (written here too).

Extractors: ``newsarchive`` (:func:`pipelines.extract.extract`: text *and* metadata), ``trafilatura``
(``trafilatura.extract(page, url, include_comments=False)``: the plain library with comments off) and
``trafilatura-precision`` (the same with ``favor_precision=True``). Every extractor gets the page as
the bytes on disk and decodes it itself.

Per page, on the extracted text of every extractor alike (``newsarchive``'s title field is not added to
its text): word precision/recall/F1 against the expected text (a first line repeating the page's title
is left out of both sides: where the headline goes is a convention, not quality), snippet counts,
comment leaks and widget-line leaks. Speed: pages per second on one core (the process is pinned to
one CPU), per page the fastest of the scoring run and ``--rounds`` more, the extractors taking turns
page by page so that load from other processes hits them alike.

Results: ``bench/results/extraction.json`` and ``bench/results/extraction.md``; the table is printed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpora import BenchPage, cleanportaleval, readability, trafilatura_eval  # noqa: E402
from pipelines.clean import clean_text  # noqa: E402
from pipelines.extract import extract  # noqa: E402
from pipelines.extract.clean import strip_title  # noqa: E402
from pipelines.extract.evaluation import CorpusPage, leaks, load_corpus, word_score  # noqa: E402

DEV_CORPUS = ROOT / "tests" / "data" / "extraction"
RESULTS = ROOT / "bench" / "results"
CORPORA = ("trafilatura-eval", "cleanportaleval", "readability", "demo", "tests-data")
log = logging.getLogger("bench.extraction")


class ArticleText(str):
    """An extracted text with the title the extractor found (``None`` when it reads none)."""

    title: str | None = None


def _newsarchive(data: bytes | str, url: str | None) -> str | None:
    article = extract(data, url)
    if article is None:
        return None
    text = ArticleText(article.text)
    text.title = article.title
    return text


EXTRACTORS: dict[str, Callable[[bytes | str, str | None], str | None]] = {
    "newsarchive": _newsarchive,
    "trafilatura": lambda data, url: trafilatura.extract(data, url=url, include_comments=False),
    "trafilatura-precision": lambda data, url: trafilatura.extract(
        data, url=url, include_comments=False, favor_precision=True
    ),
}
BASELINE = "trafilatura"


def demo_pages() -> list[BenchPage]:
    """Every demo-site article, fetched over HTTP from a private instance on 127.0.0.1."""
    from infra.demo_site import DemoSite

    pages = []
    with DemoSite(slow_seconds=0.1) as site:
        for source in ("wpcom", "wpnews", "citynews"):
            for url in site.expected[source]["articles"]:
                with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - local demo site
                    data = response.read()
                comments = site.expected["comments"].get(url, [])
                expected = clean_text(site.expected["texts"][url])
                metadata = {"title": site.expected["metadata"][url]["title"]}
                page = CorpusPage(url, source, "", expected, url=url, metadata=metadata, comments=comments)
                pages.append(BenchPage("demo", page, data))
    return pages


def tests_data_pages() -> list[BenchPage]:
    """The hand-written pages of ``tests/data/extraction`` (articles only)."""
    return [BenchPage("tests-data", p, p.html) for p in load_corpus(DEV_CORPUS) if not p.not_article]


def _spaces(text: str) -> str:
    return " ".join(text.split())  # any Unicode space (no-break spaces too) counts as one space


def score(item: BenchPage, text: str | None, headline: str | None) -> dict:
    """What one extraction of ``item`` scores.

    Snippets are matched in the text with white space normalised on both sides (no extractor is
    rewarded or punished for how it writes no-break spaces). Word F1 leaves the headline out of the reference
    and of every extractor's text alike (``headline``: the title newsarchive found, or the corpus's
    own title): corpora disagree on whether the body starts with it.
    """
    flat = _spaces(text or "")
    row: dict = {
        "empty": not flat,
        "widget_leaks": leaks(text or "", item.page),
        "comment_leaks": [s for s in item.comment_snippets if _spaces(s) in flat],
    }
    if item.must_have or item.must_not:
        have = [_spaces(s) in flat for s in item.must_have]
        have_not = [_spaces(s) in flat for s in item.must_not]
        row["snippets"] = {"tp": sum(have), "fn": len(have) - sum(have), "fp": sum(have_not), "tn": len(have_not) - sum(have_not)}
    else:
        expected, extracted = item.page.expected, text or ""
        for name in (item.page.title, headline):
            expected, extracted = strip_title(expected, name), strip_title(extracted, name)
        row.update(asdict(word_score(expected, extracted)))
    return row


def run_pages(pages: list[BenchPage], rounds: int) -> tuple[list[dict], dict[str, list[float]]]:
    """Score every extractor on every page and time it: per page the fastest of ``rounds + 1`` runs.

    Extractors take turns page by page (in alternating order), so a burst of load on the machine
    hits all of them alike; one warm-up pass over a few pages runs first.
    """
    for item in pages[:5]:
        for run in EXTRACTORS.values():
            run(item.data, item.page.url)
    rows = [{"corpus": p.corpus, "page": p.page.name, "class": p.page.page_class} for p in pages]
    texts: list[dict[str, str | None]] = [{} for _ in pages]
    fastest = {name: [float("inf")] * len(pages) for name in EXTRACTORS}
    for round_number in range(rounds + 1):
        for index, item in enumerate(pages):
            order = list(EXTRACTORS) if (round_number + index) % 2 else list(reversed(EXTRACTORS))
            for name in order:
                start = time.perf_counter()
                try:
                    text = EXTRACTORS[name](item.data, item.page.url)
                except Exception as exc:  # noqa: BLE001 - a crash is a result to report
                    log.warning("%s failed on %s: %s", name, item.page.name, exc)
                    text = None
                fastest[name][index] = min(fastest[name][index], time.perf_counter() - start)
                if round_number == 0:
                    texts[index][name] = text
        log.info("round %d done", round_number)
    for index, item in enumerate(pages):
        headline = getattr(texts[index]["newsarchive"], "title", None)
        for name in EXTRACTORS:
            rows[index][name] = score(item, texts[index][name], headline)
    return rows, fastest


def _accuracy(members: list[dict], name: str, accepted_only: bool = False) -> float | None:
    counts = [
        m[name]["snippets"]
        for m in members
        if "snippets" in m[name] and not (accepted_only and m["newsarchive"]["empty"])
    ]
    if not counts:
        return None
    total = {k: sum(c[k] for c in counts) for k in ("tp", "fn", "fp", "tn")}
    return (total["tp"] + total["tn"]) / max(1, sum(total.values()))


def summarise(rows: list[dict], fastest: dict[str, list[float]], by_class: bool) -> list[dict]:
    """Per corpus (and per page class where ``by_class``): quality and speed of every extractor."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault((row["corpus"], "all"), []).append(index)
        if by_class and row["corpus"] in ("demo", "tests-data", "readability", "cleanportaleval"):
            groups.setdefault((row["corpus"], row["class"]), []).append(index)
    summary = []
    for (corpus, page_class), indexes in groups.items():
        members = [rows[i] for i in indexes]
        entry: dict = {"corpus": corpus, "class": page_class, "pages": len(members)}
        for name in EXTRACTORS:
            f1s = [m[name]["f1"] for m in members if "f1" in m[name]]
            seconds = sum(fastest[name][i] for i in indexes)
            entry[name] = {
                "snippet_accuracy": _accuracy(members, name),
                # on the pages newsarchive takes for articles (it refuses listings, product pages and
                # texts under the minimum length by design): text quality on the same pages
                "snippet_accuracy_articles": _accuracy(members, name, accepted_only=True),
                "f1_mean": statistics.fmean(f1s) if f1s else None,
                "comment_leak_pages": sum(bool(m[name]["comment_leaks"]) for m in members),
                "widget_leak_pages": sum(bool(m[name]["widget_leaks"]) for m in members),
                "empty": sum(m[name]["empty"] for m in members),
                "pages_per_second": len(members) / seconds if seconds else None,
            }
        base = entry[BASELINE]["pages_per_second"]
        entry["speed_vs_baseline"] = entry["newsarchive"]["pages_per_second"] / base if base else None
        entry["refused_by_newsarchive"] = sum(m["newsarchive"]["empty"] for m in members)
        if any("f1" in m["newsarchive"] for m in members):
            diffs = [m["newsarchive"]["f1"] - m[BASELINE]["f1"] for m in members]
            entry["f1_vs_baseline"] = {
                "better": sum(d > 1e-9 for d in diffs),
                "equal": sum(abs(d) <= 1e-9 for d in diffs),
                "worse": sum(d < -1e-9 for d in diffs),
            }
        summary.append(entry)
    return summary


def _cell(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown(summary: list[dict], meta: dict) -> str:
    """The results as a short markdown report."""
    names = list(EXTRACTORS)
    head = " / ".join(names)
    lines = [
        "# Extraction benchmark",
        "",
        f"Each cell: {head}. `trafilatura` = `trafilatura.extract(include_comments=False)`, "
        "`trafilatura-precision` = the same with `favor_precision=True`. Snippet accuracy on "
        "trafilatura-eval (its own definition); word F1 (mean per page) where there is a reference text; "
        "comment-leak pages: pages whose text holds one of their reader-comment snippets (trafilatura-eval) "
        "or a known comment (demo, tests-data); snippet accuracy on articles: the same over the pages "
        "newsarchive accepts as articles (it refuses listings, product pages and texts under 25 words by design); "
        "widget-leak pages: pages with a widget line "
        "(`pipelines.extract.widgets`). Speed: pages/s on one core, same run.",
        f"Generated by `bench/extraction.py` on Python {meta['python']}, trafilatura {meta['trafilatura']}, "
        f"{meta['rounds'] + 1} timed runs per page (fastest counts).",
        "",
        "| corpus | class | pages | refused (not an article) | snippet accuracy | snippet accuracy on articles | body F1 | comment-leak pages | widget-leak pages | pages/s | speed vs trafilatura |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in summary:
        acc = " / ".join(_cell(e[n]["snippet_accuracy"]) for n in names)
        acc_articles = " / ".join(_cell(e[n]["snippet_accuracy_articles"]) for n in names)
        f1 = " / ".join(_cell(e[n]["f1_mean"]) for n in names)
        leak = " / ".join(str(e[n]["comment_leak_pages"]) for n in names)
        widget = " / ".join(str(e[n]["widget_leak_pages"]) for n in names)
        speed = " / ".join(_cell(e[n]["pages_per_second"], 1) for n in names)
        ratio = "–" if e["speed_vs_baseline"] is None else f"{e['speed_vs_baseline']:.0%}"
        if e[names[0]]["snippet_accuracy"] is None:
            acc = acc_articles = "–"
        if e[names[0]]["f1_mean"] is None:
            f1 = "–"
        lines.append(
            f"| {e['corpus']} | {e['class']} | {e['pages']} | {e['refused_by_newsarchive']} | {acc} | {acc_articles} | "
            f"{f1} | {leak} | {widget} | {speed} | {ratio} |"
        )
    if meta.get("left_out"):
        lines += ["", f"Left out (reference text under 25 words, not articles): {', '.join(meta['left_out'])}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="timed runs after the scoring run (fastest counts)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many pages per corpus (quick runs)")
    parser.add_argument("--corpus", action="append", choices=CORPORA, help="only these corpora (repeatable)")
    parser.add_argument("--no-demo", action="store_true", help="leave the demo site out")
    parser.add_argument("--output", type=Path, default=RESULTS, help="folder for extraction.json/.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("htmldate").setLevel(logging.ERROR)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the acceptance asks

    wanted = set(args.corpus or CORPORA) - ({"demo"} if args.no_demo else set())
    loaders = {
        "trafilatura-eval": lambda: trafilatura_eval(limit=args.limit),
        "cleanportaleval": lambda: cleanportaleval(limit=args.limit),
        "readability": lambda: readability(limit=args.limit),
        "demo": demo_pages,
        "tests-data": tests_data_pages,
    }
    pages: list[BenchPage] = []
    left_out: list[str] = []
    for corpus in CORPORA:
        if corpus not in wanted:
            continue
        try:
            loaded = loaders[corpus]()
        except FileNotFoundError as exc:
            log.warning("corpus %s left out: %s", corpus, exc)
            continue
        left_out += [p.page.name for p in loaded if p.page.not_article]
        pages += [p for p in loaded if not p.page.not_article]
    log.info("%d pages; scoring and timing…", len(pages))
    rows, fastest = run_pages(pages, args.rounds)
    summary = summarise(rows, fastest, by_class=True)
    meta = {"python": platform.python_version(), "trafilatura": trafilatura.__version__, "rounds": args.rounds,
            "left_out": left_out, "limit": args.limit}
    report = markdown(summary, meta)
    args.output.mkdir(parents=True, exist_ok=True)
    result = {"meta": meta, "summary": summary, "pages": rows}
    (args.output / "extraction.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.output / "extraction.md").write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
