"""The tag stage: language, keywords, topics from a taxonomy, source tags, the page's own tags.

Budgeted for >= 100 articles/s: the language detector reads the first ``language_chars``
characters and YAKE reads only the title and lead (news puts the essentials first), which keeps
each article at a few milliseconds. ``bench/dedup.py`` measures it.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from pipelines.config import Source
from pipelines.models import Article
from pipelines.text import words

log = logging.getLogger(__name__)

# Title, page categories/tags, keywords, lead: how much one matching term counts from each.
WEIGHTS = {"title": 3, "page": 3, "keywords": 2, "lead": 1}
_SLUG_DROP = re.compile(r"[^\w]+", re.UNICODE)


class TaxonomyError(ValueError):
    """A taxonomy file is missing or malformed (one line naming the file and the problem)."""


def slugify(value: str) -> str:
    """Normalised tag: NFKC, lower case, runs of non-word characters as one ``-`` (letters of any
    script kept): ``"Climate Change "`` -> ``"climate-change"``, ``"Économie"`` -> ``"économie"``."""
    value = unicodedata.normalize("NFKC", value).casefold().replace("_", " ")
    return _SLUG_DROP.sub("-", value).strip("-")


def normalize_tags(values: Iterable[str]) -> list[str]:
    """Slugs of ``values``, empty ones dropped, first occurrence order kept."""
    seen: dict[str, None] = {}
    for value in values:
        slug = slugify(value)
        if slug:
            seen.setdefault(slug, None)
    return list(seen)


@dataclass(frozen=True)
class Topic:
    """One taxonomy topic: a name and the word patterns that point to it."""

    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Taxonomy:
    """Rules that assign topics from an article's title, page tags, keywords and lead."""

    topics: tuple[Topic, ...]
    min_score: int = 3
    lead_words: int = 250
    min_share: float = 0.35

    def scores(self, *, title: str = "", page: Iterable[str] = (), keywords: Iterable[str] = (), lead: str = "") -> dict[str, int]:
        """Score every topic; each distinct matching term counts once per field, weighted by :data:`WEIGHTS`."""
        fields = {
            "title": " ".join(words(title)),
            "page": " | ".join(" ".join(words(p)) for p in page),
            "keywords": " | ".join(" ".join(words(k)) for k in keywords),
            "lead": " ".join(words(lead)[: self.lead_words]),
        }
        scores: dict[str, int] = {}
        for topic in self.topics:
            score = sum(WEIGHTS[name] * len(set(topic.pattern.findall(text))) for name, text in fields.items() if text)
            if score:
                scores[topic.name] = score
        return scores

    def assign(self, **fields: object) -> list[str]:
        """Topics scoring at least ``min_score`` and ``min_share`` of the best topic's score, best first
        (a sports story that mentions a hospital once is not a health story)."""
        scores = self.scores(**fields)  # type: ignore[arg-type]
        if not scores:
            return []
        floor = max(self.min_score, self.min_share * max(scores.values()))
        return [name for name, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])) if score >= floor]


def _term_regex(term: str) -> str:
    term = " ".join(words(term.rstrip("*"))) + ("*" if term.endswith("*") else "")
    if term.endswith("*"):
        return re.escape(term[:-1]) + r"\w*"
    return re.escape(term)


def parse_taxonomy(data: object, path: str = "<taxonomy>") -> Taxonomy:
    """Validate loaded YAML: ``{min_score, lead_words, topics: {name: [term, ...]}}``."""
    if not isinstance(data, Mapping) or not isinstance(data.get("topics"), Mapping) or not data["topics"]:
        raise TaxonomyError(f"{path}: expected a mapping with a non-empty 'topics' mapping (name: [terms])")
    topics = []
    for name, terms in data["topics"].items():
        if not isinstance(terms, list) or not terms or not all(isinstance(t, str) and t.strip() for t in terms):
            raise TaxonomyError(f"{path}: topic {name!r}: expected a non-empty list of terms")
        alternatives = sorted({_term_regex(t) for t in terms}, key=len, reverse=True)
        pattern = re.compile(r"(?<!\w)(" + "|".join(alternatives) + r")(?!\w)")
        topics.append(Topic(slugify(str(name)), pattern))
    try:
        return Taxonomy(tuple(topics), int(data.get("min_score", 3)), int(data.get("lead_words", 250)),
                        float(data.get("min_share", 0.35)))
    except (TypeError, ValueError) as exc:
        raise TaxonomyError(f"{path}: min_score, lead_words and min_share must be numbers ({exc})") from None


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load a taxonomy file, or the packaged default news taxonomy when ``path`` is None."""
    if path is None:
        return _default_taxonomy()
    try:
        text = Path(path).read_text(encoding="utf-8")
        return parse_taxonomy(yaml.safe_load(text), str(path))
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: invalid YAML: {exc}") from None


@lru_cache(maxsize=1)
def _default_taxonomy() -> Taxonomy:
    text = resources.files("pipelines").joinpath("taxonomy.yaml").read_text(encoding="utf-8")
    return parse_taxonomy(yaml.safe_load(text), "pipelines/taxonomy.yaml")


# --------------------------------------------------------------------------- language and keywords


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, *, hint: str | None = None, max_chars: int = 2000, min_confidence: float = 0.5) -> str | None:
    """ISO 639-1 code of ``text`` (py3langid over its first ``max_chars``), or the ``hint``
    (page/source language) when the text is too short or the detector is unsure."""
    hint = hint.split("-")[0].split("_")[0].lower() if hint else None
    sample = text[:max_chars]
    if len(sample.split()) < 8:
        return hint
    lang, confidence = _identifier().classify(sample)
    if confidence < min_confidence and hint:
        return hint
    return str(lang)


@lru_cache(maxsize=64)
def _stopwords(language: str) -> frozenset[str]:
    """YAKE's stop-word list for ``language`` (English when it has none)."""
    folder = resources.files("yake").joinpath("core/StopwordsList")
    path = folder.joinpath(f"stopwords_{language}.txt")
    if not path.is_file():
        path = folder.joinpath("stopwords_en.txt")
    return frozenset(w.strip().casefold() for w in path.read_text(encoding="utf-8", errors="ignore").splitlines() if w.strip())


@lru_cache(maxsize=64)
def _yake(language: str, top: int):  # type: ignore[no-untyped-def]
    import yake

    has_list = resources.files("yake").joinpath(f"core/StopwordsList/stopwords_{language}.txt").is_file()
    return yake.KeywordExtractor(lan=language if has_list else "en", n=2, top=top * 2, dedupLim=0.7)


_TOKEN = re.compile(r"\w[\w'’-]*\w|\w", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s$")
_SENTENCE_END = re.compile(r"[.!?;:\n]")


def _lead_keywords(title: str, lead: str, text: str, language: str, top: int) -> list[str]:
    """YAKE-like statistics at a fraction of the cost: candidates are runs of 1-2 non-stop-words in
    the title and lead; a word scores by its frequency in the whole text, earliness, capitalisation
    inside a sentence (names) and presence in the title; a phrase counts only if it recurs."""
    stop = _stopwords(language)
    counts: Counter[str] = Counter(_POSSESSIVE.sub("", w.casefold()) for w in _TOKEN.findall(text))
    title_words = {w.casefold() for w in _TOKEN.findall(title)}
    scores: dict[str, float] = {}
    phrases: Counter[str] = Counter()
    position = 0
    for sentence in _SENTENCE_END.split(f"{title}\n{lead}"):
        run: list[str] = []
        for n, token in enumerate(_TOKEN.findall(sentence)):
            folded = _POSSESSIVE.sub("", token.casefold())
            position += 1
            if folded in stop or len(folded) < 3 or folded.isdigit():
                run = []
                continue
            weight = counts[folded] / math.log2(2 + position)
            if n and token[0].isupper():
                weight *= 1.5
            if folded in title_words:
                weight *= 2
            scores[folded] = max(scores.get(folded, 0.0), weight)
            if run:
                phrases[f"{run[-1]} {folded}"] += 1
            run.append(folded)
    lowered = text.casefold()
    for phrase, seen in phrases.items():
        if seen > 1 or lowered.count(phrase) > 1:
            first, second = phrase.split(" ")
            scores[phrase] = (scores[first] + scores[second]) * 0.75
    return [k for k, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def extract_keywords(
    text: str, *, language: str | None = None, top: int = 10, lead_words: int = 150, title: str | None = None,
    method: str = "fast",
) -> list[str]:
    """Top ``top`` keywords (lower case, 1-2 words) of the title and first ``lead_words`` words.

    ``method="fast"`` (default, ~1 ms) scores candidates with frequency/position/case statistics;
    ``method="yake"`` runs YAKE on the same lead (~10-20 ms, too slow for the 100 articles/s goal).
    """
    lead = " ".join(text.split()[:lead_words])
    if not (lead.strip() or (title or "").strip()):
        return []
    if method == "fast":
        return _lead_keywords(title or "", lead, text, language or "en", top)
    if method != "yake":
        raise ValueError(f"unknown keyword method {method!r} (fast or yake)")
    found: dict[str, None] = {}
    for phrase, _score in _yake(language or "en", top).extract_keywords(f"{title}.\n{lead}" if title else lead):
        phrase = " ".join(phrase.split()).casefold()
        if len(phrase) > 2 and not phrase.isdigit():
            found.setdefault(phrase, None)
        if len(found) >= top:
            break
    return list(found)


# --------------------------------------------------------------------------- the stage


@dataclass
class Tagger:
    """The tag stage: ``for record in Tagger(taxonomy, sources)(records)``. Rejected records pass untouched.

    Sets ``language``, ``keywords``, ``topics`` and ``source_tags``; normalises the page's own
    ``categories`` and ``tags`` to slugs (they also count towards topics).
    """

    taxonomy: Taxonomy = field(default_factory=load_taxonomy)
    sources: Mapping[str, Source] = field(default_factory=dict)
    top_keywords: int = 10
    keyword_lead_words: int = 150
    keyword_method: str = "fast"

    def __call__(self, records: Iterable[Article]) -> Iterator[Article]:
        for record in records:
            if record.rejected is None:
                self.tag(record)
            yield record

    def tag(self, record: Article) -> Article:
        """Tag one record in place and return it."""
        source = self.sources.get(record.source or "")
        record.language = detect_language(
            f"{record.title or ''}\n{record.text}", hint=record.language or (source.language if source else None)
        )
        record.keywords = extract_keywords(
            record.text, language=record.language, top=self.top_keywords, lead_words=self.keyword_lead_words,
            title=record.title, method=self.keyword_method,
        )
        record.categories = normalize_tags(record.categories)
        record.tags = normalize_tags(record.tags)
        record.source_tags = normalize_tags(source.tags) if source else record.source_tags
        record.topics = self.taxonomy.assign(
            title=record.title or "", page=[*record.categories, *record.tags], keywords=record.keywords,
            lead=" ".join(record.text.split()[: self.taxonomy.lead_words]),
        )
        return record
