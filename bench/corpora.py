"""The development corpora of real pages in ``../shared/corpora/``, read in place (never copied).

Each loader gives :class:`BenchPage` items with what scoring needs:

* ``trafilatura-eval`` (884 pages): per page the snippets the text must contain (``with``) and must
  not contain (``without``). A ``without`` snippet is a *reader-comment snippet* when the page shows it
  inside a comment container (an element, other than ``<html>``/``<body>``, whose id or class names a
  comment, reply, trackback or discussion block) or when it is comment-form text ("Kommentar
  schreiben", "Your email address will not be published"): decided once from the page, the same for
  every extractor.
* ``cleanportaleval`` (71 news pages): the gold main text (CleanEval format, tags and the URL line
  removed, HTML entities decoded).
* ``readability`` (Readability.js's test pages): Readability's output as the reference text.

Pages are given to the extractors as the bytes on disk, so each extractor decodes them itself.
"""

from __future__ import annotations

import gzip
import html as html_lib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html

from pipelines.extract.evaluation import CorpusPage
from pipelines.text import count_words

ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPORA = ROOT.parent / "shared" / "corpora"
MIN_REFERENCE_WORDS = 25

# The WordPress pages of the Readability corpus, as its NOTICE.md lists them.
READABILITY_WORDPRESS = frozenset(
    {"002", "ars-1", "breitbart", "bug-1255978", "firefox-nightly-blog", "iab-1", "seattletimes-1",
     "spiceworks", "topicseed-1", "wikia", "wikipedia-2", "wordpress"}
)

_COMMENT_CONTAINER = re.compile(
    r"comment|kommentar|commentaire|comentario|respond|repl(?:y|ies)|disqus|trackback|pingback|discussion"
    r"|reactions?\b|notes-list|post-notes",
    re.IGNORECASE,
)
_NOT_A_CONTAINER = re.compile(r"^(?:comments?-(?:open|closed|count|link|number)|no-comments?|has-comments?)$", re.IGNORECASE)
_COMMENT_FORM_TEXT = re.compile(
    r"kommentare? (?:zu )?(?:schreiben|verfassen|abschicken)|(?:leave|post|add) a (?:comment|reply)|comments? (?:are )?closed"
    r"|e-mail-adresse wird nicht|email address will not|adresse (?:e-)?mail ne sera pas|kommentar(?:funktion)? (?:ist )?geschlossen"
    r"|^\s*(?:antworten|reply|répondre|responder)\s*$",
    re.IGNORECASE,
)


@dataclass
class BenchPage:
    """A page to extract, with the corpus it comes from and what its extraction is scored on."""

    corpus: str
    page: CorpusPage
    data: bytes | str = b""
    must_have: list[str] = field(default_factory=list)
    must_not: list[str] = field(default_factory=list)
    comment_snippets: list[str] = field(default_factory=list)


def is_comment_container(element: lxml.html.HtmlElement) -> bool:
    """An element (not ``<html>``/``<body>``) whose id or a class names a comment/reply/discussion block."""
    if not isinstance(element.tag, str) or element.tag in ("html", "body"):
        return False
    marker = f"{element.get('id') or ''} {element.get('class') or ''}".split()
    return any(_COMMENT_CONTAINER.search(t) and not _NOT_A_CONTAINER.match(t) for t in marker)


def _in_comment_container(tree: lxml.html.HtmlElement, snippet: str) -> bool:
    wanted = " ".join(snippet.split())
    return bool(wanted) and any(
        is_comment_container(e) and wanted in " ".join(e.text_content().split()) for e in tree.iter()
    )


def comment_snippets(data: bytes, snippets: list[str]) -> list[str]:
    """The ``snippets`` that are reader comments or comment-form text on the page ``data``."""
    if not snippets:
        return []
    try:
        tree = lxml.html.fromstring(data)
    except (ValueError, lxml.etree.ParserError):
        return []
    return [s for s in snippets if _COMMENT_FORM_TEXT.search(s) or _in_comment_container(tree, s)]


def trafilatura_eval(root: Path = SHARED_CORPORA / "trafilatura-eval", limit: int | None = None) -> list[BenchPage]:
    """trafilatura's evaluation pages with their must/must-not snippets."""
    entries = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url, entry in list(entries.items())[:limit]:
        data = gzip.decompress((root / "pages" / entry["file"]).read_bytes())
        page = CorpusPage(entry["file"].removesuffix(".html.gz"), "page", "", "", url=url)
        pages.append(
            BenchPage(
                "trafilatura-eval", page, data, list(entry["with"]), list(entry["without"]),
                comment_snippets(data, list(entry["without"])),
            )
        )
    return pages


def _cleaneval_text(gold: str) -> str:
    lines = [line for line in gold.splitlines() if not line.startswith("URL:")]
    text = re.sub(r"^\s*<[hpl]>", "", "\n".join(lines), flags=re.MULTILINE)
    return html_lib.unescape(text)


def cleanportaleval(root: Path = SHARED_CORPORA / "cleanportaleval", limit: int | None = None) -> list[BenchPage]:
    """CleanPortalEval's news pages with their gold text."""
    pages = []
    for path in sorted((root / "pages").glob("*.html.gz"))[:limit]:
        name = path.name.removesuffix(".html.gz")
        gold = (root / "gold" / f"{name}.txt").read_text(encoding="utf-8", errors="replace")
        url = next((line[4:].strip() for line in gold.splitlines() if line.startswith("URL:")), None)
        site = name.rsplit("_", 1)[0]
        page = CorpusPage(name, site, "", _cleaneval_text(gold), url=url)
        pages.append(BenchPage("cleanportaleval", page, gzip.decompress(path.read_bytes())))
    return pages


def readability(root: Path = SHARED_CORPORA / "readability-test-pages", limit: int | None = None) -> list[BenchPage]:
    """The Readability test pages with Readability's output as the reference text.

    Pages whose reference is shorter than an article (unit tests of one parser feature, a dozen
    words) are marked ``not_article``: the extractor refuses them by design.
    """
    pages = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir())[:limit]:
        source, expected = folder / "source.html.gz", folder / "expected.html.gz"
        if not (source.exists() and expected.exists()):
            continue
        reference = lxml.html.fromstring(gzip.decompress(expected.read_bytes()).decode("utf-8", "replace"))
        text = "\n".join(t.strip() for t in reference.itertext() if t.strip())
        page_class = "wordpress" if folder.name in READABILITY_WORDPRESS else "other"
        metadata_file = folder / "expected-metadata.json.gz"
        title = json.loads(gzip.decompress(metadata_file.read_bytes())).get("title") if metadata_file.exists() else None
        page = CorpusPage(
            folder.name, page_class, "", text, metadata={"title": title} if title else {},
            not_article=count_words(text) < MIN_REFERENCE_WORDS,
        )
        pages.append(BenchPage("readability", page, gzip.decompress(source.read_bytes())))
    return pages
