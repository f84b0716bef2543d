"""Ground truth (:attr:`DemoSite.expected`) and the demo ``sources.yaml``, assembled from live sites."""

from __future__ import annotations

import re
from typing import Any

import yaml

from .site import Site


def _metadata(site: Site) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    custom = getattr(site, "metadata", None)
    for story, url in site.articles:
        if callable(custom):
            out[url] = custom(story, url)
            continue
        out[url] = {
            "title": story.title,
            "authors": list(story.authors),
            "published": story.published,
            "modified": story.modified,
            "categories": list(story.categories),
            "tags": list(story.tags),
            "site_name": site.title,
            "language": story.language,
        }
    return out


def build_expected(sites: dict[str, Site]) -> dict[str, Any]:
    """Assemble the ground truth of every running site (see the package README for the keys)."""
    expected: dict[str, Any] = {"topics": {}, "metadata": {}, "url_variants": {}, "encoding_checks": {}, "texts": {}, "comments": {}}
    for name, site in sites.items():
        truth = site.truth
        expected[name] = {
            "articles": list(truth.articles),
            "disallowed": list(truth.disallowed),
            "non_articles": list(truth.non_articles),
            "bad_pages": dict(truth.bad_pages),
        }
        for story, url in site.articles:
            expected["topics"][url] = list(story.topics)
            # The body as the page shows it: paragraphs, then a wire trailer if any (before cleaning).
            expected["texts"][url] = "\n\n".join([*story.paragraphs, *([story.trailer] if story.trailer else [])])
            if story.comments and story.widget != "disqus":
                expected["comments"][url] = [{"author": c.author, "text": c.text} for c in story.comments]
        expected["metadata"].update(_metadata(site))
        for key, value in site.extra_truth().items():
            if key in ("url_variants", "encoding_checks"):
                expected[key].update(value)  # type: ignore[arg-type]
            elif key == "source":
                expected[name].update(value)  # type: ignore[arg-type]
            else:
                expected[key] = value
    by_role: dict[str, list[str]] = {}
    for name in ("wpnews", "citynews", "wpcom"):
        site = sites.get(name)
        for story, url in site.articles if site else []:
            if story.role:
                by_role.setdefault(story.role, []).append(url)
    expected["syndicated_pair"] = tuple(by_role.get("wire", []))
    expected["updated_article"] = (by_role.get("updated") or [None])[0]
    expected["no_metadata_article"] = (by_role.get("no-metadata") or [None])[0]
    expected.setdefault("seed_article", (by_role.get("seed") or [None])[0])
    expected["all_articles"] = [u for n in sites for u in expected[n]["articles"]]
    expected["article_counts_as"] = {
        "malformed": True,
        "wrong-charset": True,
        "500": False,
        "slow": False,
        "huge": False,
        "404": False,
    }
    return expected


def _source(site: Site, traps_enabled: bool) -> dict[str, Any]:
    base = site.base
    allow = [f"^{re.escape(base)}/"]
    common: dict[str, Any] = {"id": site.name, "name": site.title, "allowed_domains": [], "allow": allow, "language": "en", "schedule": "@hourly"}
    entry = getattr(site, "source_entry", None)
    if callable(entry):
        return entry(common, traps_enabled)
    if site.name == "wpcom":
        return {
            **common,
            "start_urls": [f"{base}/"],
            "feeds": [f"{base}/feed/"],
            "sitemaps": [f"{base}/sitemap.xml"],
            "article_patterns": [r"/\d{4}/\d{2}/\d{2}/[^/?#]+/$"],
            "limits": {"max_pages": 200, "max_depth": 3},
            "politeness": {"download_delay": 0.0},
            "tags": ["demo", "wordpress.com", "blog"],
        }
    if site.name == "wpnews":
        return {
            **common,
            "start_urls": [f"{base}/"],
            "feeds": [f"{base}/feed/"],
            "sitemaps": [f"{base}/sitemap_index.xml"],
            "article_patterns": [r"/\d{4}/\d{2}/[^/?#]+/$"],
            "limits": {"max_pages": 200, "max_depth": 3},
            "politeness": {"download_delay": 0.0},
            "tags": ["demo", "wordpress", "local-news"],
            "cleaning": {"trailer_patterns": [r"Copyright \d{4} Continental Press\..*$"]},
        }
    if site.name == "citynews":
        return {
            **common,
            "start_urls": [f"{base}/"],
            "feeds": [f"{base}/feeds/latest.atom"],
            "sitemaps": [f"{base}/news-sitemap.xml"],
            "article_patterns": [r"/[a-z]+/\d{4}/\d{2}/\d{2}/[^/?#]+\.html$", r"^https?://[^/]+/[a-z]+/[a-z0-9-]+\.html$"],
            "limits": {"max_pages": 200, "max_depth": 3},
            "politeness": {"download_delay": 0.0},
            "tags": ["demo", "news-cms"],
            "cleaning": {"trailer_patterns": [r"Distributed by Continental Press\..*$"]},
        }
    return {
        **common,
        "enabled": traps_enabled,
        "start_urls": [f"{base}/"],
        "feeds": [f"{base}/feed/"],
        "sitemaps": [f"{base}/sitemap.xml"],
        "limits": {"max_pages": 150, "max_depth": 6, "max_run_seconds": 240},
        "tags": ["demo", "traps"],
    }


def sources_yaml(sites: dict[str, Site], traps_enabled: bool = False) -> str:
    """The demo sources as YAML (valid for ``pipelines.config.parse_sources``)."""
    data = {"sources": [_source(site, traps_enabled) for site in sites.values()]}
    header = (
        "# Demo sources served by infra.demo_site on 127.0.0.1 (ports filled in at start).\n"
        "# The 'traps' source (and 'bigarchive', when served) is disabled unless asked for (traps_enabled):\n"
        "# they hold the crawler-hardening traps and a 60,000-URL archive sitemap.\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
