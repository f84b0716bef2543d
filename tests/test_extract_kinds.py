"""One regression test per kind of failure found on real pages (issue 14), on small pages written here.

No text is copied from a corpus: the pages below are made up, in the shapes the dev corpora showed.
"""

from __future__ import annotations

import json

import pytest

from pipelines.extract import extract
from pipelines.extract.decoding import decode_html
from pipelines.extract.metadata import clean_author, reconcile_title
from pipelines.extract.widgets import is_widget_line

STORY = [
    f"The harbour council met on Tuesday to discuss the sea wall; part {i} of the report said repairs "
    f"would take several months and cost more than planned."
    for i in range(5)
]
PARAGRAPHS = "".join(f"<p>{line}</p>" for line in STORY)
URL = "https://courier.example/2024/03/12/sea-wall"


def _page(body: str, head: str = "") -> str:
    return f"<html lang='en'><head><title>Sea wall</title>{head}</head><body>{body}</body></html>"


def _comment(number: int, name: str, classes: str = "c-item") -> str:
    return (
        f'<div class="{classes}"><div class="c-head"><img class="avatar" src="/a{number}.png" alt="">'
        f'<strong>{name}</strong> <time datetime="2025-01-0{number}T10:00:00Z">January {number}, 2025 at 10:00 am</time>'
        f"</div><p>Reader remark number {number}: the wall looked weak for years, said the neighbour.</p>"
        f'<a href="?replytocom={number}">Reply</a></div>'
    )


# --- comments recognised by structure --------------------------------------------------------


def test_comment_list_without_known_classes_is_not_in_the_text() -> None:
    comments = f'<h3>Comments (2)</h3><div class="c-list">{_comment(1, "Jo Bloggs")}{_comment(2, "Ann Other")}</div>'
    article = extract(_page(f"<article><h1>Sea wall</h1>{PARAGRAPHS}{comments}</article>"), URL)
    assert article is not None
    assert "Reader remark" not in article.text
    assert "Comments (2)" not in article.text
    for line in STORY:
        assert line in article.text


def test_a_reply_date_is_never_the_publication_date_nor_a_commenter_the_author() -> None:
    comments = f'<div class="c-list">{_comment(1, "Jo Bloggs")}{_comment(2, "Ann Other")}</div>'
    # the page states no author and no date of its own: none may come from the comments
    article = extract(_page(f"<article><h1>Sea wall</h1>{PARAGRAPHS}{comments}</article>"), None)
    assert article is not None
    assert article.published is None
    assert article.authors == []


def test_a_single_comment_under_a_counted_heading_is_removed() -> None:
    body = f'<article><h1>Sea wall</h1>{PARAGRAPHS}<h2>Kommentare (1)</h2>{_comment(1, "Jo Bloggs")}</article>'
    article = extract(_page(body), URL)
    assert article is not None and "Reader remark" not in article.text


def test_repeated_blocks_without_a_reply_link_are_article_text() -> None:
    # a list of dated entries by named people (a timeline) is not a comment list without reply links
    entries = "".join(
        f'<div class="entry"><strong>Mayor Lind</strong> <time datetime="2024-0{i}-01">March {i}, 2024</time>'
        f"<p>Timeline entry {i}: the council voted on the wall budget and the harbour master reported.</p></div>"
        for i in range(1, 4)
    )
    article = extract(_page(f"<article><h1>Sea wall</h1>{PARAGRAPHS}{entries}</article>"), URL)
    assert article is not None and "Timeline entry 3" in article.text


@pytest.mark.parametrize(
    "line",
    ["Kommentare (2)", "Comments (3)", "Commentaires (3)", "Comentarios (4)", "Commenti (5)", "Комментарии (2)"],
)
def test_comment_headings_with_the_count_after_the_word_are_widget_lines(line: str) -> None:
    assert is_widget_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Vielen Dank! Ihr Kommentar wurde abgeschickt.",
        "Your comment is awaiting moderation.",
        "Votre commentaire est en attente de modération.",
        "Tu comentario está pendiente de moderación.",
        "Il tuo commento è in attesa di moderazione.",
        "Ваш комментарий ожидает модерации.",
    ],
)
def test_moderation_notices_are_widget_lines(line: str) -> None:
    assert is_widget_line(line)


def test_typepad_comments_and_trackbacks_are_removed() -> None:
    comments = (
        '<h3 class="comments-header">Comments</h3><div class="entry-comments">'
        '<div class="comment-content"><p>Reader remark on the tide tables, longer than a line.</p></div>'
        '<p class="comment-footer">Posted by: Jo Bloggs | March 13, 2024 at 09:12 AM</p></div>'
        '<h3>TrackBack</h3><p>TrackBack URL for this entry:</p>'
    )
    article = extract(_page(f'<div class="entry-content">{PARAGRAPHS}</div>{comments}'), URL)
    assert article is not None
    assert "Reader remark" not in article.text and "Posted by" not in article.text


def test_tumblr_notes_go_but_a_recipe_keeps_its_notes() -> None:
    notes = '<ol class="notes"><li class="note like"><a href="/u">someone</a> likes this</li></ol>'
    article = extract(_page(f"<article><h1>Sea wall</h1>{PARAGRAPHS}{notes}</article>"), URL)
    assert article is not None and "likes this" not in article.text
    recipe_notes = '<div class="notes"><h3>Notes</h3><p>Leave the dough to rest overnight in a cool larder before baking.</p></div>'
    article = extract(_page(f"<article><h1>Sea wall</h1>{PARAGRAPHS}{recipe_notes}</article>"), URL)
    assert article is not None and "Leave the dough to rest overnight" in article.text


def test_blogger_comment_block_is_removed() -> None:
    comments = (
        '<div class="comments" id="comments"><h4>2 Kommentare:</h4><dl id="comments-block">'
        '<dt class="comment-author">Ruby</dt><dd class="comment-body"><p>Reader remark about the old pier.</p></dd>'
        '<dd class="comment-footer"><span class="comment-timestamp">21:00</span></dd></dl></div>'
    )
    article = extract(_page(f'<div class="post-body">{PARAGRAPHS}</div>{comments}'), URL)
    assert article is not None and "Reader remark" not in article.text


# --- titles, authors, site names -----------------------------------------------------------


def test_site_name_suffix_is_removed_from_the_title_and_the_headline_line_from_the_text() -> None:
    head = '<meta property="og:title" content="Sea wall gives way - Coastline Courier"><meta property="og:site_name" content="Coastline Courier">'
    article = extract(_page(f"<article><h1>Sea wall gives way</h1>{PARAGRAPHS}</article>", head), URL)
    assert article is not None
    assert article.title == "Sea wall gives way"
    assert not article.text.startswith("Sea wall gives way")


@pytest.mark.parametrize(
    ("title", "sites", "headlines", "url", "expected"),
    [
        ("Coastline Courier | Sea wall gives way", [], [], "https://www.coastline-courier.example/x", "Sea wall gives way"),
        ("Sea wall gives way :: Courier", ["Courier"], [], None, "Sea wall gives way"),
        ("Sea wall: what now - Courier", [], ["Sea wall: what now"], None, "Sea wall: what now"),
        ("Trump - Biden debate", [], [], "https://news.example/x", "Trump - Biden debate"),  # no site part: kept
    ],
)
def test_title_reconciliation(title: str, sites: list[str], headlines: list[str], url: str | None, expected: str) -> None:
    assert reconcile_title(title, sites, headlines, url) == expected


def _json_ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_json_ld_graph_with_id_references_and_given_family_names() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "NewsArticle", "@id": "#article", "headline": "Sea wall gives way",
             "author": [{"@id": "#mara"}, {"@type": "Person", "givenName": "Jonah", "familyName": "Perl"}],
             "publisher": {"@id": "#org"}, "datePublished": "2024-03-12T08:00:00+01:00"},
            {"@type": "Person", "@id": "#mara", "givenName": "Mara", "familyName": "Lind"},
            {"@type": "Organization", "@id": "#org", "name": "Coastline Courier"},
        ],
    }
    article = extract(_page(f"<article><h1>Sea wall gives way</h1>{PARAGRAPHS}</article>", _json_ld(graph)), URL)
    assert article is not None
    assert article.authors == ["Mara Lind", "Jonah Perl"]
    assert article.site_name == "Coastline Courier"
    assert article.published is not None and article.published.isoformat() == "2024-03-12T08:00:00+01:00"


def test_json_ld_author_as_a_list_of_names() -> None:
    data = {"@type": "Article", "headline": "Sea wall", "author": ["Mara Lind", {"name": "Jonah Perl"}]}
    article = extract(_page(f"<article><h1>Sea wall</h1>{PARAGRAPHS}</article>", _json_ld(data)), URL)
    assert article is not None and article.authors == ["Mara Lind", "Jonah Perl"]


@pytest.mark.parametrize(
    ("byline", "name"),
    [
        ("Senior Reporter Mara Lind", "Mara Lind"),
        ("Monday August 27, 2018 … by Jonah Perl", "Jonah Perl"),
        ("Mara Lind, Staff Writer", "Mara Lind"),
        ("Von Hans Meier", "Hans Meier"),
        ("Ursula von der Leyen", "Ursula von der Leyen"),
        ("Giovanni di Stefano", "Giovanni di Stefano"),
    ],
)
def test_byline_cleaning(byline: str, name: str) -> None:
    assert clean_author(byline) == name


def test_byline_wrapper_with_job_title_gives_the_name() -> None:
    body = f'<article><h1>Sea wall</h1><div class="byline">Senior Reporter Mara Lind</div>{PARAGRAPHS}</article>'
    article = extract(_page(body), URL)
    assert article is not None and article.authors == ["Mara Lind"]


# --- decoding ---------------------------------------------------------------------------------


def test_utf8_page_with_a_few_stray_bytes_stays_utf8() -> None:
    text = "<p>" + " ".join(["Grüße aus Köln, schöne Straße"] * 6) + "</p>"
    body = f'<html><head><meta charset="utf-8"></head><body>{text}'.encode() + b"<!-- K\xfcche -->" + b"</body></html>"
    assert "Grüße aus Köln, schöne Straße" in decode_html(body)


# --- paywalls and feed footers --------------------------------------------------------------


def test_paywall_keeps_the_teaser_and_drops_the_pitch() -> None:
    pitch = (
        '<div class="paywall-box"><h3>Weiterlesen mit Plus</h3><p>Jetzt 30 Tage kostenlos testen</p>'
        "<p>Danach nur 1,99 € pro Woche, jederzeit kündbar.</p><p>Sie sind bereits Abonnent? Hier anmelden</p></div>"
    )
    article = extract(_page(f"<article><h1>Sea wall</h1>{PARAGRAPHS}{pitch}</article>"), URL)
    assert article is not None
    for line in STORY:
        assert line in article.text
    for pitch_line in ("Weiterlesen mit Plus", "kostenlos testen", "pro Woche", "Abonnent"):
        assert pitch_line not in article.text


def test_an_article_wrapper_flagged_as_paywalled_is_kept() -> None:
    body = f'<div id="article" class="isPaywall"><h1>Sea wall</h1>{PARAGRAPHS}<p>Abo ab 1 € im Monat</p></div>'
    article = extract(_page(body), URL)
    assert article is not None and STORY[0] in article.text


def test_feed_footer_is_removed() -> None:
    footer = "<p>The post Sea wall gives way appeared first on Coastline Courier.</p>"
    article = extract(_page(f"<article><h1>Sea wall</h1>{PARAGRAPHS}{footer}</article>"), URL)
    assert article is not None
    assert "appeared first on" not in article.text and STORY[-1] in article.text


def test_comments_found_by_structure_are_kept_when_the_source_asks() -> None:
    from pipelines.extract import extract_with_reason

    comments = f'<div class="c-list">{_comment(1, "Jo Bloggs")}{_comment(2, "Ann Other")}</div>'
    result = extract_with_reason(_page(f"<article><h1>Sea wall</h1>{PARAGRAPHS}{comments}</article>"), URL, keep_comments=True)
    assert result.article is not None and "Reader remark" not in result.article.text
    kept = result.article.comments
    assert [c.author for c in kept] == ["Jo Bloggs", "Ann Other"]
    assert kept[0].published is not None and kept[0].published.isoformat() == "2025-01-01T10:00:00+00:00"
    assert kept[1].text.startswith("Reader remark number 2")


@pytest.mark.parametrize(
    "line",
    ["Weitere Artikel zum Thema", "Weitere Themen", "Mehr zum Thema:", "Zum Weiterlesen:", "À lire aussi",
     "You may also be interested in:", "Leggi anche", "Noticias relacionadas"],
)
def test_headings_of_related_article_blocks_are_widget_lines(line: str) -> None:
    assert is_widget_line(line)


@pytest.mark.parametrize(
    "line",
    ["Weitere Themen der Sitzung waren der Hafen und die Schule.", "Lire aussi : le port rouvre lundi",
     "Mehr zum Thema Hafen erfahren Sie im Rathaus."],
)
def test_sentences_that_start_like_a_related_heading_stay(line: str) -> None:
    assert not is_widget_line(line)


def test_a_related_heading_leaves_the_text_but_the_article_stays() -> None:
    related = '<h3>Weitere Artikel zum Thema</h3><ul><li><a href="/a">Deich bricht</a></li></ul>'
    article = extract(_page(f"<article><h1>Sea wall</h1>{PARAGRAPHS}{related}</article>"), URL)
    assert article is not None
    assert "Weitere Artikel zum Thema" not in article.text and STORY[-1] in article.text


# --- pages refused as "not an article" -----------------------------------------------------


def _website_page(byline: str) -> str:
    # a site that types every page og:type=website, with no JSON-LD and no date in its URL or meta
    head = '<meta property="og:type" content="website">'
    return _page(f'<div class="news"><h1>Sea wall</h1>{byline}{"".join(f"<p>{s}</p>" for s in STORY[:3])}</div>', head)


def test_a_short_news_item_on_a_website_typed_page_that_shows_its_date_is_an_article() -> None:
    from pipelines.extract import extract_with_reason

    result = extract_with_reason(_website_page('<span class="date">12.03.2024</span>'), "https://courier.example/news/sea-wall")
    assert result.article is not None, result.reason
    assert result.article.published is not None and result.article.published.date().isoformat() == "2024-03-12"
    assert STORY[0] in result.article.text


def test_a_short_undated_website_typed_page_is_still_refused() -> None:
    from pipelines.extract import extract_with_reason

    result = extract_with_reason(_website_page(""), "https://courier.example/about")
    assert result.article is None and result.reason == "not-article"


def test_a_short_website_typed_section_page_with_a_dated_teaser_is_still_refused() -> None:
    from pipelines.extract import extract_with_reason

    card = (
        '<div class="card"><a href="/news/2024/03/12/sea-wall.html"><h3>Sea wall gives way after the storm</h3></a>'
        f'<p>{STORY[0]}</p><p><time datetime="2024-03-12T08:00:00Z">March 12, 2024</time></p></div>'
    )
    page = _page(f"<main><h1>Local</h1>{card}</main>", '<meta property="og:type" content="website">')
    result = extract_with_reason(page, "https://courier.example/local/")
    assert result.article is None and result.reason == "not-article"


# --- the widget walk -------------------------------------------------------------------------


def test_find_widgets_gives_what_testing_every_element_gives_in_document_order() -> None:
    """The fast walk (attribute values, cached verdicts) finds what :func:`is_widget_element` finds on
    every element, outer before inner; protected wrappers, a headline box and plain notes stay."""
    from pipelines.extract import parse_html
    from pipelines.extract.widgets import find_widgets, is_widget_element

    page = _page(
        '<main id="comments"><div class="c"><article class="post">'
        f'{PARAGRAPHS}<div class="sharedaddy"><div id="sharing"><a class="share-links" href="/s">Share</a></div></div>'
        '<div id="PayWall-Box" class="offer"><p>Subscribe: 1 € per week</p></div>'
        '<div class="piano-wrapper"><h1>Sea wall</h1><p>Jetzt abonnieren</p></div>'
        '<ol class="notes"><li class="note like">someone likes this</li></ol><div class="notes"><p>Rest overnight.</p></div>'
        '<form action="/wp-comments-post.php"><p>Leave a reply</p></form><form action="/search"><input name="q"></form>'
        '<div data-disqus-identifier="7"></div><section data-members-form="signup"><p>Sign up</p></section>'
        "</article></div></main>"
    )
    tree = parse_html(page)
    expected = [element for element in tree.iter() if isinstance(element.tag, str) and is_widget_element(element)]
    found = find_widgets(tree)
    assert found == expected
    names = [e.get("id") or e.get("class") or e.get("action") or e.tag for e in found]
    assert names == ["sharedaddy", "sharing", "share-links", "PayWall-Box", "notes", "/wp-comments-post.php", "div", "section"]
