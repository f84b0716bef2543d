"""Measuring extraction: word precision/recall/F1 against an expected text, and widget leaks.

Shared by the extraction tests and ``bench/extraction.py`` so both score the same way. A corpus is a
folder with ``manifest.json`` and, per page, ``pages/<name>.html`` and ``pages/<name>.txt`` (the
expected article text, one paragraph per line).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.extract.clean import strip_title
from pipelines.extract.widgets import widget_lines

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Score:
    """Bag-of-words agreement of an extracted text with the expected one."""

    precision: float
    recall: float
    f1: float


@dataclass
class CorpusPage:
    """One page of a development corpus, with what extracting it must give."""

    name: str
    page_class: str
    html: str
    expected: str
    url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    comments: list[dict[str, str]] = field(default_factory=list)
    not_article: bool = False

    @property
    def title(self) -> str | None:
        """The page's title as its metadata states it, if known."""
        return self.metadata.get("title")


def words(text: str) -> list[str]:
    """Casefolded word tokens (letters and digits in any script)."""
    return _WORD.findall(text.casefold())


def word_score(expected: str, extracted: str | None, title: str | None = None) -> Score:
    """Precision, recall and F1 of the extracted words against the expected words (multisets).

    With ``title``, a first line repeating it is left out of both texts: whether an article's text
    starts with its headline is a convention (it has a field of its own), not extraction quality.
    """
    want = Counter(words(strip_title(expected, title)))
    got = Counter(words(strip_title(extracted or "", title)))
    common = sum((want & got).values())
    if not common:
        return Score(0.0, 0.0, 0.0)
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return Score(precision, recall, 2 * precision * recall / (precision + recall))


def leaks(extracted: str | None, page: CorpusPage) -> list[str]:
    """Widget lines and reader-comment text found in an extraction of ``page``."""
    text = extracted or ""
    found = widget_lines(text)
    found += [c["text"] for c in page.comments if c["text"] in text]
    return found


def load_corpus(folder: Path) -> list[CorpusPage]:
    """The pages listed in ``folder/manifest.json``."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    pages = []
    for entry in manifest["pages"]:
        name = entry["name"]
        expected_file = folder / "pages" / f"{name}.txt"
        pages.append(
            CorpusPage(
                name=name,
                page_class=entry["class"],
                html=(folder / "pages" / f"{name}.html").read_text(encoding="utf-8"),
                expected=expected_file.read_text(encoding="utf-8") if expected_file.exists() else "",
                url=entry.get("url"),
                metadata=entry.get("metadata", {}),
                comments=entry.get("comments", []),
                not_article=entry.get("not_article", False),
            )
        )
    return pages
