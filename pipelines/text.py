"""Text facts every stage shares: what a word is, and what "the same text" means.

One home for them, so that extraction, the crawler's page checks, cleaning and dedup agree:
a Chinese or Japanese article that extraction accepts is not rejected as too short later.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

#: Scripts written without spaces (kana, CJK ideographs): each character counts as a word.
CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{CJK_RANGES}]")
_CJK_WORD = re.compile(f"[{CJK_RANGES}]|(?:(?![{CJK_RANGES}])\\w)+")
_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    """Words in ``text``: whitespace-separated tokens, plus one per CJK character.

    The count used for every length rule (``min_words``, ``word_count`` of an archived article,
    the crawler's thin-page check).
    """
    if not text:
        return 0
    cjk = len(_CJK_CHAR.findall(text))
    if not cjk:
        return len(text.split())
    return len(_CJK_CHAR.sub(" ", text).split()) + cjk


def words(text: str) -> list[str]:
    """The normalised words of ``text``: NFKC, case-folded, punctuation and spacing dropped; each
    CJK character is a word of its own."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return (_CJK_WORD if _CJK_CHAR.search(text) else _WORD).findall(text)


def normalize_text(text: str) -> str:
    """The normalised form of ``text`` (its :func:`words` joined by single spaces)."""
    return " ".join(words(text))


def content_hash(text: str) -> str:
    """16 hex digits of SHA-256 over :func:`normalize_text`: equal for texts that differ only in
    case, punctuation or spacing. "Unchanged" for the crawler's seen-URL state, the exact
    same-text check of dedup and the revision keys of the archive all mean this hash is equal."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()[:16]
