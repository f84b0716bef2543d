"""``clean_text`` on already-scraped text: a development set of polluted texts built from real pages.

    python bench/clean_devset.py [--limit N] [--show NAME]

No scraper output of real sites is stored here, so the set is generated from the dev corpora in
``../shared/corpora/`` (trafilatura-eval and the Readability pages) each time: for every page that
carries a reader-comment section (elements whose id or class names comments, replies, trackbacks,
as ``bench/corpora.py`` decides), the page is rendered to text the way other scrapers do, from the
article's first line to the end of its last comment container, in two forms:

* ``plain``: one line per block (what an HTML-to-text converter gives);
* ``pandoc``: Markdown as pandoc writes it from HTML: ``::: {#id .class}`` fenced divs around
  containers, ``{#id .class}`` attributes after headings, ``![alt](src)`` image lines.

Lines are labelled as they are rendered: **article** lines are blocks outside comment containers
whose text is in the page's main text (``trafilatura.extract(include_comments=False)``, the
reference); **furniture** lines are blocks inside comment containers (comment headings, authors,
dates, reply links, comment texts, the comment form) that are not article text. Everything else
(share rows, tag lists between the article and the comments) is neither and is not scored.

Measured per document: article lines lost (must be 0 everywhere), whether furniture is left (a
document "with furniture left"; the target is at most 5% of documents) and scraper markup left.

The headline figure is furniture left *in place*: the cleaned text is aligned with the document's
lines in order (``difflib.SequenceMatcher``; ``clean_text`` only removes lines and markup, and a
kept heading is compared without its ``#`` marks) and a document counts when one of its furniture
lines is among the aligned, kept lines. That is what "furniture left" means: the furniture line
itself stayed. The first measure, kept beside it as "furniture text anywhere", counts a document
when a furniture line's *text* is a line of the cleaned text anywhere; it also counts a furniture
line that was removed while a line with the same text legitimately stays on the article side (a
commenter who is also the byline, "250 g flour" quoted in a comment under the recipe, a count "2",
a story title that the page lists above the comments too). Checked by hand on such documents: the
alignment counts a document when a furniture line is kept and does not count it when only an
identical article-side line is kept.

Results are grouped by form, by language and by corpus (``trafilatura-eval`` and ``readability``
pages are scored apart, so rules fitted to one corpus show). Results: ``bench/results/clean_text.json``
and ``bench/results/clean_text.md``.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import json
import logging
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpora import SHARED_CORPORA, is_comment_container  # noqa: E402
from pipelines.clean import clean_text  # noqa: E402
from pipelines.extract.clean import normalise_text  # noqa: E402
from pipelines.extract.decoding import decode_html  # noqa: E402

RESULTS = ROOT / "bench" / "results"
log = logging.getLogger("bench.clean_devset")

_BLOCKS = frozenset(
    "p div li h1 h2 h3 h4 h5 h6 blockquote pre section article aside header footer ul ol dl dt dd table tr "
    "form figure figcaption address main nav td th label".split()
)
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe", "select", "option", "button"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_MARKUP_LEFT = re.compile(r"^:::|\{[#.][^}]*\}\s*$|!\[[^\]]*\]\([^)]*\)")
_SPACE = re.compile(r"\s+")
# clean_text keeps a Markdown heading's marks ("## Comments"); the document's lines are plain text
_HEADING_MARKS = re.compile(r"^#{1,6}\s+")


@dataclass
class Line:
    """One rendered line: its text (with markup in the pandoc form), its plain text and its label."""

    text: str
    plain: str
    label: str  # "article", "furniture" or "other"


@dataclass
class Document:
    """A polluted text with its labelled lines."""

    name: str
    form: str
    language: str
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(line.text for line in self.lines)

    @property
    def corpus(self) -> str:
        return "readability" if self.name.startswith("readability/") else "trafilatura-eval"


def _attributes(element: lxml.html.HtmlElement) -> str:
    ident = element.get("id")
    classes = (element.get("class") or "").split()
    parts = ([f"#{ident}"] if ident else []) + [f".{c}" for c in classes[:3]]
    return "{" + " ".join(parts) + "}" if parts else ""


def _render(body: lxml.html.HtmlElement, pandoc: bool) -> list[tuple[str, str, bool]]:
    """(text, plain text, inside a comment container) per block, in document order."""
    out: list[tuple[str, str, bool]] = []
    buffer: list[str] = []

    def flush(in_comments: bool, heading: lxml.html.HtmlElement | None = None) -> None:
        plain = _SPACE.sub(" ", "".join(buffer)).strip()
        buffer.clear()
        if not plain:
            return
        text = plain
        if pandoc and heading is not None:
            level = int(heading.tag[1])
            attributes = _attributes(heading)
            text = f"{'#' * level} {plain}" + (f" {attributes}" if attributes else "")
        out.append((text, plain, in_comments))

    def walk(element: lxml.html.HtmlElement, in_comments: bool) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP or not tag:
            if element.tail:
                buffer.append(element.tail)
            return
        inside = in_comments or is_comment_container(element)
        block = tag in _BLOCKS
        fenced = pandoc and block and tag in ("div", "section", "aside", "form") and _attributes(element)
        if block:
            flush(in_comments)
        if fenced:
            out.append((f"::: {_attributes(element)}", "", inside))
        if tag == "img":
            if pandoc:
                alt = _SPACE.sub(" ", element.get("alt") or "").strip()
                out.append((f"![{alt}]({element.get('src') or ''})", "", inside))
        elif tag == "br":
            flush(inside)
        if element.text and tag != "img":
            buffer.append(element.text)
        for child in element:
            walk(child, inside)
        if block:
            flush(inside, element if tag in _HEADINGS else None)
        if fenced:
            out.append((":::", "", inside))
        if element.tail:
            buffer.append(element.tail)

    walk(body, False)
    flush(False)
    return out


def _language(tree: lxml.html.HtmlElement) -> str:
    lang = (tree.get("lang") or "").strip().lower()[:2]
    return lang or "?"


def build_documents(name: str, data: bytes) -> list[Document]:
    """The polluted texts of one page (none when the page shows no comment section after its text)."""
    html = decode_html(data)
    main = trafilatura.extract(html, include_comments=False)
    if not main:
        return []
    main_flat = _SPACE.sub(" ", normalise_text(main))
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    body = tree.find("body")
    if body is None:
        return []
    documents = []
    for form in ("plain", "pandoc"):
        rendered = _render(body, pandoc=form == "pandoc")
        lines = []
        for text, plain, in_comments in rendered:
            flat = _SPACE.sub(" ", normalise_text(plain))
            is_article = len(flat) >= 20 and flat in main_flat
            label = "article" if is_article and not in_comments else "furniture" if in_comments and flat and not is_article else "other"
            lines.append(Line(text, flat, label))
        first = next((i for i, line in enumerate(lines) if line.label == "article"), None)
        last_article = max((i for i, line in enumerate(lines) if line.label == "article"), default=None)
        last = max((i for i, line in enumerate(lines) if line.label == "furniture"), default=None)
        if first is None or last is None or last_article is None or last < last_article:
            return []
        kept = lines[first : last + 1]
        # the furniture that follows the article: what a comment section cut must remove
        if sum(1 for line in kept[last_article - first + 1 :] if line.label == "furniture") < 2:
            return []
        # furniture rendered inside the article (a comment count under the headline) is not a
        # comment section: not scored
        for line in kept[: last_article - first + 1]:
            if line.label == "furniture":
                line.label = "other"
        documents.append(Document(name, form, _language(tree), kept))
    return documents


def pages(limit: int | None = None) -> list[tuple[str, bytes]]:
    """(name, bytes) of the dev-corpus pages the set is built from."""
    found = []
    root = SHARED_CORPORA / "trafilatura-eval"
    entries = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    for entry in entries.values():
        found.append((entry["file"].removesuffix(".html.gz"), gzip.decompress((root / "pages" / entry["file"]).read_bytes())))
    for folder in sorted((SHARED_CORPORA / "readability-test-pages").iterdir()):
        if (folder / "source.html.gz").exists():
            found.append((f"readability/{folder.name}", gzip.decompress((folder / "source.html.gz").read_bytes())))
    return found[:limit]


def _cleaned_lines(text: str) -> list[str]:
    """The non-empty lines of a cleaned text, compared as plain text (a heading without its marks)."""
    return [_HEADING_MARKS.sub("", _SPACE.sub(" ", line).strip()) for line in text.split("\n") if line.strip()]


def _kept_in_place(document: Document, cleaned: str) -> list[bool]:
    """Per line of ``document``: whether it is kept, by an in-order alignment with ``cleaned``."""
    source = [line.plain for line in document.lines]
    kept_lines = _cleaned_lines(cleaned)
    kept = [False] * len(source)
    for start, _, size in difflib.SequenceMatcher(None, source, kept_lines, autojunk=False).get_matching_blocks():
        kept[start : start + size] = [True] * size
    return kept


def measure(document: Document, cleaned: str | None = None) -> dict:
    """What ``clean_text`` leaves of one document (``cleaned``: its cleaned text, when already made)."""
    cleaned = clean_text(document.text) if cleaned is None else cleaned
    cleaned_lines = set(_cleaned_lines(cleaned))
    cleaned_flat = _SPACE.sub(" ", cleaned)
    article = [line for line in document.lines if line.label == "article"]
    lost = [line.plain for line in article if line.plain not in cleaned_flat]
    furniture = [line.plain for line in document.lines if line.label == "furniture" and line.plain in cleaned_lines]
    in_place = [
        line.plain
        for line, kept in zip(document.lines, _kept_in_place(document, cleaned))
        if kept and line.label == "furniture"
    ]
    markup = [line for line in cleaned.split("\n") if _MARKUP_LEFT.search(line)]
    return {
        "name": document.name,
        "corpus": document.corpus,
        "form": document.form,
        "language": document.language,
        "article_lines": len(article),
        "furniture_lines": sum(1 for line in document.lines if line.label == "furniture"),
        "article_lines_lost": lost,
        "furniture_left": furniture,
        "furniture_left_in_place": in_place,
        "markup_left": markup,
    }


def summarise(rows: list[dict]) -> dict:
    """Totals over the set, and per corpus, form and language."""

    def totals(members: list[dict]) -> dict:
        return {
            "documents": len(members),
            "documents_losing_article_lines": sum(bool(r["article_lines_lost"]) for r in members),
            "article_lines_lost": sum(len(r["article_lines_lost"]) for r in members),
            "article_lines": sum(r["article_lines"] for r in members),
            "documents_with_furniture_left": sum(bool(r["furniture_left"]) for r in members),
            "share_with_furniture_left": sum(bool(r["furniture_left"]) for r in members) / max(1, len(members)),
            "documents_with_furniture_left_in_place": sum(bool(r["furniture_left_in_place"]) for r in members),
            "share_with_furniture_left_in_place": sum(bool(r["furniture_left_in_place"]) for r in members)
            / max(1, len(members)),
            "documents_with_markup_left": sum(bool(r["markup_left"]) for r in members),
        }

    groups: dict[str, list[dict]] = {"all": rows}
    for row in rows:
        groups.setdefault(f"corpus={row['corpus']}", []).append(row)
    for row in rows:
        groups.setdefault(f"form={row['form']}", []).append(row)
        groups.setdefault(f"language={row['language']}", []).append(row)
    return {key: totals(members) for key, members in groups.items()}


def markdown(summary: dict, seconds: float) -> str:
    """The results as a short markdown report."""
    lines = [
        "# clean_text on scraped texts with comment sections",
        "",
        "Polluted texts rendered from dev-corpus pages that carry reader comments (see "
        "`bench/clean_devset.py`); the page's main text is the reference for article lines.",
        "",
        "Furniture left (the headline, judged against the target): a furniture line of the document is itself "
        "kept (in-order alignment of the cleaned text with the document's lines). Furniture text anywhere (the "
        "first measure, shown beside it): a furniture line's text is a line of the cleaned text anywhere, also "
        "when the furniture line was removed and only an identical article-side line (a byline that is also a "
        "commenter, a count \"2\") stays. Target: no article line lost, furniture left in at most 5% of documents.",
        "",
        "| group | documents | documents losing article lines | article lines lost / all | documents with furniture left | share | "
        "furniture text anywhere | share | documents with markup left |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, t in summary.items():
        lines.append(
            f"| {key} | {t['documents']} | {t['documents_losing_article_lines']} | {t['article_lines_lost']} / "
            f"{t['article_lines']} | {t['documents_with_furniture_left_in_place']} | "
            f"{t['share_with_furniture_left_in_place']:.1%} | {t['documents_with_furniture_left']} | "
            f"{t['share_with_furniture_left']:.1%} | "
            f"{t['documents_with_markup_left']} |"
        )
    lines += ["", f"clean_text time over the set: {seconds:.2f} s."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Build the set, clean every document, write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="at most this many corpus pages")
    parser.add_argument("--show", default=None, help="print one document (by page name) before and after cleaning")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    documents = [d for name, data in pages(args.limit) for d in build_documents(name, data)]
    log.info("%d documents", len(documents))
    if args.show:
        for document in documents:
            if document.name == args.show:
                print(f"----- {document.form}\n{document.text}\n----- cleaned\n{clean_text(document.text)}")
        return 0
    texts = [d.text for d in documents]
    start = time.perf_counter()
    cleaned = [clean_text(text) for text in texts]  # timed alone: the scoring is not clean_text's time
    seconds = time.perf_counter() - start
    rows = [measure(d, c) for d, c in zip(documents, cleaned)]
    summary = summarise(rows)
    report = markdown(summary, seconds)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "clean_text.json").write_text(
        json.dumps({"summary": summary, "documents": rows}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (args.output / "clean_text.md").write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
