"""The ``sources.yaml`` schema, validated once at the edge.

Everything past :func:`load_sources` trusts its input. A bad file fails with one
:class:`SourcesError` line naming the file, the source and the field.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

SOURCES_ENV = "NEWSARCHIVE_SOURCES"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class SourcesError(ValueError):
    """A sources file is missing, unreadable or invalid. The message is one line (the first
    problem, and how many more there are); ``problems`` lists every problem found, one line each
    (``newsarchive sources check`` prints them all)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"bad regular expression {value!r}: {exc}") from None
    return value


def _check_schedule(value: str) -> str:
    from croniter import croniter

    if not croniter.is_valid(value):
        raise ValueError(f"not a cron expression or preset: {value!r} (e.g. '0 */6 * * *' or '@daily')")
    return value


Url = Annotated[str, AfterValidator(_check_url)]
Schedule = Annotated[str, AfterValidator(_check_schedule)]
Regex = Annotated[str, AfterValidator(_check_regex)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    """Per-source crawl limits; a run that hits one stops cleanly and says which."""

    max_pages: int | None = Field(default=None, ge=1)
    max_depth: int = Field(default=3, ge=0)
    max_run_seconds: float | None = Field(default=None, gt=0)


class Politeness(_Strict):
    """Per-source politeness overrides (the global defaults live in the crawl settings)."""

    download_delay: float | None = Field(default=None, ge=0)
    concurrency: int | None = Field(default=None, ge=1, le=32)
    obey_robots: bool = True
    autothrottle: bool | None = None
    user_agent: str | None = None


class Cleaning(_Strict):
    """Per-source cleaning rules applied on top of the built-in ones."""

    trailer_patterns: list[Regex] = Field(default_factory=list)
    drop_patterns: list[Regex] = Field(default_factory=list)
    min_words: int | None = Field(default=None, ge=0)


class Source(_Strict):
    """One configured news source."""

    id: str
    name: str | None = None
    enabled: bool = True
    start_urls: list[Url] = Field(default_factory=list)
    feeds: list[Url] = Field(default_factory=list)
    sitemaps: list[Url] = Field(default_factory=list)
    allowed_domains: list[str] = Field(default_factory=list)
    allow: list[Regex] = Field(default_factory=list)
    deny: list[Regex] = Field(default_factory=list)
    article_patterns: list[Regex] = Field(default_factory=list)
    # cron expression or preset (@hourly, @daily, ...): when news_crawl crawls this source; None: every run
    schedule: Schedule | None = None
    limits: Limits = Field(default_factory=Limits)
    politeness: Politeness = Field(default_factory=Politeness)
    language: str | None = None
    tags: list[str] = Field(default_factory=list)
    keep_comments: bool = False
    cleaning: Cleaning = Field(default_factory=Cleaning)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not ID_RE.match(value):
            raise ValueError(
                f"id {value!r} must be lowercase letters, digits, '-' or '_' (at most 63, first a letter or digit)"
            )
        return value

    @model_validator(mode="after")
    def _has_entry_point(self) -> Source:
        if not (self.start_urls or self.feeds or self.sitemaps):
            raise ValueError("needs at least one of start_urls, feeds or sitemaps")
        return self

    def is_due(self, since: datetime | None, until: datetime) -> bool:
        """Whether this source's ``schedule`` has a tick in ``(since, until]`` (always, without a
        schedule or without ``since``). Datetimes are timezone-aware; cron is read in UTC."""
        if self.schedule is None or since is None:
            return True
        from croniter import croniter

        start = since.astimezone(timezone.utc)
        return croniter(self.schedule, start).get_next(datetime) <= until.astimezone(timezone.utc)

    def domains(self) -> list[str]:
        """Allowed host names: the configured ones, or else the hosts of every entry URL."""
        if self.allowed_domains:
            return list(self.allowed_domains)
        hosts: list[str] = []
        for url in [*self.start_urls, *self.feeds, *self.sitemaps]:
            host = urlsplit(url).hostname or ""
            if host and host not in hosts:
                hosts.append(host)
        return hosts


class SourcesConfig(_Strict):
    """The whole ``sources.yaml``."""

    sources: list[Source]
    path: str | None = Field(default=None, exclude=True)

    def get(self, source_id: str) -> Source:
        """The source with that id, or :class:`SourcesError` listing the known ids."""
        for source in self.sources:
            if source.id == source_id:
                return source
        known = ", ".join(s.id for s in self.sources) or "none"
        raise SourcesError(f"{self.path or 'sources'}: no source with id {source_id!r} (known: {known})")

    def select(self, ids: list[str] | None = None) -> list[Source]:
        """The named sources (all enabled ones when ``ids`` is empty)."""
        if not ids:
            return [s for s in self.sources if s.enabled]
        return [self.get(i) for i in ids]


def _where(data: Any, loc: tuple[Any, ...]) -> str:
    """Human place of a validation error: ``source 'x' (sources[2]), field 'limits.max_pages'``."""
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        index = loc[1]
        sid = None
        try:
            sid = data["sources"][index].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
        who = f"source {sid!r} (sources[{index}])" if sid else f"sources[{index}]"
        rest = loc[2:]
    else:
        who, rest = "top level", loc
    field = ""
    for part in rest:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    return f"{who}, field {field!r}" if field else who


def parse_sources(data: Any, path: str = "<sources>") -> SourcesConfig:
    """Validate already-loaded YAML data. Raises :class:`SourcesError` (one line)."""
    if not isinstance(data, dict):
        raise SourcesError(f"{path}: expected a mapping with a 'sources' list at the top")
    try:
        config = SourcesConfig.model_validate({**data, "path": path})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field (check the spelling; see docs/sources.md)"
            problems.append(f"{path}: {_where(data, tuple(err['loc']))}: {msg}")
        more = f" (+{len(problems) - 1} more: `newsarchive sources check` lists them)" if len(problems) > 1 else ""
        raise SourcesError(problems[0] + more, problems) from None
    seen: dict[str, int] = {}
    for index, source in enumerate(config.sources):
        if source.id in seen:
            raise SourcesError(
                f"{path}: source {source.id!r} (sources[{index}]), field 'id': "
                f"duplicate id, already used by sources[{seen[source.id]}]"
            )
        seen[source.id] = index
    return config


def default_sources_path() -> Path | None:
    """The sources file used when none is named: ``$NEWSARCHIVE_SOURCES``, else
    ``<NEWSARCHIVE_HOME>/sources.yaml`` when it exists (the file the local Airflow's DAGs read,
    ``newsarchive stack status`` names it), else ``None``."""
    from pipelines.home import newsarchive_home

    if os.environ.get(SOURCES_ENV):
        return Path(os.environ[SOURCES_ENV])
    candidate = newsarchive_home() / "sources.yaml"
    return candidate if candidate.is_file() else None


def no_sources_message() -> str:
    """What to do when no sources file is named and there is no default one."""
    from pipelines.home import newsarchive_home

    return f"no sources file: pass --sources FILE, set {SOURCES_ENV}, or write {newsarchive_home() / 'sources.yaml'}"


def load_sources(path: str | os.PathLike[str] | None = None) -> SourcesConfig:
    """Load and validate a sources file (``path``, else :func:`default_sources_path`)."""
    raw = path or default_sources_path()
    if not raw:
        raise SourcesError(no_sources_message())
    file = Path(raw)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesError(f"{file}: cannot read: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise SourcesError(f"{file}:{where}: invalid YAML: {problem}") from None
    return parse_sources(data, str(file))
