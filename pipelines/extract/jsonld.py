"""schema.org JSON-LD as a page states it: every object, ``@graph`` members, ``@id`` references resolved.

Pages give a ``Person`` or an ``Organization`` in many shapes, all read here the same way:
a plain string, an object with ``name``, an object with ``givenName``/``familyName`` (and
``additionalName``), an ``@id`` reference to a member of the page's ``@graph``, or a list of any of
these. :func:`names` turns any of them into a list of display names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

_JSON_LD_TYPE = "application/ld+json"
# How deep a reference chain may go (an @id pointing at a node that references another…).
_MAX_DEPTH = 4


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if "@graph" in item:
                stack.append(item["@graph"])
            yield item


@dataclass
class JsonLd:
    """The JSON-LD objects of one page, with an index of those that carry an ``@id``."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_tree(cls, tree: HtmlElement) -> JsonLd:
        """Every ``<script type="application/ld+json">`` of ``tree``; unreadable scripts are skipped."""
        return cls.from_scripts(tree.iter("script"))

    @classmethod
    def from_scripts(cls, scripts: Iterable[HtmlElement]) -> JsonLd:
        """The JSON-LD of those ``scripts`` that are ``type="application/ld+json"``; unreadable ones are skipped."""
        found = cls()
        for script in scripts:
            if script.get("type") != _JSON_LD_TYPE:
                continue
            try:
                data = json.loads(script.text or "")
            except (ValueError, RecursionError):
                continue
            for node in _objects(data):
                found.nodes.append(node)
                ident = node.get("@id")
                if isinstance(ident, str) and len(node) > 1:
                    found.by_id.setdefault(ident, node)
        return found

    def resolve(self, value: Any, depth: int = 0) -> Any:
        """``value`` with a bare ``{"@id": …}`` reference replaced by the object it names."""
        if isinstance(value, dict) and isinstance(value.get("@id"), str) and depth < _MAX_DEPTH:
            target = self.by_id.get(value["@id"])
            if target is not None and target is not value:
                return {**target, **{k: v for k, v in value.items() if k != "@id"}}
        return value

    def first_of_types(self, types: frozenset[str]) -> dict[str, Any]:
        """The first object whose ``@type`` is one of ``types`` (``{}`` if none)."""
        return next((n for n in self.nodes if types_of(n) & types), {})

    def names(self, value: Any) -> list[str]:
        """Display names of a Person/Organization value in any shape (see the module docstring)."""
        if isinstance(value, list):
            return [name for item in value for name in self.names(item)]
        value = self.resolve(value)
        if isinstance(value, str):
            return [value] if value.strip() and not value.startswith(("http://", "https://")) else []
        if not isinstance(value, dict):
            return []
        name = value.get("name")
        if isinstance(name, dict):
            name = name.get("@value")
        if isinstance(name, list):
            return [n for n in name if isinstance(n, str) and n.strip()][:1]
        if isinstance(name, str) and name.strip():
            return [name]
        parts = [value.get(k) for k in ("givenName", "additionalName", "familyName")]
        joined = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
        return [joined] if joined else []


def types_of(node: dict[str, Any]) -> set[str]:
    """The ``@type`` values of a JSON-LD object, as a set of strings."""
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k for k in kinds if isinstance(k, str)}
