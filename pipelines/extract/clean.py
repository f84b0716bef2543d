"""Text cleaning: Unicode and whitespace normalisation, widget lines, comment tails, sign-off trailers.

:func:`clean_text` works on any article text, extracted here or scraped elsewhere. It is
conservative by construction: it only ever removes *whole lines* that consist of widget phrases
(see :mod:`pipelines.extract.widgets`), everything after a comment-section heading in the second half of
the text, and sign-off trailers at the very end. A sentence that merely mentions "leave a reply"
or "share this" is a sentence, not a widget, and stays.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

from pipelines.config import Cleaning
from pipelines.extract.widgets import MAX_WIDGET_LINE, is_widget_line, normalise_line

LOGGER = logging.getLogger(__name__)

# Invisible characters that only get in the way (soft hyphen, zero-width space/no-break, BOM,
# word joiner, bidi marks left by copy-paste); ZWJ/ZWNJ are kept because scripts need them.
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")

# A comment section starts at a widget line opening like one of these: everything after it is reader
# comments and their form. Only in the second half of a text, and only on a line that is a widget
# line as a whole (so "2 responses to the survey came from farmers." is a sentence, not a heading).
_COMMENT_SECTION = re.compile(
    r"leave a (?:reply|comment|response)|post a comment|add a comment|(?:\d+|one|no) (?:comments?|responses?|thoughts?|replies)"
    r"|laisser (?:un commentaire|une réponse)|\d+ (?:commentaires?|réflexions?|réponses?)"
    r"|(?:hinterlasse|schreibe) einen kommentar|\d+ (?:kommentare?|gedanken|antworten)"
    r"|deja (?:una respuesta|un comentario)|(?:\d+|un) (?:comentarios?|respuestas?)"
    r"|(?:اترك|أضف) (?:تعليقاً|تعليقا|تعليق|رداً|ردا|رد)|\d+ تعليقات?"
)

# Sign-off trailers of wire agencies and news sites, matched on the last lines only.
# Whole last lines: "(END)", "-- ENDS --", "###", "(Reporting by …; Editing by …)", "© 2020 AFP" …
TRAILER_LINES: tuple[str, ...] = (
    r"[-–—(\[/ ]*(?:end|ends|fin|ende|fim|finished|انتهى)[-–—)\]/ ]*\d{0,3}\.?",
    r"#{3,}|\*{3,}|-{3,}|x{3}",
    r"\(?(?:additional )?(?:reporting|writing|editing|compiled) by [^()]{2,200}\)?\.?",
    r"(?:©|\(c\)|copyright)\s*(?:\d{4}\s*)?(?:thomson reuters|reuters|the associated press|associated press|ap|afp|"
    r"agence france[- ]presse|dpa(?:-infocom)?|efe|ansa|xinhua|upi|bloomberg)\b.{0,200}",
    r"this material may not be published,? broadcast,? rewritten,? or redistributed\.?",
    r"\(?(?:avec|mit|con|with) (?:afp|reuters|ap|dpa|efe|ansa|agences)\)?\.?",
    r"\((?:afp|reuters|ap|dpa|efe|ansa|sda|apa|kna|ina|wam|spa|mena|qna|kuna)\)\.?",
)
# Inline sign-offs ending the last paragraph: "… in the Middle East. Finished 2", "… (END)".
TRAILER_TAILS: tuple[str, ...] = (
    r"(?<=[.!?”\"'»)])\s*(?:finished|ended|انتهى)\s*\d{1,3}\.?",
    r"(?<=[.!?”\"'»)])\s*[(\[]?(?:end|ends|انتهى)[)\]]\.?",
    r"(?<=[.!?”\"'»)])\s*[-–—]{1,2}\s*(?:end|ends)\s*[-–—]{1,2}",
)

# A trailer ends a text; more than this many trailer lines in a row is no longer a trailer.
_MAX_TRAILER_STEPS = 6


def normalise_text(text: str) -> str:
    """NFC, one kind of newline, no invisible or control characters, single spaces, stripped lines.

    Paragraphs stay one per line; runs of blank lines become one blank line.
    """
    text = unicodedata.normalize("NFC", _NEWLINES.sub("\n", text))
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    lines = [" ".join(line.split()) for line in text.split("\n")]  # str.split: any Unicode space
    return _join_lines(lines)


def _join_lines(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


@lru_cache(maxsize=256)
def _compile_rules(trailers: tuple[str, ...], drops: tuple[str, ...]) -> tuple[re.Pattern[str] | None, ...]:
    """Built-in and per-source patterns, compiled once per distinct rule set."""
    line_trailers = "|".join(f"(?:{p})" for p in (*TRAILER_LINES, *trailers))
    tail_trailers = "|".join(f"(?:{p})" for p in (*TRAILER_TAILS, *trailers))
    drop = "|".join(f"(?:{p})" for p in drops)
    return (
        re.compile(line_trailers, re.IGNORECASE),
        re.compile(rf"(?:{tail_trailers})\s*$", re.IGNORECASE),
        re.compile(drop, re.IGNORECASE) if drops else None,
    )


def _cut_comment_section(lines: list[str]) -> list[str]:
    """Drop everything from a comment-section heading on, if it sits in the second half of the text."""
    total = sum(len(line) for line in lines)
    seen = 0
    for index, line in enumerate(lines):
        heading = len(line) <= MAX_WIDGET_LINE and _COMMENT_SECTION.match(normalise_line(line))
        if seen > total / 2 and heading and is_widget_line(line):
            LOGGER.debug("comment section cut at line %d: %r", index, line)
            return lines[:index]
        seen += len(line)
    return lines


def _strip_trailers(lines: list[str], line_re: re.Pattern[str], tail_re: re.Pattern[str]) -> list[str]:
    for _ in range(_MAX_TRAILER_STEPS):
        while lines and not lines[-1]:
            lines.pop()
        if not lines:
            break
        last = lines[-1]
        if line_re.fullmatch(last):
            lines.pop()
            continue
        match = tail_re.search(last)
        if match and match.start() > 0:
            lines[-1] = last[: match.start()].rstrip()
            continue
        break
    return lines


def strip_title(text: str, title: str | None) -> str:
    """``text`` without its first line when that line is the ``title`` (punctuation and case aside)."""
    first, _, rest = text.partition("\n")
    if title and len(first) < 2 * len(title) + 20 and normalise_line(first) == normalise_line(title):
        return rest.lstrip("\n")
    return text


def clean_text(text: str, rules: Cleaning | None = None) -> str:
    """Clean an article text: normalise it and drop widget lines, comment sections and trailers.

    ``rules`` adds a source's own patterns (``sources.yaml`` ``cleaning``): a line matching one of
    ``drop_patterns`` as a whole is dropped anywhere; ``trailer_patterns`` are sign-offs removed from
    the end of the text, as a whole last line or as the end of the last line. ``min_words`` is not
    applied here (it decides whether an extracted page is an article, see :mod:`pipelines.extract`).

    >>> clean_text("Story.\\n\\nShare this:\\nLike Loading...")
    'Story.'
    """
    if not text:
        return ""
    line_re, tail_re, drop_re = _compile_rules(
        tuple(rules.trailer_patterns) if rules else (), tuple(rules.drop_patterns) if rules else ()
    )
    lines = _cut_comment_section(normalise_text(text).split("\n"))
    lines = [
        line
        for line in lines
        if not line or not (is_widget_line(line) or (drop_re is not None and drop_re.fullmatch(line)))
    ]
    lines = _strip_trailers(lines, line_re, tail_re)
    return _join_lines(lines)
