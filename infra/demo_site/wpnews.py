"""``wpnews``: a self-hosted WordPress news site (Twenty Twenty-One-style markup, Yoast SEO JSON-LD
and sitemap index) with core comments, one wpDiscuz thread and one Disqus embed."""

from __future__ import annotations

from . import content_wpnews as content
from .feeds import RSS_TYPE, XML_TYPE, robots, rss, sitemap_index, text_response, urlset, xml_response
from .markup import esc, iso, json_ld, paragraphs_html, slugify, wp_date, wp_time
from .model import Comment, Response, Story
from .site import Request, Site, html_response, taxonomy_listings
from .widget_text import CORE, LOCALES

PER_PAGE = 8
AVATAR = "https://secure.gravatar.com/avatar/0c5c2ef5a1b1c6b5d2e9e5a1f6c1d7a2?s=60&amp;d=mm&amp;r=g"


def post_path(story: Story) -> str:
    """``/YYYY/MM/slug/`` permalink."""
    assert story.published is not None
    return f"/{story.published:%Y/%m}/{story.slug}/"


def author_path(name: str) -> str:
    """Author archive path."""
    return f"/author/{content.AUTHORS.get(name, slugify(name))}/"


def core_comment_form(path: str, post_id: int, lang: str = "en") -> str:
    """The WordPress core comment form in ``lang``."""
    t = CORE[lang]
    return f"""<div id="respond" class="comment-respond">
<h2 id="reply-title" class="comment-reply-title">{t['leave_reply']} <small><a rel="nofollow" id="cancel-comment-reply-link" href="{path}#respond" style="display:none;">{t['cancel_reply']}</a></small></h2>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form" novalidate>
<p class="comment-notes">{t['notes']}</p>
<p class="comment-form-comment"><label for="comment">{t['comment']} <span class="required">*</span></label> <textarea id="comment" name="comment" cols="45" rows="5" maxlength="65525" required></textarea></p>
<p class="comment-form-author"><label for="author">{t['name']} <span class="required">*</span></label> <input id="author" name="author" type="text" value="" size="30" maxlength="245" autocomplete="name" required /></p>
<p class="comment-form-email"><label for="email">{t['email']} <span class="required">*</span></label> <input id="email" name="email" type="email" value="" size="30" maxlength="100" aria-describedby="email-notes" autocomplete="email" required /></p>
<p class="comment-form-url"><label for="url">{t['website']}</label> <input id="url" name="url" type="url" value="" size="30" maxlength="200" autocomplete="url" /></p>
<p class="comment-form-cookies-consent"><input id="wp-comment-cookies-consent" name="wp-comment-cookies-consent" type="checkbox" value="yes" /> <label for="wp-comment-cookies-consent">{t['cookies']}</label></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="{t['post_comment']}" /> <input type='hidden' name='comment_post_ID' value='{post_id}' id='comment_post_ID' />
<input type='hidden' name='comment_parent' id='comment_parent' value='0' /></p>
</form>
</div><!-- #respond -->"""


def _core_comment(path: str, comment: Comment, replies: list[Comment], depth: int, lang: str = "en") -> str:
    t = CORE[lang]
    kids = "".join(_core_comment(path, c, [], depth + 1, lang) for c in replies)
    kids_html = f'<ol class="children">{kids}</ol>' if kids else ""
    return f"""<li id="comment-{comment.id}" class="comment even thread-even depth-{depth}">
<article id="div-comment-{comment.id}" class="comment-body">
<footer class="comment-meta"><div class="comment-author vcard"><img alt='' src='{AVATAR}' class='avatar avatar-60 photo' height='60' width='60' loading='lazy'/> <b class="fn">{esc(comment.author)}</b> <span class="says">{t['says']}</span></div>
<div class="comment-metadata"><a href="{path}#comment-{comment.id}"><time datetime="{iso(comment.posted)}">{wp_date(comment.posted)} {t['at']} {wp_time(comment.posted)}</time></a></div></footer>
<div class="comment-content"><p>{esc(comment.text)}</p></div>
<div class="reply"><a rel='nofollow' class='comment-reply-link' href='{path}?replytocom={comment.id}#respond' data-commentid="{comment.id}" data-postid="1" data-belowelement="div-comment-{comment.id}" data-respondelement="respond" aria-label='{t['reply']} {esc(comment.author)}'>{t['reply']}</a></div>
</article>{kids_html}
</li><!-- #comment-## -->"""


def core_comments(story: Story, path: str, post_id: int) -> str:
    """The ``.comments-area`` of a core-comments post: the list and the form."""
    t = CORE[story.language]
    listing = ""
    if story.comments:
        count = len(story.comments)
        heading = t["one_thought"].format(title=esc(story.title)) if count == 1 else t["n_comments"].format(n=count)
        items = "".join(
            _core_comment(path, c, [k for k in story.comments if k.parent == c.id], 1, story.language) for c in story.comments if not c.parent
        )
        listing = f'<h2 class="comments-title">{heading}</h2>\n<ol class="comment-list">{items}</ol><!-- .comment-list -->'
    return f'<div id="comments" class="comments-area default-max-width show-avatars">\n{listing}\n{core_comment_form(path, post_id, story.language)}\n</div><!-- #comments -->'


def wpdiscuz_comments(story: Story, path: str, post_id: int) -> str:
    """A wpDiscuz comment area (plugin markup)."""
    threads = "".join(
        f"""<div id="wpd-comm-{c.id}_0" class="wpd-comment wpd_comment_level-1"><div class="wpd-comment-wrap wpd-blog-guest">
<div class="wpd-avatar"><img alt='{esc(c.author)}' src='{AVATAR}' class='avatar avatar-64 photo' height='64' width='64' /></div>
<div id="comment-{c.id}" class="wpd-comment-right"><div class="wpd-comment-header"><div class="wpd-comment-author">{esc(c.author)}</div>
<div class="wpd-comment-date" title="{wp_date(c.posted)} {wp_time(c.posted)}"><i class="far fa-clock" aria-hidden="true"></i> 1 day ago</div></div>
<div class="wpd-comment-text"><p>{esc(c.text)}</p></div>
<div class="wpd-comment-footer"><div class="wpd-vote"><div class="wpd-vote-up wpd_not_clicked">0</div><div class="wpd-vote-result">0</div></div>
<div class="wpd-reply-button"><span>Reply</span></div></div></div></div></div>"""
        for c in story.comments
    )
    return f"""<div class="wpdiscuz_top_clearing"></div>
<div id='comments' class='comments-area'><div id='respond' style='width: 0;height: 0;clear: both;margin: 0;padding: 0;'></div>
<div id="wpdcom" class="wpdiscuz_unauth wpd-default wpd-layout-2 wpd-comments-open">
<div class="wc_social_plugin_wrapper"></div>
<div class="wpd-form-wrap"><div class="wpd-form-head"><div class="wpd-sbs-toggle"><i class="far fa-envelope"></i> <span class="wpd-sbs-title">Subscribe</span> <i class="fas fa-caret-down"></i></div>
<div class="wpd-auth"><div class="wpd-login"><a rel="nofollow" href="/wp-login.php?redirect_to={path}"><i class="fas fa-sign-in-alt"></i> Login</a></div></div></div>
<div class="wpdiscuz-subscribe-bar wpdiscuz-hidden"><form action="/wp-admin/admin-ajax.php?action=wpdAddSubscription" method="post" id="wpdiscuz-subscribe-form">
<div class="wpdiscuz-subscribe-form-intro">Notify of </div><div class="wpdiscuz-subscribe-form-option" style="width:40%;"><select class="wpdiscuz_select" name="wpdiscuzSubscriptionType">
<option value="post">new follow-up comments</option><option value="all_comment">new replies to my comments</option></select></div>
<div class="wpdiscuz-item wpdiscuz-subscribe-form-email"><input class="email" type="email" name="wpdiscuzSubscriptionEmail" required="required" value="" placeholder="Email"/></div>
<div class="wpdiscuz-subscribe-form-button"><input id="wpdiscuz_subscription_button" class="wpd-prim-button wpd_not_clicked" type="submit" value="&rsaquo;" name="wpdiscuz_subscription_button"/></div></form></div>
<div class="wpd-form wpd-form-wrapper wpd-main-form-wrapper" id='wpd-main-form-wrapper-0_0'><div class="wpd-field-comment"><div class="wpdiscuz-item wc-field-textarea"><div class="wpdiscuz-textarea-wrap">
<div id="wpd-editor-wraper-0_0"><div id="wpd-editor-char-counter-0_0" class="wpd-editor-char-counter"></div>
<label style="display: none;" for="wc-textarea-0_0">Label</label><textarea id="wc-textarea-0_0" name="wc_comment" class="wc_comment wpd-field"></textarea>
<div id="wpd-editor-0_0"></div></div></div></div></div>
<div class="wpd-form-foot"><div class="wpdiscuz-textarea-foot"><div class="wpdiscuz-button-actions"></div></div>
<div class="wpd-form-row"><div class="wpd-form-col-left"><div class="wpdiscuz-item wc_name-wrapper wpd-has-icon"><input id="wc_name-0_0" value="" required='required' aria-required='true' class="wc_name wpd-field" type="text" name="wc_name" placeholder="Name*" maxlength="50" pattern='.{{3,50}}' title=""></div>
<div class="wpdiscuz-item wc_email-wrapper wpd-has-icon"><input id="wc_email-0_0" value="" required='required' aria-required='true' class="wc_email wpd-field" type="email" name="wc_email" placeholder="Email*"/></div></div>
<div class="wpd-form-col-right"><div class="wc-field-submit"><input id="wpd-field-submit-0_0" class="wc_comm_submit wpd_not_clicked wpd-prim-button" type="submit" name="submit" value="Post Comment" aria-label="Post Comment"/></div></div></div></div></div></div>
<div id="wpdiscuz_hidden_secondary_form" style="display: none;"></div>
<div class="wpd-thread-head"><div class="wpd-thread-info" data-comments-count="{len(story.comments)}"><span class='wpdtc' title='{len(story.comments)}'>{len(story.comments)}</span> Comments</div>
<div class="wpd-thread-filter"><div class="wpd-filter wpdf-reacted wpd_not_clicked" title="Most reacted comment"><i class="fas fa-bolt"></i></div></div></div>
<div class="wpd-comment-info-bar"><div class="wpd-current-view"><i class="fas fa-quote-left"></i> Inline Feedbacks</div><div class="wpd-filter-view-all">View all comments</div></div>
<div class="wpd-thread-list">{threads}<div class="wpdiscuz-comment-pagination"></div></div></div></div>
<div id="wpdiscuz-loading-bar" class="wpdiscuz-loading-bar-unauth"></div>
<div id="wpdiscuz-comment-message" class="wpdiscuz-comment-message-unauth"></div>"""


def disqus_comments(story: Story, url: str) -> str:
    """A Disqus embed (the thread itself is loaded by JavaScript)."""
    return f"""<div id="comments" class="comments-area"><div id="disqus_thread"></div>
<script>
var disqus_config = function () {{ this.page.url = '{url}'; this.page.identifier = '{story.slug}'; }};
(function() {{ var d = document, s = d.createElement('script'); s.src = 'https://riverside-herald.disqus.com/embed.js';
s.setAttribute('data-timestamp', +new Date()); (d.head || d.body).appendChild(s); }})();
</script>
<noscript>Please enable JavaScript to view the <a href="https://disqus.com/?ref_noscript" rel="nofollow">comments powered by Disqus.</a></noscript></div>"""


class WordPressNews(Site):
    """The self-hosted WordPress news site (source id ``wpnews``)."""

    name = "wpnews"
    title = content.SITE_NAME

    def build(self) -> None:
        posts = self.start_posts(content.POSTS, post_path)
        for index, (story, url) in enumerate(self.articles):
            self.pages[post_path(story)] = html_response(self._post_page(story, post_path(story), 500 + index), story.modified)
        self.add_private(self.pages, content.PRIVATE, post_path, lambda story, path: self._post_page(story, path, 499))
        latest = self.latest()
        listing = {
            "/": self._listing(content.SITE_NAME, posts[:PER_PAGE], page=1),
            "/page/2/": self._listing("Page 2", posts[PER_PAGE:], page=2),
        }
        for name in content.AUTHORS:
            members = [s for s in posts if name in s.authors]
            if members:
                listing[author_path(name)] = self._listing(name, members, archive=f"Author: {name}")
        listing.update(taxonomy_listings(posts, self._listing))
        listing["/about-us/"] = self._static(
            "About Us",
            "The Riverside Herald is an independent, reader-supported newsroom covering city hall, schools, business, "
            "sports and culture in Riverside and the valley. We have published online since 2011.",
        )
        listing["/contact/"] = self._static("Contact", "Newsroom: news@riverside-herald.example. Corrections: corrections@riverside-herald.example.")
        self.add_listings(self.pages, listing, latest)
        self.pages["/feed/"] = xml_response(rss(content.SITE_NAME, self.base, content.TAGLINE, self.articles[:10], latest), RSS_TYPE, latest)
        self.pages["/post-sitemap.xml"] = xml_response(urlset([(u, s.modified) for s, u in self.articles]), XML_TYPE, latest)
        self.pages["/page-sitemap.xml"] = xml_response(
            urlset([(self.url(p), latest) for p in ("/", "/about-us/", "/contact/")]), XML_TYPE, latest
        )
        self.pages["/sitemap_index.xml"] = xml_response(
            sitemap_index([(self.url("/post-sitemap.xml"), latest), (self.url("/page-sitemap.xml"), latest)]), XML_TYPE, latest
        )
        self.pages["/robots.txt"] = text_response(
            robots(["/wp-admin/", "/private/", "/?s="], [self.url("/sitemap_index.xml")], allow=["/wp-admin/admin-ajax.php"]), latest
        )

    def route(self, request: Request) -> Response | None:
        page = self.pages.get(request.path)
        if page is not None and "replytocom" in request.params:
            text = page.body.decode("utf-8").replace("<head>", "<head>\n<meta name='robots' content='noindex, follow' />", 1)
            return html_response(text, page.last_modified)
        return page

    # -- templates -------------------------------------------------------------------------

    def _head(self, title: str, extra: str, lang: str = "en") -> str:
        return f"""<!doctype html>
<html lang="{LOCALES[lang].replace('_', '-')}">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<meta name="robots" content="index, follow, max-image-preview:large" />
{extra}
<link rel="alternate" type="application/rss+xml" title="{esc(content.SITE_NAME)} &raquo; Feed" href="{self.base}/feed/" />
<link rel='stylesheet' id='twenty-twenty-one-style-css' href='/wp-content/themes/twentytwentyone/style.css?ver=2.4' media='all' />
<meta name="generator" content="WordPress 6.7.1" />
</head>"""

    def _header(self) -> str:
        cats = sorted({c for s, _ in self.articles for c in s.categories})
        menu = "".join(f'<li class="menu-item"><a href="/category/{slugify(c)}/">{esc(c)}</a></li>' for c in cats)
        return f"""<div id="page" class="site"><a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header has-title-and-tagline has-menu" role="banner">
<div class="site-branding"><p class="site-title"><a href="/" rel="home">{esc(content.SITE_NAME)}</a></p><p class="site-description">{esc(content.TAGLINE)}</p></div>
<nav id="site-navigation" class="primary-navigation" aria-label="Primary menu"><div class="primary-menu-container"><ul id="primary-menu-list" class="menu-wrapper">
<li class="menu-item"><a href="/">Home</a></li>{menu}<li class="menu-item"><a href="/about-us/">About Us</a></li><li class="menu-item"><a href="/contact/">Contact</a></li></ul></div></nav>
</header><div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">"""

    def _footer(self) -> str:
        private = content.PRIVATE[0]
        tags = sorted({t for s, _ in self.articles for t in s.tags})
        cloud = " ".join(f'<a href="/tag/{slugify(t)}/" class="tag-cloud-link" style="font-size: 10pt;">{esc(t)}</a>' for t in tags)
        authors = "".join(f'<li><a href="{author_path(n)}">{esc(n)}</a></li>' for n in content.AUTHORS)
        return f"""</main></div></div><!-- #content -->
<aside class="widget-area"><section id="tag_cloud-2" class="widget widget_tag_cloud"><h2 class="widget-title">Tags</h2><div class="tagcloud">{cloud}</div></section>
<section id="authors-2" class="widget"><h2 class="widget-title">Our reporters</h2><ul>{authors}</ul></section>
<section id="staff-2" class="widget"><h2 class="widget-title">Staff</h2><ul><li><a href="/private{post_path(private)}">{esc(private.title)}</a></li><li><a href="/wp-admin/">Newsroom login</a></li></ul></section></aside>
<footer id="colophon" class="site-footer" role="contentinfo"><div class="site-info"><div class="site-name"><a href="/">{esc(content.SITE_NAME)}</a></div>
<div class="powered-by">Proudly powered by <a href="https://wordpress.org/" rel="nofollow">WordPress</a>.</div></div></footer></div><!-- #page -->
</body></html>"""

    def _listing(self, heading: str, stories: list[Story], page: int = 0, archive: str = "") -> str:
        items = "".join(
            f"""<article class="post type-post status-publish format-standard hentry entry">
<header class="entry-header"><h2 class="entry-title default-max-width"><a href="{post_path(s)}">{esc(s.title)}</a></h2></header>
<div class="entry-content"><p>{esc(s.description)}</p></div>
<footer class="entry-footer default-max-width"><span class="posted-on">Published <time class="entry-date published updated" datetime="{iso(s.published)}">{wp_date(s.published)}</time></span>
<span class="byline">By <a href="{author_path(s.authors[0])}" rel="author">{esc(s.authors[0])}</a></span></footer></article>"""  # type: ignore[arg-type]
            for s in stories
        )
        nav = ""
        if page == 1:
            nav = '<nav class="navigation pagination" aria-label="Posts"><div class="nav-links"><span aria-current="page" class="page-numbers current">1</span> <a class="page-numbers" href="/page/2/">2</a> <a class="next page-numbers" href="/page/2/">Older posts</a></div></nav>'
        elif page == 2:
            nav = '<nav class="navigation pagination" aria-label="Posts"><div class="nav-links"><a class="prev page-numbers" href="/">Newer posts</a> <a class="page-numbers" href="/">1</a> <span aria-current="page" class="page-numbers current">2</span></div></nav>'
        title = content.SITE_NAME if page == 1 else f"{heading} - {content.SITE_NAME}"
        header = f'<header class="page-header alignwide"><h1 class="page-title">{esc(archive)}</h1></header>' if archive else ""
        extra = f'<meta property="og:type" content="website" />\n<meta property="og:site_name" content="{esc(content.SITE_NAME)}" />'
        return self._head(title, extra) + f'\n<body class="home blog wp-embed-responsive">{self._header()}{header}{items}{nav}{self._footer()}'

    def _static(self, title: str, text: str) -> str:
        extra = f'<meta property="og:type" content="website" />\n<meta property="og:title" content="{esc(title)}" />\n<meta property="og:site_name" content="{esc(content.SITE_NAME)}" />'
        return (
            self._head(f"{title} - {content.SITE_NAME}", extra)
            + f'\n<body class="page-template-default page">{self._header()}<article class="page type-page status-publish hentry entry">'
            + f'<header class="entry-header alignwide"><h1 class="entry-title">{esc(title)}</h1></header><div class="entry-content"><p>{esc(text)}</p></div></article>{self._footer()}'
        )

    def _post_page(self, story: Story, path: str, post_id: int) -> str:
        url = self.url(path)
        assert story.published and story.modified
        author = story.authors[0]
        graph = {
            "@context": "https://schema.org",
            "@graph": [
                {
                    "@type": "NewsArticle",
                    "@id": f"{url}#article",
                    "isPartOf": {"@id": url},
                    "author": [{"@type": "Person", "name": a, "url": self.url(author_path(a))} for a in story.authors],
                    "headline": story.title,
                    "datePublished": iso(story.published),
                    "dateModified": iso(story.modified),
                    "mainEntityOfPage": {"@id": url},
                    "wordCount": story.words,
                    "commentCount": len(story.comments),
                    "publisher": {"@type": "Organization", "name": content.SITE_NAME, "@id": f"{self.base}/#organization"},
                    "keywords": story.tags,
                    "articleSection": story.categories,
                    "inLanguage": LOCALES[story.language].replace("_", "-"),
                },
                {"@type": "WebPage", "@id": url, "url": url, "name": f"{story.title} - {content.SITE_NAME}", "datePublished": iso(story.published)},
                {"@type": "Organization", "@id": f"{self.base}/#organization", "name": content.SITE_NAME, "url": f"{self.base}/"},
            ],
        }
        tag_meta = "\n".join(f'<meta property="article:tag" content="{esc(t)}" />' for t in story.tags)
        section_meta = "\n".join(f'<meta property="article:section" content="{esc(c)}" />' for c in story.categories[:1])
        extra = f"""<link rel="canonical" href="{esc(url)}" />
<meta name="description" content="{esc(story.description)}" />
<meta property="og:locale" content="{LOCALES[story.language]}" />
<meta property="og:type" content="article" />
<meta property="og:title" content="{esc(story.title)}" />
<meta property="og:description" content="{esc(story.description)}" />
<meta property="og:url" content="{esc(url)}" />
<meta property="og:site_name" content="{esc(content.SITE_NAME)}" />
<meta property="article:published_time" content="{iso(story.published)}" />
<meta property="article:modified_time" content="{iso(story.modified)}" />
{section_meta}
{tag_meta}
<meta name="author" content="{esc(', '.join(story.authors))}" />
<meta name="twitter:card" content="summary_large_image" />
<meta name="twitter:label1" content="Written by" /><meta name="twitter:data1" content="{esc(author)}" />
{json_ld(graph)}"""
        cats = ", ".join(f'<a href="/category/{slugify(c)}/" rel="category tag">{esc(c)}</a>' for c in story.categories)
        tags = ", ".join(f'<a href="/tag/{slugify(t)}/" rel="tag">{esc(t)}</a>' for t in story.tags)
        body = list(story.paragraphs) + ([story.trailer] if story.trailer else [])
        if story.widget == "wpdiscuz":
            comments = wpdiscuz_comments(story, path, post_id)
        elif story.widget == "disqus":
            comments = disqus_comments(story, url)
        else:
            comments = core_comments(story, path, post_id)
        index = next((i for i, (s, _) in enumerate(self.articles) if s is story), None)
        nav = ""
        if index is not None:
            prev = self.articles[index + 1] if index + 1 < len(self.articles) else None
            nxt = self.articles[index - 1] if index > 0 else None
            nav = '<nav class="navigation post-navigation" aria-label="Posts"><h2 class="screen-reader-text">Post navigation</h2><div class="nav-links">'
            if prev:
                nav += f'<div class="nav-previous"><a href="{post_path(prev[0])}" rel="prev"><p class="meta-nav">Previous post</p><p class="post-title">{esc(prev[0].title)}</p></a></div>'
            if nxt:
                nav += f'<div class="nav-next"><a href="{post_path(nxt[0])}" rel="next"><p class="meta-nav">Next post</p><p class="post-title">{esc(nxt[0].title)}</p></a></div>'
            nav += "</div></nav>"
        return (
            self._head(f"{story.title} - {content.SITE_NAME}", extra, story.language)
            + f"""
<body class="post-template-default single single-post postid-{post_id} single-format-standard wp-embed-responsive">{self._header()}
<article id="post-{post_id}" class="post-{post_id} post type-post status-publish format-standard hentry entry">
<header class="entry-header alignwide"><h1 class="entry-title">{esc(story.title)}</h1>
<div class="entry-meta"><span class="byline">By <span class="author vcard"><a class="url fn n" href="{author_path(author)}" rel="author">{esc(author)}</a></span></span>
<span class="posted-on">Published <time class="entry-date published" datetime="{iso(story.published)}">{wp_date(story.published)}</time></span>
<span class="updated-on">Updated <time class="updated" datetime="{iso(story.modified)}">{wp_date(story.modified)}</time></span></div></header>
<div class="entry-content">
{paragraphs_html(body)}
</div><!-- .entry-content -->
<footer class="entry-footer default-max-width"><div class="posted-by"><span class="byline">By <a href="{author_path(author)}" rel="author">{esc(author)}</a></span></div>
<div class="post-taxonomies"><span class="cat-links">Categorized as {cats} </span><span class="tags-links">Tagged {tags}</span></div></footer>
<div class="author-bio show-avatars"><h2 class="author-title">By {esc(author)}</h2><p class="author-description">Reporter at the {esc(content.SITE_NAME)}. <a class="author-link" href="{author_path(author)}" rel="author">View all of {esc(author)}'s posts.</a></p></div>
</article><!-- #post-{post_id} -->
{comments}
{nav}
{self._footer()}"""
        )
