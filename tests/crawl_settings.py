"""Scrapy's ``get_crawler`` with the crawl's own defaults: components read ``NEWSARCHIVE_*`` settings
without inline defaults (their one home is ``spiders/settings.py``), as a real crawl provides them."""

from __future__ import annotations

from typing import Any

from scrapy.utils.test import get_crawler as scrapy_get_crawler

from spiders import settings as crawl_settings

DEFAULTS = {name: value for name, value in vars(crawl_settings).items() if name.startswith("NEWSARCHIVE_")}


def get_crawler(spidercls: Any = None, settings_dict: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """A test crawler whose settings are our defaults overridden by ``settings_dict``."""
    return scrapy_get_crawler(spidercls, {**DEFAULTS, **(settings_dict or {})}, **kwargs)
