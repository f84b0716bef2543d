"""``wpcom``: a WordPress.com-hosted blog with the Jetpack "highlander" comment form, sharedaddy
share buttons, likes and related posts around every post (the seed article among them)."""

from __future__ import annotations

from urllib.parse import quote

from . import content_wpcom as content
from .feeds import RSS_TYPE, XML_TYPE, robots, rss, text_response, urlset, xml_response
from .markup import esc, iso, paragraphs_html, slugify, widont, wp_date, wp_time
from .model import Comment, Response, Story
from .site import Request, Site, html_response, taxonomy_listings
from .widget_text import LOCALES, WPCOM

PER_PAGE = 6
GRAVATAR = "https://1.gravatar.com/avatar/ad516503a11cd5ca435acc9bb6523536?s=25&amp;d=identicon&amp;forcedefault=y&amp;r=G"


def post_path(story: Story) -> str:
    """``/YYYY/MM/DD/slug/`` permalink."""
    assert story.published is not None
    return f"/{story.published:%Y/%m/%d}/{story.slug}/"


def _head(title: str, extra: str = "", lang: str = "en") -> str:
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="UTF-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{esc(title)}</title>
<link rel='dns-prefetch' href='//s0.wp.com' />
<link rel="alternate" type="application/rss+xml" title="{esc(content.SITE_NAME)} &raquo; Feed" href="/feed/" />
{extra}
<meta name="generator" content="WordPress.com" />
</head>"""


def _masthead() -> str:
    return f"""<div id="page" class="hfeed site">
<header id="masthead" class="site-header" role="banner">
<div class="site-branding"><h1 class="site-title"><a href="/" rel="home">{esc(content.SITE_NAME)}</a></h1>
<h2 class="site-description">{esc(content.TAGLINE)}</h2></div>
<nav id="site-navigation" class="main-navigation" role="navigation"><h1 class="menu-toggle">Menu</h1>
<div class="menu"><ul><li class="page_item"><a href="/">Home</a></li><li class="page_item page-item-2"><a href="/about/">About</a></li>
<li class="page_item page-item-5"><a href="/contact/">Contact</a></li></ul></div></nav>
</header><!-- #masthead -->
<div id="content" class="site-content">"""


def _footer() -> str:
    return """</div><!-- #content -->
<footer id="colophon" class="site-footer" role="contentinfo">
<div class="site-info"><a href="https://wordpress.com/?ref=footer_blog" rel="nofollow">Blog at WordPress.com.</a></div>
</footer><!-- #colophon -->
</div><!-- #page -->
<!-- wpcom_wp_footer -->
<div id="actionbar" style="display:none" class="actnbr-pub-writr actnbr-has-follow"><ul>
<li class="actnbr-btn actnbr-hidden"><a class="actnbr-action actnbr-actn-follow" href=""><span>Follow</span></a></li>
</ul></div>
</body>
</html>"""


def highlander_form(base: str, path: str, post_id: int, lang: str = "en") -> str:
    """The WordPress.com/Jetpack "highlander" comment form, as WordPress.com renders it in ``lang``."""
    t = WPCOM[lang]
    services = []
    for key, name, alt in (
        ("wordpress", "WordPress.com", "WordPress.com Logo"),
        ("googleplus", t["google"], "Google photo"),
        ("twitter", "Twitter", "Twitter picture"),
        ("facebook", "Facebook", "Facebook photo"),
    ):
        services.append(f"""<div id="comment-form-{key}" class="comment-form-service">
<div class="comment-form-padder">
<div class="comment-form-avatar"><img src="{GRAVATAR}" alt="{alt}" width="25" class="no-grav" /></div>
<div class="comment-form-fields">
<input type="hidden" name="{key}_avatar" id="{key}-avatar" class="comment-meta-{key}" value="" />
<input type="hidden" name="{key}_user_id" id="{key}-user_id" class="comment-meta-{key}" value="" />
<input type="hidden" name="{key}_access_token" id="{key}-access_token" class="comment-meta-{key}" value="" />
<p class="comment-form-posting-as pa-{key}"><strong></strong> {t['using'].format(service=name)} <span class="comment-form-log-out">(&nbsp;<a href="javascript:HighlanderComments.doExternalLogout( '{key}' );">{t['log_out']}</a>&nbsp;/&nbsp;<a href="#" onclick="javascript:HighlanderComments.switchAccount();return false;">{t['change']}</a>&nbsp;)</span></p>
</div>
</div>
</div>""")
    return f"""<div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">{t['leave_reply']} <small><a rel="nofollow" id="cancel-comment-reply-link" href="{path}#respond" style="display:none;">{t['cancel_reply']}</a></small></h3>
<form action="{base}/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<input type="hidden" id="highlander_comment_nonce" name="highlander_comment_nonce" value="3f9c2a7be1" /><input type="hidden" name="_wp_http_referer" value="{path}" />
<input type="hidden" name="hc_post_as" id="hc_post_as" value="guest" />
<div class="comment-form-field comment-textarea">
<label for="comment">{t['enter_comment']}</label>
<div id="comment-form-comment"><textarea id="comment" name="comment" title="{t['enter_comment']}"></textarea></div>
</div>
<div id="comment-form-identity">
<div id="comment-form-nascar">
<p>{t['fill_in']}</p>
<ul>
<li class="selected" style="display:none;"><a href="#comment-form-guest" id="postas-guest" class="nascar-signin-link" title="Login via Guest"></a></li>
<li><a href="#comment-form-load-service:WordPress.com" id="postas-wordpress" class="nascar-signin-link" title="Login via WordPress.com"><img src="{GRAVATAR}" alt="Logo" width="25" /></a></li>
<li><a href="#comment-form-load-service:Twitter" id="postas-twitter" class="nascar-signin-link" title="Login via Twitter"></a></li>
<li><a href="#comment-form-load-service:Facebook" id="postas-facebook" class="nascar-signin-link" title="Login via Facebook"></a></li>
</ul>
</div>
<div id="comment-form-guest" class="comment-form-service selected">
<div class="comment-form-padder">
<div class="comment-form-avatar"><a href="https://gravatar.com/site/signup/" target="_blank"><img src="{GRAVATAR}" alt="Gravatar" width="25" class="no-grav" /></a></div>
<div class="comment-form-fields">
<div class="comment-form-field comment-form-email"><label for="email">{t['email']}</label><div class="comment-form-input"><input id="email" name="email" type="email" value="" /></div></div>
<div class="comment-form-field comment-form-author"><label for="author">{t['name']}</label><div class="comment-form-input"><input id="author" name="author" type="text" value="" /></div></div>
<div class="comment-form-field comment-form-url"><label for="url">{t['website']}</label><div class="comment-form-input"><input id="url" name="url" type="url" value="" /></div></div>
</div>
</div>
</div>
{chr(10).join(services)}
<iframe src="about:blank" name="social-login-auth" id="social-login-auth" style="display:none"></iframe>
<div id="comment-form-load-service" class="comment-form-service">
<div class="comment-form-posting-as-cancel"><a href="javascript:HighlanderComments.cancelExternalWindow();">{t['cancel']}</a></div>
<p>{t['connecting']}</p>
</div>
</div>
<script type="text/javascript">
var highlander_expando_javascript = function() {{ jQuery( '#comment-form-identity' ).hide(); }};
jQuery(document).ready( highlander_expando_javascript );
</script>
<div id="comment-form-subscribe">
<p class="comment-subscription-form"><input type="checkbox" name="subscribe" id="subscribe" value="subscribe" style="width: auto;"/> <label class="subscribe-label" id="subscribe-label" for="subscribe" style="display: inline;">{t['notify_comments']}</label></p><p class="post-subscription-form"><input type="checkbox" name="subscribe_blog" id="subscribe_blog" value="subscribe" style="width: auto;"/> <label class="subscribe-label" id="subscribe-blog-label" for="subscribe_blog" style="display: inline;">{t['notify_posts']}</label></p></div>
<p class="form-submit wp-block-button"><input name="submit" type="submit" id="comment-submit" class="submit" value="{t['post_comment']}" /> <input type='hidden' name='comment_post_ID' value='{post_id}' id='comment_post_ID' />
<input type='hidden' name='comment_parent' id='comment_parent' value='0' />
</p><p style="display: none;"><input type="hidden" id="akismet_comment_nonce" name="akismet_comment_nonce" value="8d0c1f2e37" /></p>
<input type="hidden" name="genseq" value="1579165920" />
<p style="display: none !important;"><label>&#916;<textarea name="ak_hp_textarea" cols="45" rows="8" maxlength="100"></textarea></label><input type="hidden" id="ak_js_1" name="ak_js" value="64"/></p>
</form>
</div><!-- #respond -->"""


def _comment(base_path: str, comment: Comment, children: list[Comment], depth: int, lang: str = "en") -> str:
    t = WPCOM[lang]
    kids = "".join(_comment(base_path, c, [], depth + 1, lang) for c in children)
    kids_html = f'<ul class="children">{kids}</ul>' if kids else ""
    return f"""<li class="comment byuser even thread-even depth-{depth} highlander-comment" id="li-comment-{comment.id}">
<article id="comment-{comment.id}" class="comment">
<footer class="comment-meta"><div class="comment-author vcard"><img alt='' src='{GRAVATAR}' class='avatar avatar-48' height='48' width='48' />
<cite class="fn">{esc(comment.author)}</cite> <span class="says">{t['says']}</span></div>
<div class="comment-metadata"><a href="{base_path}#comment-{comment.id}"><time datetime="{iso(comment.posted)}">{wp_date(comment.posted)} at {wp_time(comment.posted)}</time></a></div></footer>
<div class="comment-content"><p>{esc(comment.text)}</p></div>
<div class="reply"><a rel='nofollow' class='comment-reply-link' href='{base_path}?replytocom={comment.id}#respond' data-commentid="{comment.id}" data-postid="1" aria-label='{t['reply']} {esc(comment.author)}'>{t['reply']}</a></div>
</article>{kids_html}
</li><!-- #comment-## -->"""


class WordPressComBlog(Site):
    """The WordPress.com-style blog (source id ``wpcom``)."""

    name = "wpcom"
    title = content.SITE_NAME

    def build(self) -> None:
        posts = self.start_posts(content.POSTS, post_path)
        for index, (story, url) in enumerate(self.articles):
            path = post_path(story)
            newer = self.articles[index - 1] if index > 0 else None
            older = self.articles[index + 1] if index + 1 < len(self.articles) else None
            self.pages[path] = html_response(self._post_page(story, path, 1000 + index, newer, older), story.modified)
            if story.role == "variants":
                self.pages[path + "amp/"] = html_response(self._amp_page(story, path), story.modified)
        self.add_private(self.pages, content.PRIVATE, post_path, lambda story, path: self._post_page(story, path, 999, None, None))
        latest = self.latest()
        listing: dict[str, str] = {
            "/": self._listing("Home", posts[:PER_PAGE], page=1),
            "/page/2/": self._listing("Page 2", posts[PER_PAGE:], page=2),
            f"/author/{content.AUTHOR_SLUG}/": self._listing(f"{content.AUTHOR}", posts, archive=f"Author: {content.AUTHOR}"),
            **taxonomy_listings(posts, self._listing),
        }
        listing["/about/"] = self._static_page(
            "About",
            "Tigris Notes is written by Layla Haddad, a freelance reporter in Baghdad. It collects short reports, "
            "field notes and background on Iraqi politics, the economy and daily life.",
        )
        listing["/contact/"] = self._static_page(
            "Contact", "Tips and corrections are welcome. Use the form below or write to the address in the footer."
        )
        self.add_listings(self.pages, listing, latest)
        self.pages["/feed/"] = xml_response(rss(content.SITE_NAME, self.base, content.TAGLINE, self.articles, latest), RSS_TYPE, latest)
        self.pages["/sitemap.xml"] = xml_response(
            urlset([(self.url("/"), latest), *[(u, s.modified) for s, u in self.articles], (self.url("/about/"), latest)]),
            XML_TYPE,
            latest,
        )
        self.pages["/robots.txt"] = text_response(
            robots(["/wp-admin/", "/wp-login.php", "/private/"], [self.url("/sitemap.xml")], allow=["/wp-admin/admin-ajax.php"]),
            latest,
        )

    def variant_story(self) -> tuple[Story, str]:
        """The post that is linked under every URL variant."""
        return next((s, u) for s, u in self.articles if s.role == "variants")

    def route(self, request: Request) -> Response | None:
        params = request.params
        page = self.pages.get(request.path)
        if page is not None and "share" in params and any(u.endswith(request.path) for _, u in self.articles):
            service = params["share"][0]
            target = quote(self.url(request.path), safe="")
            where = {
                "twitter": f"https://twitter.com/intent/tweet?url={target}",
                "facebook": f"https://www.facebook.com/sharer.php?u={target}",
            }.get(service, f"https://wordpress.com/share/?url={target}")
            return Response(status=302, headers={"Location": where}, conditional=False)
        if page is not None and "replytocom" in params:
            # WordPress serves the post again, marked noindex.
            text = page.body.decode("utf-8").replace("<head>", "<head>\n<meta name='robots' content='noindex, follow' />", 1)
            return html_response(text, page.last_modified)
        return page

    # -- templates -------------------------------------------------------------------------

    def _sidebar(self) -> str:
        story, url = self.variant_story()
        path = post_path(story)
        private = content.PRIVATE[0]
        recent = "".join(f'<li><a href="{post_path(s)}">{esc(s.title)}</a></li>' for s, _ in self.articles[:5])
        comments = "".join(
            f'<li class="recentcomments"><span class="comment-author-link">{esc(c.author)}</span> on '
            f'<a href="{post_path(s)}#comment-{c.id}">{esc(s.title)}</a></li>'
            for s, _ in self.articles
            for c in s.comments[:1]
        )
        return f"""<div id="secondary" class="widget-area" role="complementary">
<aside id="recent-posts-2" class="widget widget_recent_entries"><h1 class="widget-title">Recent Posts</h1><ul>{recent}</ul></aside>
<aside id="top-posts-2" class="widget widget_top-posts"><h1 class="widget-title">Top Posts &amp; Pages</h1><ul>
<li><a href="{path}?utm_source=top_posts_widget&amp;utm_medium=sidebar" class="bump-view" data-bump-view="tp">{esc(story.title)}</a></li>
<li><a href="{path}#comments">{len(story.comments)} comments on &ldquo;{esc(story.title)}&rdquo;</a></li>
<li><a href="{path}amp/">{esc(story.title)} (mobile)</a></li>
<li><a href="/private{post_path(private)}">{esc(private.title)}</a></li>
</ul></aside>
<aside id="recent-comments-2" class="widget widget_recent_comments"><h1 class="widget-title">Recent Comments</h1><ul id="recentcomments">{comments}</ul></aside>
<aside id="archives-2" class="widget widget_archive"><h1 class="widget-title">Archives</h1><ul><li><a href="/page/2/">Older posts</a></li></ul></aside>
<aside id="meta-2" class="widget widget_meta"><h1 class="widget-title">Meta</h1><ul><li><a href="https://wordpress.com/log-in?redirect_to={quote(self.base)}" rel="nofollow">Log in</a></li><li><a href="/feed/">Entries feed</a></li></ul></aside>
</div><!-- #secondary -->"""

    def _listing(self, heading: str, stories: list[Story], page: int = 0, archive: str = "") -> str:
        items = []
        for story in stories:
            path = post_path(story)
            cats = ", ".join(f'<a href="/category/{slugify(c)}/" rel="category tag">{esc(c)}</a>' for c in story.categories)
            items.append(f"""<article class="post type-post status-publish format-standard hentry">
<header class="entry-header"><h1 class="entry-title"><a href="{path}" rel="bookmark">{widont(story.title)}</a></h1></header>
<div class="entry-summary"><p>{esc(story.description)} <a class="more-link" href="{path}">Continue reading <span class="meta-nav">&rarr;</span></a></p></div>
<footer class="entry-meta"><span class="posted-on"><a href="{path}" rel="bookmark"><time class="entry-date published" datetime="{iso(story.published)}">{wp_date(story.published)}</time></a></span>
<span class="cat-links">Posted in {cats}</span> <span class="comments-link"><a href="{path}#comments">{len(story.comments) or 'Leave a'} comment{'s' if len(story.comments) != 1 else ''}</a></span></footer>
</article>""")  # type: ignore[arg-type]
        nav = ""
        if page == 1:
            nav = '<nav class="navigation paging-navigation"><div class="nav-previous"><a href="/page/2/"><span class="meta-nav">&larr;</span> Older posts</a></div></nav>'
        elif page == 2:
            nav = '<nav class="navigation paging-navigation"><div class="nav-next"><a href="/">Newer posts <span class="meta-nav">&rarr;</span></a></div></nav>'
        title = content.SITE_NAME if page == 1 else f"{heading} | {content.SITE_NAME}"
        header = f'<header class="page-header"><h1 class="page-title">{esc(archive)}</h1></header>' if archive else ""
        return (
            _head(title, f'<meta property="og:type" content="website" />\n<meta property="og:site_name" content="{esc(content.SITE_NAME)}" />')
            + f'\n<body class="home blog">\n{_masthead()}<div id="primary" class="content-area"><main id="main" class="site-main" role="main">{header}'
            + "\n".join(items)
            + nav
            + f"</main></div>{self._sidebar()}{_footer()}"
        )

    def _static_page(self, title: str, text: str) -> str:
        return (
            _head(f"{title} | {content.SITE_NAME}", f'<meta property="og:type" content="website" />\n<meta property="og:title" content="{esc(title)}" />')
            + f'\n<body class="page">\n{_masthead()}<div id="primary" class="content-area"><main id="main" class="site-main">'
            + f'<article class="page type-page hentry"><header class="entry-header"><h1 class="entry-title">{esc(title)}</h1></header>'
            + f'<div class="entry-content"><p>{esc(text)}</p></div></article></main></div>{self._sidebar()}{_footer()}'
        )

    def _related(self, story: Story) -> str:
        t = WPCOM[story.language]
        others = [(s, u) for s, u in self.articles if s is not story and set(s.categories) & set(story.categories)][:3]
        if len(others) < 3:
            others += [(s, u) for s, u in self.articles if s is not story and (s, u) not in others][: 3 - len(others)]
        items = "".join(
            f"""<div class="jp-relatedposts-post jp-relatedposts-post{i}" data-post-format="false"><h4 class="jp-relatedposts-post-title"><a class="jp-relatedposts-post-a" href="{post_path(s)}" title="{esc(s.title)}" rel="nofollow" data-origin="1" data-position="{i}">{esc(s.title)}</a></h4>
<p class="jp-relatedposts-post-excerpt">{esc(s.description)}</p><p class="jp-relatedposts-post-date" style="display: block;">{wp_date(s.published)}</p><p class="jp-relatedposts-post-context">In &quot;{esc(s.categories[0])}&quot;</p></div>"""  # type: ignore[arg-type]
            for i, (s, _) in enumerate(others)
        )
        return f"""<div id='jp-relatedposts' class='jp-relatedposts' style="display: block;">
<h3 class="jp-relatedposts-headline"><em>{t['related']}</em></h3>
<div class="jp-relatedposts-items jp-relatedposts-items-minimal jp-relatedposts-grid">{items}</div></div>"""

    def _post_page(self, story: Story, path: str, post_id: int, newer: tuple[Story, str] | None, older: tuple[Story, str] | None) -> str:
        url = self.url(path)
        assert story.published and story.modified
        cats = ", ".join(f'<a href="/category/{slugify(c)}/" rel="category tag">{esc(c)}</a>' for c in story.categories)
        tags = ", ".join(f'<a href="/tag/{slugify(t)}/" rel="tag">{esc(t)}</a>' for t in story.tags)
        share_base = esc(url)
        t = WPCOM[story.language]
        amp = f'<link rel="amphtml" href="{esc(url)}amp/" />' if story.role == "variants" else ""
        meta = f"""<link rel="canonical" href="{esc(url)}" />
<link rel='shortlink' href='https://wp.me/p8Xk2-{post_id}' />
{amp}
<meta property="og:type" content="article" />
<meta property="og:title" content="{esc(story.title)}" />
<meta property="og:url" content="{esc(url)}" />
<meta property="og:description" content="{esc(story.description)}" />
<meta property="article:published_time" content="{iso(story.published)}" />
<meta property="article:modified_time" content="{iso(story.modified)}" />
<meta property="og:site_name" content="{esc(content.SITE_NAME)}" />
<meta property="og:image" content="https://s0.wp.com/i/blank.jpg" />
<meta property="og:locale" content="{LOCALES[story.language]}" />
<meta name="twitter:site" content="@wordpressdotcom" />
<meta name="author" content="{esc(', '.join(story.authors))}" />"""
        share = f"""<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social sd-social-icon-text sd-sharing"><h3 class="sd-title">{t['share']}</h3><div class="sd-content"><ul>
<li class="share-twitter"><a rel="nofollow noopener noreferrer" data-shared="sharing-twitter-{post_id}" class="share-twitter sd-button share-icon" href="{share_base}?share=twitter&amp;nb=1" target="_blank" title="Click to share on Twitter"><span>Twitter</span></a></li>
<li class="share-facebook"><a rel="nofollow noopener noreferrer" data-shared="sharing-facebook-{post_id}" class="share-facebook sd-button share-icon" href="{share_base}?share=facebook&amp;nb=1" target="_blank" title="Click to share on Facebook"><span>Facebook</span></a></li>
<li class="share-end"></li></ul></div></div></div>
<div class='sharedaddy sd-block sd-like jetpack-likes-widget-wrapper jetpack-likes-widget-unloaded' id='like-post-wrapper-170852-{post_id}-5e204c0a' data-src='//widgets.wp.com/likes/#blog_id=170852&amp;post_id={post_id}' data-name='like-post-frame-170852-{post_id}'><h3 class="sd-title">{t['like_this']}</h3><div class='likes-widget-placeholder post-likes-widget-placeholder' style='height: 55px;'><span class='button'><span>{t['like']}</span></span> <span class="loading">{t['loading']}</span></div><span class='sd-text-color'></span><a class='sd-link-color'></a></div>"""
        nav_prev = f'<div class="nav-previous"><a href="{post_path(older[0])}" rel="prev"><span class="meta-nav">&larr;</span> {widont(older[0].title)}</a></div>' if older else ""
        nav_next = f'<div class="nav-next"><a href="{post_path(newer[0])}" rel="next">{widont(newer[0].title)} <span class="meta-nav">&rarr;</span></a></div>' if newer else ""
        roots = [c for c in story.comments if not c.parent]
        comment_list = ""
        if story.comments:
            items = "".join(_comment(path, c, [k for k in story.comments if k.parent == c.id], 1, story.language) for c in roots)
            count = len(story.comments)
            heading = "One thought on" if count == 1 else f"{count} thoughts on"
            comment_list = f'<h2 class="comments-title">{heading} &ldquo;<span>{esc(story.title)}</span>&rdquo;</h2>\n<ol class="commentlist comment-list">{items}</ol><!-- .comment-list -->'
        author = story.authors[0] if story.authors else ""
        return (
            _head(f"{story.title} | {content.SITE_NAME}", meta, story.language)
            + f"""
<body class="post-template-default single single-post postid-{post_id} single-format-standard">
{_masthead()}
<div id="primary" class="content-area"><main id="main" class="site-main" role="main">
<article id="post-{post_id}" class="post-{post_id} post type-post status-publish format-standard hentry">
<header class="entry-header"><h1 class="entry-title">{widont(story.title)}</h1>
<div class="entry-meta"><span class="posted-on">Posted on <a href="{path}" rel="bookmark"><time class="entry-date published" datetime="{iso(story.published)}">{wp_date(story.published)}</time><time class="updated" datetime="{iso(story.modified)}">{wp_date(story.modified)}</time></a></span>
<span class="byline"> by <span class="author vcard"><a class="url fn n" href="/author/{content.AUTHOR_SLUG}/">{esc(author)}</a></span></span></div></header>
<div class="entry-content">
{paragraphs_html(story.paragraphs)}
<div id="jp-post-flair" class="sharedaddy sd-like-enabled sd-sharing-enabled">{share}
{self._related(story)}</div></div><!-- .entry-content -->
<footer class="entry-meta">This entry was posted in {cats} and tagged {tags}. Bookmark the <a href="{path}" rel="bookmark">permalink</a>.</footer>
</article><!-- #post-## -->
<nav role="navigation" id="nav-below" class="navigation post-navigation"><h1 class="screen-reader-text">Post navigation</h1>
<div class="nav-links">{nav_prev}{nav_next}</div></nav>
<div id="comments" class="comments-area">
{comment_list}
{highlander_form(self.base, path, post_id, story.language)}
<div style="clear: both"></div>
</div><!-- #comments -->
</main></div>
{self._sidebar()}{_footer()}"""
        )

    def _amp_page(self, story: Story, path: str) -> str:
        url = self.url(path)
        assert story.published
        return f"""<!doctype html>
<html amp lang="en"><head><meta charset="utf-8">
<title>{esc(story.title)} &#8211; {esc(content.SITE_NAME)}</title>
<link rel="canonical" href="{esc(url)}">
<meta name="viewport" content="width=device-width">
<meta property="og:type" content="article" />
<meta property="og:title" content="{esc(story.title)}" />
<meta property="og:url" content="{esc(url)}" />
<meta property="article:published_time" content="{iso(story.published)}" />
<style amp-boilerplate>body{{visibility:hidden}}</style><script async src="https://cdn.ampproject.org/v0.js"></script>
</head><body class="amp-wp-body"><header class="amp-wp-header"><a href="/">{esc(content.SITE_NAME)}</a></header>
<article class="amp-wp-article"><header class="amp-wp-article-header"><h1 class="amp-wp-title">{esc(story.title)}</h1>
<div class="amp-wp-meta amp-wp-byline"><span class="amp-wp-author author vcard">{esc(", ".join(story.authors))}</span></div>
<div class="amp-wp-meta amp-wp-posted-on"><time datetime="{iso(story.published)}">{wp_date(story.published)}</time></div></header>
<div class="amp-wp-article-content">{paragraphs_html(story.paragraphs)}</div>
<footer class="amp-wp-article-footer"><div class="amp-wp-meta amp-wp-comments-link"><a href="{esc(url)}#respond">Leave a Comment</a></div></footer>
</article></body></html>"""

    def extra_truth(self) -> dict[str, object]:
        story, url = self.variant_story()
        path = post_path(story)
        variants = {
            url: [
                self.url(path + "?utm_source=top_posts_widget&utm_medium=sidebar"),
                url + "#comments",
                *[url + f"?replytocom={c.id}#respond" for c in story.comments],
                url + "amp/",
                url + "?share=twitter&nb=1",
                url + "?share=facebook&nb=1",
            ]
        }
        for other, other_url in self.articles:
            if other is not story:
                variants[other_url] = [other_url + "?share=twitter&nb=1", other_url + "?share=facebook&nb=1"]
                variants[other_url] += [other_url + f"?replytocom={c.id}#respond" for c in other.comments]
        seed = next(u for s, u in self.articles if s.role == "seed")
        return {"url_variants": variants, "seed_article": seed}
