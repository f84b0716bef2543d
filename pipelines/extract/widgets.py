"""What a comment, sharing, like, subscription or navigation widget looks like.

Two kinds of knowledge, kept as data so they can be extended without touching the code that uses it:

* DOM markers (ids and class names) of widget containers on the platforms we archive: WordPress core
  themes, WordPress.com/Jetpack (highlander comment form, sharedaddy, likes, related posts,
  subscriptions), Disqus, wpDiscuz, Blogger, TypePad/Movable Type, Tumblr, Ghost and embedded
  Facebook/Commento/other comment threads. :func:`find_widgets` finds all of them in one tree walk.
* Widget phrases in English, French, German, Spanish, Italian, Russian and Arabic: the text those widgets render.
  :func:`is_widget_line` says whether a whole line is made of such phrases and nothing else; it is
  anchored on both ends so that an article sentence that merely mentions "leave a reply" is kept.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from lxml.etree import XPath
from lxml.html import HtmlElement

# --- DOM markers -----------------------------------------------------------------------------------

#: Element ids of widget containers (exact match).
WIDGET_IDS: tuple[str, ...] = (
    # WordPress core comments, form and pings
    "comments", "respond", "commentform", "comment-form", "reply-title", "pings", "trackbacks",
    "trackback", "comments-wrapper", "comment-wrap", "comments-section", "comment-section",
    # WordPress.com / Jetpack
    "jp-post-flair", "jp-relatedposts", "likes-other-gravatars", "subscribe-blog", "sharing",
    "highlander-comment", "jetpack-subscribe", "subscribe-email", "subscribe-submit",
    # post navigation
    "nav-below", "nav-above", "nav-single", "post-nav", "post-navigation",
    # Disqus, wpDiscuz, other embedded threads
    "disqus_thread", "dsq-comments", "disqus_recommendations", "dsq-content", "wpdcom", "wpd-threads",
    "commento", "isso-thread", "hyvor-talk-view", "remark42", "cusdis_thread", "coral_thread",
    "fb-comments", "facebook-comments", "giscus", "utterances",
    # Blogger
    "comment-holder", "comment-editor", "comments-block", "blog-pager", "comment-post-message",
    "backlinks-container",
    # TypePad / Movable Type
    "comments-open", "comments-content", "comments-form", "trackbacks-info", "comment-preview",
    # Tumblr notes
    "post-notes",
    # Ghost
    "ghost-comments-root",
)

#: Id prefixes of widget containers (``comment-form-identity`` … of the WordPress.com highlander form).
WIDGET_ID_PREFIXES: tuple[str, ...] = (
    "comment-form-", "wpdiscuz", "wpd-", "disqus_", "dsq-", "jp-relatedposts", "like-post-wrapper",
    "sharing_email", "sd-", "highlander-", "commento", "subscribe-blog-", "blog_subscription-",
    "jetpack_subscription_widget", "mc4wp-form", "mailpoet_form",
)

#: Class names (whole tokens) of widget containers.
WIDGET_CLASSES: tuple[str, ...] = (
    # WordPress core and themes
    "comments-area", "comment-respond", "comment-form", "commentlist", "comment-list", "comments",
    "comment-reply-title", "comments-title", "comment-navigation", "no-comments", "comments-link",
    "pingback", "trackback", "pinglist", "post-comments", "entry-comments", "article-comments",
    "comments-wrapper", "comment-section", "comments-section", "logged-in-as", "comment-notes",
    "wp-block-comments", "wp-block-post-comments", "wp-block-post-comments-form",
    "wp-block-comment-template", "wp-block-comments-title", "wp-block-post-navigation-link",
    "post-navigation", "posts-navigation", "nav-links", "nav-previous", "nav-next", "post-nav",
    "single-navigation", "navigation-post", "post-pagination",
    # WordPress.com / Jetpack: sharing, likes, related posts, subscriptions
    "sharedaddy", "sd-sharing-enabled", "sd-block", "sd-like", "sd-sharing", "sd-social",
    "sd-rating", "jetpack-likes-widget-wrapper", "post-likes-widget-placeholder", "wpl-likebox",
    "jp-relatedposts", "wp-block-jetpack-related-posts", "wp-block-jetpack-sharing-buttons",
    "wp-block-jetpack-like", "jetpack_subscription_widget", "wp-block-jetpack-subscriptions",
    "jetpack-subscribe", "comment-subscription-form", "wpcom-follow-bubbles", "actnbr-container",
    "highlander-enabled", "highlander-light", "highlander-dark",
    # sharing plugins
    "sharing", "share-buttons", "social-share", "social-sharing", "share-links", "entry-share",
    "post-share", "addtoany_share_save_container", "a2a_kit", "sharethis-inline-share-buttons",
    "shareaholic-canvas", "heateor_sss_sharing_container", "ssba", "mashsb-container",
    "essb_links", "dpsp-content-wrapper", "sassy-social-share", "swp_social_panel",
    # related posts plugins
    "yarpp-related", "crp_related", "related-posts", "relatedposts", "rp4wp-related-posts",
    "jp-relatedposts-headline",
    # subscription boxes
    "mc4wp-form", "mailpoet_form", "newsletter-signup", "subscribe-box", "subscription-box",
    # Disqus, wpDiscuz, other threads
    "disqus", "dsq-brlink", "wpdiscuz_top_clearing", "wpd-form-wrap", "wpdiscuz-comment-pagination",
    "fb-comments", "fb-like", "fb-share-button", "twitter-share-button", "commento", "cusdis",
    "coral-comments",
    # Blogger
    "comment-thread", "comments-content", "comment-footer", "blog-pager", "post-share-buttons",
    "share-button", "comment-replybox-single", "comment-replybox-thread", "comment-form-wrapper",
    "comment-actions",
    # TypePad / Movable Type
    "comments-open", "comments-open-header", "comments-open-content", "comments-open-footer",
    "trackbacks", "trackbacks-info", "trackback-url", "comment-footer-inner", "typepad-comments",
    "feedback-links",
    # Tumblr
    "post-notes", "notes-container", "note-count", "like_button", "reblog_button",
    "post-controls",
    # Ghost (Casper and friends)
    "gh-comments", "footer-cta", "read-more-wrap", "gh-post-upgrade-cta", "gh-subscribe",
)

#: Class-name prefixes (whole-token start) of widget containers.
WIDGET_CLASS_PREFIXES: tuple[str, ...] = (
    "wpdiscuz", "wpd-comment", "sd-sharing", "jetpack-likes", "disqus-", "dsq-", "heateor_sss",
    "essb_", "mashsb", "a2a_", "shareaholic", "wp-block-jetpack-subscri", "jetpack-subscri",
    "wp-block-jetpack-related", "jp-relatedposts",
)

#: Markers (in an id or a class token) of paywall boxes: the subscription pitch that replaces the rest
#: of an article. Such a box is removed only when it is short and pitches (a price, a trial, a
#: subscription, a login), because some sites also mark the wrapper of the article body "paywall".
PAYWALL_MARKERS = re.compile(
    r"paywall|pay-wall|piano|tp-container|regwall|plus-teaser|premium-(?:teaser|box|banner)|abo-(?:teaser|box|promo)"
    r"|offer-?box|subscription-(?:wall|prompt|teaser)|meter-?(?:wall|box)|laterpay|steady-paywall",
    re.IGNORECASE,
)
_PITCH = re.compile(
    r"abo\b|abonn|subscri|suscri|abbonat|подпис|testen|trial|€|\$|£|log ?in|sign ?in|anmelden|einloggen|connectez",
    re.IGNORECASE,
)
#: Longer boxes are article text, not a pitch.
MAX_PAYWALL_BOX_CHARS = 1500

# Elements never removed even when a marker matches: a theme that puts a widget class on the
# page or article wrapper must not cost the article.
_PROTECTED_TAGS = frozenset({"html", "body", "main", "article", "h1"})
_IDS = frozenset(WIDGET_IDS)
_CLASSES = frozenset(WIDGET_CLASSES)
_CLASS_PREFIX = re.compile("(?:^|\\s)(?:" + "|".join(map(re.escape, WIDGET_CLASS_PREFIXES)) + ")")
# A generic name that is a widget only with Tumblr's note items inside (recipes and papers have notes).
_NOTES = "notes"
_NOTE_ITEMS = XPath('.//li[contains(concat(" ", normalize-space(@class), " "), " note ")]')
_COMMENT_FORM_ACTION = re.compile(r"wp-comments-post|comment", re.IGNORECASE)
# The attribute values a widget is recognised by, as strings that know their element: selected in C,
# tested in Python. One XPath per attribute: in a union libxml2 sorts the attribute nodes into document
# order, which costs more than the walks themselves (15 ms of 30 on a large Wikipedia page).
_CLASS_VALUES = XPath("//@class")
_ID_VALUES = XPath("//@id")
_OTHER_MARKERS = XPath("//form/@action|//@data-members-form|//@data-disqus-identifier")

# A state of the article wrapper ("isPaywall", "has-paywall", "paywalled"), not a box of its own.
_PAYWALL_STATE = re.compile(r"^(?:is|has)[-_]?|ed$", re.IGNORECASE)

# What an id or class value says about its element (bit flags): a widget; a paywall box if it pitches
# (:func:`_pitches`); Tumblr notes if it holds note items.
_WIDGET, _PAYWALL, _NOTES_BOX = 1, 2, 4
# id/class value -> flags, one table per attribute (unique ids must not push out the classes every
# page of a theme repeats); bounded, and keyed by plain strings (lxml's "smart" strings would keep
# their trees alive).
_KINDS: dict[str, dict[str, int]] = {"id": {}, "class": {}}
_MAX_KINDS = 8192
# PAYWALL_MARKERS without IGNORECASE, for lowercased values: several times faster in ``re``.
_PAYWALL_LOWER = re.compile(PAYWALL_MARKERS.pattern)


def _is_paywall_marker(marker: str) -> bool:
    # one search over the whole marker first: almost every element has no paywall marker at all
    if _PAYWALL_LOWER.search(marker.lower()) is None:
        return False
    return any(PAYWALL_MARKERS.search(t) and not _PAYWALL_STATE.search(t) for t in marker.split())


def _marker_kind(attribute: str, value: str) -> int:
    """The flags of an ``id`` or ``class`` value (cached)."""
    known = _KINDS[attribute]
    flags = known.get(value)
    if flags is not None:
        return flags
    tokens = value.split()
    if attribute == "id":
        flags = _WIDGET if value in _IDS or value.startswith(WIDGET_ID_PREFIXES) else 0
    else:
        flags = _WIDGET if not _CLASSES.isdisjoint(tokens) or _CLASS_PREFIX.search(value) else 0
    if not flags:
        flags = (_PAYWALL if _is_paywall_marker(value) else 0) | (_NOTES_BOX if _NOTES in tokens else 0)
    if len(known) >= _MAX_KINDS:
        known.clear()
    known[str(value)] = flags
    return flags


def _confirmed(element: HtmlElement, flags: int) -> bool:
    """Whether ``element``, whose markers gave ``flags``, is a widget container."""
    if element.tag in _PROTECTED_TAGS:
        return False
    if flags & _WIDGET:
        return True
    if flags & _PAYWALL and _pitches(element):
        return True
    return bool(flags & _NOTES_BOX) and bool(_NOTE_ITEMS(element))


def is_paywall_box(element: HtmlElement) -> bool:
    """True when ``element`` is marked as a paywall box and holds a short subscription pitch, and no
    headline (a box that wraps the headline and the teaser is the article)."""
    marker = f"{element.get('id') or ''} {element.get('class') or ''}"
    if marker == " " or element.tag in _PROTECTED_TAGS or not _is_paywall_marker(marker):
        return False
    return _pitches(element)


def _pitches(element: HtmlElement) -> bool:
    text = element.text_content()
    if len(text) > MAX_PAYWALL_BOX_CHARS or _PITCH.search(text) is None:
        return False
    return next(element.iter("h1"), None) is None


def is_widget_element(element: HtmlElement) -> bool:
    """True when ``element`` is a widget container by its id, class, form action or data attributes,
    or a paywall box (:func:`is_paywall_box`)."""
    names = element.keys()
    if not names or element.tag in _PROTECTED_TAGS:
        return False
    flags = _marker_kind("id", element.get("id") or "") | _marker_kind("class", element.get("class") or "")
    if flags and _confirmed(element, flags):
        return True
    if "action" in names and element.tag == "form" and _COMMENT_FORM_ACTION.search(element.get("action")):
        return True
    return "data-members-form" in names or "data-disqus-identifier" in names


def find_widgets(tree: HtmlElement) -> list[HtmlElement]:
    """Every widget container in ``tree``, in document order (outer ones before what they contain).

    The same tests as :func:`is_widget_element`. XPath selects the marker attributes' values (no
    element proxy is made for the hundreds of elements whose markers say nothing); a value is judged
    once per page and theme (cached), and only the elements of the values that name a widget are
    looked at. On real pages that is several times faster than testing every element carrying an id
    or class, and than any XPath selecting the widgets themselves (EXSLT regular expressions, string
    tests, unions).
    """
    found: dict[HtmlElement, None] = {}
    for attribute, values in (("class", _CLASS_VALUES(tree)), ("id", _ID_VALUES(tree))):
        known = _KINDS[attribute]
        for value in values:
            flags = known.get(value)  # looked up here: a call per value costs as much as the test
            if flags is None:
                flags = _marker_kind(attribute, value)
            if flags:
                element = value.getparent()
                if element not in found and _confirmed(element, flags):
                    found[element] = None
    for value in _OTHER_MARKERS(tree):
        # a comment form's action; Ghost's data-members-form, data-disqus-identifier: always a widget
        if value.attrname != "action" or _COMMENT_FORM_ACTION.search(value):
            element = value.getparent()
            if element not in found and element.tag not in _PROTECTED_TAGS:
                found[element] = None
    return sorted(found, key=_document_position) if len(found) > 1 else list(found)


def _document_position(element: HtmlElement) -> list[int]:
    """Child indexes from the root down to ``element``: sorts elements into document order."""
    position = []
    parent = element.getparent()
    while parent is not None:
        position.append(parent.index(element))
        element, parent = parent, parent.getparent()
    position.reverse()
    return position


# --- widget phrases --------------------------------------------------------------------------------

# Each entry is a regular expression over a *normalised* line (see normalise_line): casefolded,
# NFKC, single spaces, without the punctuation widgets scatter around their labels ("Share this:",
# "Log Out /", "Change )", "Email *", "Loading…"), so phrases are written without punctuation too.
# A line is a widget line when it is one or more of these phrases and nothing else. Phrases that
# open like a sentence ("leave a reply to …", "one response to …") are only listed in the exact
# form the widget renders, so an article sentence starting the same way is kept.
_ACCOUNT = r"(?:wordpress com|google|twitter|x|facebook|openid|tumblr)"
WIDGET_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        # WordPress core / themes
        r"leave a (?:reply|comment|response)", r"leave a reply to \S+(?: \S+){0,3} cancel reply",
        r"cancel reply", r"reply", r"post (?:a )?comment", r"add (?:a )?comment", r"submit comment",
        r"comments?", r"\d+ (?:comments?|responses?|replies|thoughts?)", r"(?:one|no) (?:comments?|responses?|replies|thoughts?)(?: yet)?",
        r"your email address will not be published", r"required fields are marked",
        r"name", r"email", r"e mail", r"website", r"url", r"comment",
        r"save my name email and website in this browser for the next time i comment",
        r"notify me of (?:follow up|new) (?:comments|posts) (?:by|via) e ?mail",
        r"this site uses akismet to reduce spam learn how your comment data is processed",
        r"you must be logged in to post a comment", r"comments are closed", r"log in to reply",
        r"logged in as \S+(?: \S+){0,3} log out", r"(?:previous|next|older|newer) (?:post|article|entry|story)",
        r"posts? navigation", r"related(?: posts| articles| stories)?", r"more (?:on|about) this (?:topic|story)",
        r"(?:you may|you might) also be interested in",
        r"you (?:may|might) also like", r"read (?:more|next)", r"like this", r"like",
        # WordPress.com / Jetpack highlander form, likes and sharing
        r"fill in your details below or click an icon to log in", r"logo",
        r"you are commenting using your (?:" + _ACCOUNT + r" )?account",
        r"log out", r"change", r"cancel", r"connecting to %s",
        _ACCOUNT + r" (?:photo|picture|logo|account)",
        r"share(?: this)?(?: post| article| story)?", r"share on \w+", r"tweet", r"print", r"more",
        r"click to (?:share on \w+(?: \w+)?|email a link to a friend|email this to a friend|print)",
        r"opens in new window", r"loading", r"like loading", r"be the first to like this",
        r"\d+ (?:bloggers?|people) likes? this", r"liked by \d+ (?:people|bloggers?)",
        r"subscribe", r"follow", r"following", r"sign me up", r"subscribe to (?:our|this) (?:blog|newsletter)",
        r"enter your email address to (?:subscribe to|follow) this blog and receive notifications of new posts by email",
        r"join \d[\d ]* other (?:subscribers|followers)", r"email address",
        # share targets standing alone
        r"facebook", r"twitter", r"x", r"linkedin", r"whatsapp", r"telegram", r"pinterest", r"reddit",
        r"tumblr", r"pocket", r"mastodon", r"threads", r"bluesky", r"skype", r"nextdoor",
        # Disqus, Facebook, Commento, other embeds
        r"(?:blog )?(?:comments )?powered by (?:disqus|commento|hyvor talk)",
        r"please enable javascript to view the comments powered by disqus",
        r"login with", r"sort by", r"newest", r"oldest", r"best",
        # Blogger
        r"no comments", r"newer post", r"older post", r"home",
        r"subscribe to post comments atom", r"subscribe to posts atom", r"post comments atom",
        r"email this", r"blogthis", r"share to (?:twitter|facebook|pinterest)",
        r"note only a member of this blog may post a comment", r"links to this post", r"create a link",
        # TypePad / Movable Type
        r"trackbacks?", r"trackback url for this entry", r"verify your comment", r"preview your comment",
        r"the comments to this entry are closed", r"comment below or sign in with typepad facebook twitter and more",
        r"listed below are links to (?:weblogs|blogs) that reference", r"permalink",
        # Tumblr
        r"\d[\d ]* notes?", r"reblog", r"notes",
        # Ghost
        r"sign up for more like this", r"enter your email", r"you might also like",
        r"subscribe to \S+(?: \S+){0,3}", r"get the latest posts delivered right to your inbox",
        # comment headings with the count after the word ("Comments (3)"), moderation notices
        r"(?:comments?|responses?|replies|reactions?|trackbacks?|pingbacks?|notes?) \d+",
        r"your comment is awaiting moderation", r"thank you your comment has been submitted",
        r"thanks for your comment", r"your comment has been (?:submitted|received|posted)",
        r"comments? (?:are|is) moderated", r"reply to this comment", r"report (?:this )?comment",
        r"recent comments", r"continue the discussion", r"\d+ comments? read them below or add one",
        r"(?:previous|next) comments", r"(?:older|newer) comments", r"join the discussion",
        # paywall pitches (the teaser above them is the article)
        r"subscribe (?:now|today)", r"(?:subscribe )?to continue reading(?: this article)?(?: subscribe)?",
        r"already (?:a subscriber|have an account) (?:log|sign) in(?: here)?",
        r"this (?:article|story|content) is (?:for|only available to|exclusive to) subscribers(?: only)?",
        r"unlock (?:this|the full) (?:article|story)", r"start your free trial",
        r"(?:only )?[$£€]\d+(?: \d+)? (?:per|a|/) (?:week|month)",
    ),
    "fr": (
        r"laisser un commentaire", r"laisser une réponse", r"annuler la réponse", r"répondre",
        r"commentaires?", r"\d+ (?:commentaires?|réponses?|réflexions?)",
        r"votre adresse e ?mail ne sera pas publiée", r"les champs obligatoires sont indiqués avec",
        r"nom", r"adresse de messagerie", r"site web", r"e ?mail",
        r"enregistrer mon nom mon e ?mail et mon site(?: web)? dans le navigateur pour mon prochain commentaire",
        r"prévenez moi de tous les nouveaux (?:commentaires|articles) par e ?mail",
        r"(?:saisissez|entrez) vos coordonnées ci dessous ou cliquez sur une icône pour vous connecter",
        r"avertissez moi par e ?mail des nouveaux (?:commentaires|articles)", r"changer",
        r"les commentaires sont fermés",
        r"vous commentez à l aide de votre compte(?: " + _ACCOUNT + r")?", r"déconnexion", r"modifier",
        r"connexion à %s", r"annuler", r"publier (?:un|le) commentaire",
        r"partager(?: ceci| cet article)?", r"j aime(?: ceci)?", r"j aime chargement", r"chargement",
        r"cliquez pour (?:partager sur \w+(?: \w+)?|imprimer|envoyer un lien par e ?mail à un ami)",
        r"sur le même (?:thème|sujet)", r"articles similaires", r"(?:à )?lire aussi", r"à lire également", r"articles? (?:précédent|suivant)",
        r"navigation (?:de l article|des articles)", r"s abonner", r"imprimer",
        r"ouvre dans une nouvelle fenêtre",
        r"(?:commentaires?|réactions?|réponses?) \d+",
        r"votre commentaire est en attente de modération", r"merci votre commentaire a (?:été|bien été) (?:envoyé|enregistré)",
        r"(?:abonnez vous|je m abonne)(?: à partir de .{1,40})?", r"déjà abonné (?:connectez vous|se connecter|je me connecte)",
        r"cet article est réservé aux abonnés", r"il vous reste \d+ ?% de cet article à lire",
        r"lire la suite(?: de l article)?(?: en vous abonnant)?", r"derniers commentaires", r"tous les commentaires",
        r"publier un nouveau commentaire", r"alerter", r"signaler(?: un abus| ce commentaire)?",
    ),
    "de": (
        r"(?:hinterlasse|schreibe|schreiben sie) einen kommentar", r"antworten abbrechen",
        r"antworten", r"kommentare?", r"\d+ (?:kommentare?|antworten|gedanken)",
        r"(?:deine|ihre) e ?mail adresse wird nicht veröffentlicht",
        r"erforderliche felder sind (?:mit )?markiert", r"website", r"e ?mail",
        r"meinen namen meine e ?mail adresse und meine website in diesem browser speichern bis ich wieder kommentiere",
        r"trage deine daten unten ein oder klicke ein icon um dich einzuloggen",
        r"du kommentierst mit (?:deinem|dem) (?:" + _ACCOUNT + r" )?konto", r"abmelden", r"ändern",
        r"verbinde mit %s", r"abbrechen", r"kommentar (?:veröffentlichen|abschicken|absenden)",
        r"teilen(?: mit)?", r"diesen beitrag teilen", r"gefällt mir", r"gefällt mir wird geladen",
        r"wird geladen", r"ähnliche (?:beiträge|artikel)", r"beitragsnavigation",
        # headings of related-article blocks
        r"weitere (?:artikel|beiträge|themen|meldungen|nachrichten)(?: zum thema| aus der kolumne)?", r"mehr zum thema",
        r"zum weiterlesen", r"das könnte (?:sie|dich) auch interessieren",
        r"(?:vorheriger|nächster) (?:beitrag|artikel)", r"abonnieren", r"drucken",
        r"klicken um (?:auf \w+(?: \w+)? zu teilen|zu drucken|einem freund einen link per e ?mail zu senden)",
        r"wird in neuem fenster geöffnet", r"die kommentarfunktion ist (?:geschlossen|deaktiviert)",
        r"benachrichtige mich über (?:nachfolgende kommentare|neue beiträge) via e ?mail",
        r"(?:kommentare?|antworten|reaktionen|leserkommentare) \d+", r"kommentar schreiben", r"kommentieren",
        # WordPress.com (German) and other German comment forms and lists
        r"kommentar (?:verfassen|hinzufügen|hinterlassen)", r"antwort(?:en)? abbrechen", r"gib hier deinen kommentar ein",
        r"e ?mail(?: adresse)?(?: erforderlich)?(?: adresse)? wird (?:niemals|nicht) veröffentlicht(?: (?:erforderlich|benötigt|pflichtfeld))?",
        r"e ?mail (?:erforderlich|benötigt|pflichtfeld)", r"name (?:erforderlich|benötigt|pflichtfeld)", r"webseite",
        r"hier klicken um (?:das antworten|die antwort) abzubrechen", r"(?:bisherige|letzte|neueste|die neuesten|aktuelle) kommentare",
        r"es gibt noch keine kommentare", r"leider sind keine kommentare möglich", r"kommentare (?:ausblenden|anzeigen)",
        r"hinterlasse (?:jetzt )?(?:einen|ein) kommentar(?: klicke hier um den kommentar zu schreiben)?",
        r"(?:ihr|dein) kommentar wird (?:von einem moderator )?(?:überprüft|geprüft)(?: bevor er veröffentlicht wird)?",
        r"liken", r"likenliken", r"schreib einen kommentar", r"lesermeinung(?:en)?", r"unterhaltung beginnen", r"für autoren anmelden", r"ältere kommentare", r"neuere kommentare",
        r"vielen dank ihr kommentar wurde (?:abgeschickt|gespeichert|übermittelt)",
        r"(?:dein|ihr) kommentar (?:muss noch freigegeben werden|wartet auf (?:die )?freischaltung|wird nach (?:einer )?prüfung freigeschaltet)",
        r"(?:jetzt )?(?:\d+ (?:tage|wochen) )?(?:kostenlos|gratis|für \d+ € ) ?testen", r"jetzt (?:abonnieren|abo abschließen|weiterlesen)",
        r"weiterlesen mit \S+(?: \S+){0,3}", r"(?:sie sind|du bist) bereits (?:abonnent(?:in)?|registriert) (?:hier )?(?:anmelden|einloggen)",
        r"(?:nur |ab |für )?\d+(?: \d+)? ?€ (?:pro|im|je|die) (?:woche|monat)", r"(?:diesen )?artikel freischalten",
        r"dieser (?:artikel|beitrag) ist (?:nur )?für (?:abonnenten|abonnentinnen und abonnenten|plus kunden)(?: verfügbar)?",
    ),
    "es": (
        r"deja (?:una respuesta|un comentario)", r"cancelar (?:la )?respuesta", r"responder",
        r"comentarios?", r"\d+ (?:comentarios?|respuestas?)",
        r"tu dirección de correo electrónico no será publicada",
        r"los campos (?:obligatorios|requeridos) están marcados(?: con)?", r"nombre",
        r"correo electrónico", r"web", r"sitio web",
        r"guarda mi nombre correo electrónico y web en este navegador para la próxima vez que comente",
        r"introduce tus datos o haz clic en un icono para iniciar sesión",
        r"estás comentando usando tu cuenta de " + _ACCOUNT, r"cerrar sesión", r"cambiar?",
        r"conectando a %s", r"cancelar", r"publicar (?:el )?comentario",
        r"comparte esto", r"compartir(?: esto)?", r"me gusta(?: esto)?", r"me gusta cargando",
        r"cargando", r"relacionado", r"entradas relacionadas", r"noticias relacionadas", r"te puede interesar", r"navegación de entradas",
        r"entrada (?:anterior|siguiente)", r"haz clic para (?:compartir en \w+(?: \w+)?|imprimir)",
        r"suscribirse", r"imprimir", r"se abre en una ventana nueva",
        r"(?:comentarios?|respuestas?) \d+", r"tu comentario está (?:pendiente|esperando) (?:de )?moderación",
        r"gracias tu comentario (?:ha sido|fue) enviado", r"suscríbete(?: ahora)?", r"ya eres (?:suscriptor|socio) inicia sesión",
        r"contenido (?:exclusivo|solo) para suscriptores", r"comentarios recientes",
    ),
    "it": (
        r"lascia un commento", r"lascia una risposta", r"annulla (?:la )?risposta", r"rispondi", r"commenti?",
        r"\d+ commenti?", r"commenti \d+", r"il tuo indirizzo email non sarà pubblicato",
        r"i campi obbligatori sono contrassegnati", r"nome", r"sito web", r"e ?mail",
        r"salva il mio nome email e sito web in questo browser per la prossima volta che commento",
        r"(?:pubblica|invia) (?:il )?commento", r"commenta", r"condividi(?: questo articolo)?", r"mi piace",
        r"caricamento", r"articoli correlati", r"leggi anche", r"potrebbe interessarti", r"correlati", r"articolo (?:precedente|successivo)",
        r"navigazione articoli", r"stampa", r"iscriviti", r"il tuo commento è in attesa di moderazione",
        r"abbonati(?: ora)?", r"sei già abbonato accedi", r"contenuto riservato agli abbonati", r"commenti recenti",
    ),
    "ru": (
        r"(?:добавить|оставить|оставьте|написать) комментарий", r"отменить ответ", r"ответить",
        r"комментарии", r"\d+ комментари(?:й|я|ев)", r"комментарии \d+",
        r"ваш адрес email не будет опубликован", r"обязательные поля помечены", r"имя", r"сайт", r"e ?mail",
        r"сохранить моё имя email и адрес сайта в этом браузере для последующих моих комментариев",
        r"отправить комментарий", r"поделиться", r"нравится", r"загрузка", r"похожие записи",
        r"навигация по записям", r"(?:предыдущая|следующая) запись", r"подписаться", r"печать",
        r"ваш комментарий (?:ожидает|появится после) (?:проверки|модерации)", r"последние комментарии",
    ),
    "ar": (
        r"(?:اترك|أضف|أترك) (?:تعليقاً|تعليقا|تعليق|رداً|ردا|رد)", r"إلغاء الرد", r"الرد", r"رد",
        r"التعليقات?", r"تعليقات?", r"\d+ (?:تعليقات?|تعليق)",
        r"لن يتم نشر عنوان (?:بريدك الإلكتروني|البريد الإلكتروني)",
        r"الحقول (?:الإلزامية|المطلوبة) (?:مشار إليها|عليها علامة)(?: بـ| ب)?", r"الاسم",
        r"البريد الإلكتروني", r"الموقع(?: الإلكتروني)?",
        r"احفظ اسمي (?:و)?بريدي الإلكتروني والموقع الإلكتروني في هذا المتصفح لاستخدامها المرة المقبلة في تعليقي",
        r"أدخل بياناتك أدناه أو اضغط على (?:أيقونة|ايقونة) لتسجيل الدخول",
        r"(?:أنت|انت) تعلق بإستخدام حساب(?: " + _ACCOUNT + r")?", r"تسجيل الخروج", r"تغيير",
        r"(?:جارٍ )?الاتصال بـ ?%s", r"إلغاء", r"(?:إرسال|نشر) التعليق",
        r"شارك(?: هذا| هذه)?", r"مشاركة", r"أعجبني(?: هذا| هذه)?", r"إعجاب", r"تحميل",
        r"ذات صلة", r"مقالات ذات صلة", r"التنقل بين (?:المقالات|المواضيع)",
        r"(?:المقالة|المقال|التدوينة) (?:السابقة|التالية|السابق|التالي)", r"اشترك", r"طباعة",
        r"التعليقات مغلقة",
    ),
}

# Lines matched on their raw text (punctuation matters): comment-count headings that quote the
# post title, TypePad's "Posted by: NAME | DATE" signature of a comment.
COMMENT_NOUNS = (
    r"thoughts?|responses?|comments?|repl(?:y|ies)|réflexions?|commentaires?|réponses?|gedanken?|kommentare?"
    r"|antworten|comentarios?|respuestas?|commenti?|risposte|комментари(?:й|я|ев)|ответ(?:а|ов)?|تعليقات?|ردود?"
)
#: "The post … appeared first on …" (and its translations) that feeds append to every item.
FEED_FOOTER_LINE = (
    r"(?:the post|(?:der|die|das) beitrag|l[’']article|la entrada|l[’']articolo|(?:сообщение|запись)) "
    r".{1,300} (?:appeared first on|erschien zuerst auf|est apparu en premier sur|se publicó primero en"
    r"|proviene da|(?:появились|появилась) сначала на) .{1,200}"
)
RAW_WIDGET_LINES: tuple[str, ...] = (
    # required-field labels of a comment form: "Name *", "E-mail *", "Nombre *", "الاسم *"
    r"(?:name|e-?mail|website|comment|nom|nombre|correo electrónico|kommentar|الاسم|البريد الإلكتروني)\s*\*",
    rf"(?:\d+|one|une?|ein(?:en)?|un) (?:{COMMENT_NOUNS}) (?:on|to|sur|à|zu|en|a|su|к|на|على) [“\"«„‘'].{{1,200}}[”\"»“’']\s*:?",
    r"posted by: .{1,80}\|.{1,80}",
    r"(?:pingback|trackback): .{1,300}",
    # feed footers of WordPress/Yoast feeds, in the languages they ship
    FEED_FOOTER_LINE,
)

#: Words that are widget labels in a row of labels ("Twitter Facebook", "Log Out / Change") but
#: may be an article's own heading when alone on a line ("Notes", "Related", "Comment"): a line
#: made of one of them only is kept.
LONE_WORDS_KEPT: tuple[str, ...] = (
    r"notes?", r"related", r"comments?", r"more", r"home", r"print", r"follow(?:ing)?", r"like", r"name",
    r"e ?mail", r"website", r"url", r"web", r"reply", r"change", r"cancel", r"logo", r"loading", r"best",
    r"newest", r"oldest", r"share", r"subscribe", r"x", r"threads", r"pocket", r"nom", r"site web",
    r"nombre", r"imprimir", r"imprimer", r"drucken", r"antworten", r"répondre", r"responder",
    r"commentaires?", r"kommentare?", r"comentarios?", r"annuler", r"modifier", r"changer", r"abbrechen",
    r"ändern", r"cancelar", r"cambiar?", r"chargement", r"cargando", r"relacionado", r"abonnieren",
    r"suscribirse", r"التعليقات?", r"تعليقات?", r"الاسم", r"الرد", r"رد", r"شارك", r"مشاركة", r"تغيير",
    r"إلغاء", r"اشترك", r"طباعة", r"تحميل", r"إعجاب", r"commenti?", r"rispondi", r"nome", r"stampa",
    r"correlati", r"commenta", r"комментарии", r"ответить", r"имя", r"сайт", r"печать", r"загрузка",
    r"kommentieren",
)

_MONTHS = (
    r"jan(?:uary|uar|vier|eiro)?|feb(?:ruary|ruar)?|févr(?:ier)?|fév|mar(?:ch|s|zo)?|märz|apr(?:il|ile)?|avr(?:il)?"
    r"|may|mai|mayo|maggio|jun(?:e|i|io)?|juin|giugno|jul(?:y|i|io)?|juil(?:let)?|luglio|aug(?:ust)?|août"
    r"|ago(?:sto)?|sep(?:t(?:ember|embre)?)?|set(?:tembre)?|oct(?:ober|obre|ubre)?|okt(?:ober)?|ott(?:obre)?"
    r"|nov(?:ember|embre|iembre)?|dec(?:ember)?|dez(?:ember)?|déc(?:embre)?|dic(?:iembre|embre)?"
    r"|enero|febrero|abril|junio|julio|septiembre|octubre|diciembre|gennaio|febbraio|aprile"
    r"|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
)
#: A date or time as comment headers print it ("12. März 2021 um 10:12", "March 3, 2020 at 5:12 pm",
#: "3 days ago"), in the languages the extractor handles, in the languages the extractor handles.
DATE_TEXT = re.compile(
    r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b"
    rf"|\b\d{{1,2}}(?:\.|er|º)? (?:de )?(?:{_MONTHS})\.?,? (?:de )?\d{{4}}\b"
    rf"|\b(?:{_MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}\b"
    r"|\b\d+ (?:minutes?|hours?|days?|weeks?|months?|years?) ago\b"
    r"|\bvor \d+ (?:minuten|stunden|tagen|wochen|monaten|jahren)\b|\bil y a \d+ |\bhace \d+ |\b\d+ (?:giorni|ore) fa\b"
    r"|\b\d{1,2}:\d{2}\b",
    re.IGNORECASE,
)
#: Texts of reply links and buttons, normalised (see :func:`normalise_line`).
REPLY_LABELS: frozenset[str] = frozenset(
    {
        "reply", "reply to this comment", "reply to this", "reply ↓", "antworten", "antwort", "beantworten",
        "auf diesen kommentar antworten", "répondre", "répondre à ce commentaire", "responder", "rispondi",
        "ответить", "odpowiedz", "reageer", "reageren", "svara", "svar", "vastaa", "odpovědět", "válasz",
        "rde", "الرد", "رد", "回复", "返信",
    }
)
#: Longer lines are text, not a widget (the longest phrases, with a quoted post title, stay below).
MAX_WIDGET_LINE = 300

# Punctuation and symbols widgets put around their labels: dropped before phrase matching.
_NOISE = re.compile(r"[\s\"'“”‘’«»‹›()\[\]{}<>|/\\*:;,.!?·•–—\-_=+#~^…→←↑↓]+")


def normalise_line(line: str) -> str:
    """A line reduced to what phrase matching looks at: NFKC, casefolded, punctuation as spaces."""
    return _NOISE.sub(" ", unicodedata.normalize("NFKC", line).casefold()).strip()


@lru_cache(maxsize=1)
def _widget_line_res() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    phrases = sorted({p for patterns in WIDGET_PHRASES.values() for p in patterns}, key=len, reverse=True)
    one = "(?:" + "|".join(phrases) + ")"
    raw = "|".join(RAW_WIDGET_LINES)
    lone = "|".join(LONE_WORDS_KEPT)
    return re.compile(rf"{one}(?: {one})*"), re.compile(raw, re.IGNORECASE), re.compile(lone)


@lru_cache(maxsize=16384)
def is_widget_line(line: str) -> bool:
    """True when ``line`` consists only of widget phrases (in any supported language).

    >>> is_widget_line("Leave a Reply Cancel reply")
    True
    >>> is_widget_line("He refused to leave a reply to the ministry's letter.")
    False
    """
    stripped = line.strip()
    if not stripped or len(stripped) > MAX_WIDGET_LINE:
        return False
    phrases, raw, lone = _widget_line_res()
    if raw.fullmatch(stripped):
        return True
    normal = normalise_line(stripped)
    return bool(normal) and lone.fullmatch(normal) is None and phrases.fullmatch(normal) is not None


def widget_lines(text: str) -> list[str]:
    """The lines of ``text`` that are widget lines (for tests and the leak count of the bench)."""
    return [line for line in text.splitlines() if is_widget_line(line)]
