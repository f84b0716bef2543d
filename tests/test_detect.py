"""Article detection: URL rules plus the signals a page gives about itself."""

from __future__ import annotations

import json

from spiders.detect import detect, page_signals

BODY = " ".join(f"word{i}" for i in range(200))


def page(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_json_ld_article_types_including_graph_and_lists() -> None:
    graph = ld({"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle"}]})
    assert detect("https://n.example/x", page(graph)).reason == "json-ld"
    listed = ld([{"@type": ["BlogPosting", "Thing"]}])
    assert detect("https://n.example/x", page(listed)).is_article
    plain = ld({"@type": "http://schema.org/Article"})
    assert detect("https://n.example/x", page(plain)).is_article
    broken = '<script type="application/ld+json">{"@type": "NewsArticle",}</script>'
    assert detect("https://n.example/x", page(broken)).is_article  # trailing comma tolerated


DATED = '<meta property="article:published_time" content="2024-05-01T10:00:00+00:00">'


def test_og_type_article_needs_text_and_a_date() -> None:
    og = '<meta property="og:type" content="article">'
    assert detect("https://n.example/x", page(og + DATED, f"<p>{BODY}</p>")).reason == "og-type"
    # an About page with og:type=article (as Yoast emits) but no publication date
    about = detect("https://n.example/about/", page(og, f"<article><p>{BODY}</p></article>"))
    assert not about.is_article and about.reason == "undated"
    short = detect("https://n.example/x", page(og, "<p>Just a teaser.</p>"))
    assert not short.is_article and short.reason == "too-short"


def test_single_article_element_with_enough_words() -> None:
    dated = f'<article><time datetime="2024-05-01">May 1</time><p>{BODY}</p></article>'
    assert detect("https://n.example/x", page(body=dated)).reason == "article-element"
    assert not detect("https://n.example/x", page(body="<article><p>Tiny.</p></article>")).is_article


def test_reader_comments_do_not_make_a_post_a_listing() -> None:
    comments = "".join(
        f'<article id="div-comment-{i}" class="comment-body"><p>Nice post {i}</p></article>' for i in range(6)
    )
    post = f'<article class="post"><time datetime="2024-05-01">May 1</time><p>{BODY}</p></article>{comments}'
    verdict = detect("https://n.example/2024/05/x/", page('<meta property="og:type" content="article">', post))
    assert verdict.is_article, verdict


def test_listings_are_not_articles() -> None:
    many = "".join(f"<article><h2>t{i}</h2><p>{BODY}</p></article>" for i in range(5))
    assert detect("https://n.example/tag/x/", page(body=many)).reason == "listing-signals"
    website = '<meta property="og:type" content="website">'
    assert not detect("https://n.example/", page(website, f"<article><p>{BODY}</p></article>")).is_article
    collection = ld({"@graph": [{"@type": "CollectionPage"}]})
    assert not detect("https://n.example/category/x/", page(collection, f"<p>{BODY}</p>")).is_article
    profile = ld({"@type": "ProfilePage"})
    assert not detect("https://n.example/author/a/", page(profile, f"<article><p>{BODY}</p></article>")).is_article
    assert detect("https://n.example/", page(body="<p>hello</p>")).reason == "no-article-signals"


def test_url_patterns_decide_when_configured_and_page_can_veto() -> None:
    patterns = [r"/\d{4}/\d{2}/[^/]+/$"]
    article = page('<meta property="og:type" content="article">', f"<article><p>{BODY}</p></article>")
    assert detect("https://n.example/2024/05/story/", article, patterns).reason == "url-rule"
    # an About page with og:type=article (as Yoast emits) does not match the patterns
    assert detect("https://n.example/about/", article, patterns).reason == "url-rule"
    assert not detect("https://n.example/about/", article, patterns).is_article
    # a matching URL that is really a listing is vetoed
    many = "".join(f"<article><p>{BODY}</p></article>" for i in range(4))
    assert not detect("https://n.example/2024/05/archive/", page(body=many), patterns).is_article


def test_signals_are_read_from_the_page() -> None:
    signals = page_signals(page('<meta property="OG:TYPE" content="Article">' + ld({"@type": "NewsArticle"}),
                                f"<article><p>{BODY}</p></article>"))
    assert signals.og_type == "article"
    assert "newsarticle" in signals.jsonld_types
    assert signals.article_elements == 1
    assert signals.article_words == 200


def test_badly_broken_markup_still_detected() -> None:
    # unclosed <title>: the parser swallows the meta tags after it
    broken = (
        "<html><head><title>Marathon record | Courier\n"
        '<meta property="og:type" content="article">\n'
        '<meta property="article:published_time" content="2026-11-12T09:00:00+00:00">\n'
        f"</head><body><center><table><tr><td><p>{BODY}<p>more <b>bold <i>text</b></i></td></tr></table>"
    )
    verdict = detect("https://n.example/sport/x.html", broken)
    assert verdict.is_article, verdict
