"""The data types the demo content is written in: stories, comments, and served responses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

TOPICS = ("politics", "conflict", "economy", "technology", "health", "sport", "science", "environment", "culture")


def when(text: str) -> datetime:
    """Parse an ISO 8601 timestamp written in the content modules (always timezone-aware)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"demo timestamps must carry a timezone: {text!r}")
    return value


@dataclass(frozen=True)
class Comment:
    """A reader comment shown under a post (never part of the article text)."""

    id: int
    author: str
    posted: datetime
    text: str
    parent: int = 0


@dataclass
class Story:
    """One article as the content modules describe it; templates decide the markup.

    ``topics`` is the ground truth for topic tagging (values from :data:`TOPICS`).
    ``authors``/``published``/``modified``/``categories``/``tags`` are what the page shows.
    """

    slug: str
    title: str
    paragraphs: list[str]
    topics: list[str]
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    description: str = ""
    section: str = "news"
    dateline: str = ""
    widget: str = "core"
    trailer: str = ""
    role: str = ""
    language: str = "en"

    def __post_init__(self) -> None:
        unknown = set(self.topics) - set(TOPICS)
        if unknown:
            raise ValueError(f"{self.slug}: unknown topics {sorted(unknown)}")
        if self.modified is None:
            self.modified = self.published
        if not self.description:
            first = self.paragraphs[0]
            cut = first.find(". ")
            self.description = first if cut < 0 else first[: cut + 1]

    @property
    def words(self) -> int:
        """Word count of the article body."""
        return sum(len(p.split()) for p in self.paragraphs)


@dataclass
class Response:
    """What a route answers. ``body`` is sent at once; ``stream`` (a chunk iterator factory) is
    dripped or streamed instead, with ``length`` as Content-Length when known."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    etag: str | None = None
    stream: Callable[[], Iterator[bytes]] | None = None
    length: int | None = None
    conditional: bool = True
