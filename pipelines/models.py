"""The one record type that flows through every stage: :class:`Article`.

Field names are a public contract: the archived JSON is read by users' programs.
Add fields freely; never rename or remove one.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

DuplicateKind = Literal["same-url", "same-text", "near-duplicate"]


def article_id(canonical_url: str) -> str:
    """Stable id of an article: the first 16 hex digits of SHA-256 of its canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]


class Comment(BaseModel):
    """One reader comment, kept apart from the article text (only when a source asks)."""

    model_config = ConfigDict(extra="ignore")

    author: str | None = None
    published: datetime | None = None
    text: str


class Article(BaseModel):
    """An article as extracted, cleaned, deduplicated, tagged and archived.

    Datetimes are timezone-aware or ``None`` (never a guess). Lists are never ``None``.
    """

    model_config = ConfigDict(extra="ignore", validate_assignment=False)

    # identity
    url: str
    canonical_url: str | None = None
    id: str | None = None
    source: str | None = None

    # content and metadata
    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    text: str = ""
    language: str | None = None
    site_name: str | None = None
    description: str | None = None
    image: str | None = None
    categories: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    comments: list[Comment] = Field(default_factory=list)
    word_count: int = 0

    # fetch facts
    fetched_at: datetime | None = None
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    warc_record_id: str | None = None
    warc_key: str | None = None  # raw/<source>/<YYYY>/<MM>/<DD>/<run_id>.warc.gz holding that record
    run_id: str | None = None

    # processing results
    content_hash: str | None = None
    keywords: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    source_tags: list[str] = Field(default_factory=list)
    duplicate_of: str | None = None
    duplicate_kind: DuplicateKind | None = None
    similarity: float | None = None
    aliases: list[str] = Field(default_factory=list)
    revision: int = 1
    rejected: str | None = None

    # where the record came from (e.g. ``staging/<run>/<source>/records.jsonl:12``), for reports; not serialised
    _origin: str | None = PrivateAttr(default=None)

    @field_validator("published", "modified", "fetched_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("datetime must be timezone-aware")
        return value

    def model_post_init(self, __context: object) -> None:
        if self.id is None:
            self.id = article_id(self.canonical_url or self.url)
        if not self.word_count and self.text:
            self.word_count = len(self.text.split())

    def to_json_dict(self) -> dict:
        """The archived JSON form (datetimes as ISO 8601 strings)."""
        return self.model_dump(mode="json")

    def to_json(self) -> str:
        """One line of JSON (for JSONL staging and archive objects)."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, line: str | bytes) -> Article:
        """Parse one archived/staged JSON document (raises ``pydantic.ValidationError``)."""
        return cls.model_validate_json(line)
