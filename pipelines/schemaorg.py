"""schema.org vocabulary the extractor and the crawler both read (https://schema.org/Article)."""

from __future__ import annotations

#: Types whose JSON-LD node describes one article (schema.org ``Article`` and its subtypes in use).
ARTICLE_TYPES = frozenset(
    {
        "Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle", "AnalysisNewsArticle",
        "OpinionNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle",
        "LiveBlogPosting", "ScholarlyArticle", "TechArticle", "SocialMediaPosting", "Report",
        "SatiricalArticle", "Posting", "DiscussionForumPosting",
    }
)
#: The same, lower-cased (JSON-LD seen in the wild does not always respect case).
ARTICLE_TYPES_LOWER = frozenset(t.lower() for t in ARTICLE_TYPES)

#: Types of pages that are not one article (listings, profiles, search results, site pages).
LISTING_TYPES = frozenset(
    {"CollectionPage", "ProfilePage", "SearchResultsPage", "ItemList", "AboutPage", "ContactPage", "CheckoutPage"}
)
LISTING_TYPES_LOWER = frozenset(t.lower() for t in LISTING_TYPES)
