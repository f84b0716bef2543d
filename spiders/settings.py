"""Scrapy settings of the newsarchive crawl (``scrapy.cfg`` points here).

Global politeness defaults; each source may override delay, concurrency, robots,
AutoThrottle and user agent in ``sources.yaml`` (applied by the ``news`` spider at
"spider" priority, so ``-s KEY=VALUE`` on the command line still wins).
Every knob of our own components is a setting prefixed ``NEWSARCHIVE_``; they are
documented in docs/crawling.md.
"""

from __future__ import annotations

import os

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["spiders.news"]
NEWSPIDER_MODULE = "spiders"

# --- politeness -------------------------------------------------------------------------
USER_AGENT = "newsarchive/0.1 (news archiving crawler; +https://github.com/newsarchive/newsarchive)"
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False

# --- robustness -------------------------------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 3
DEPTH_PRIORITY = 0
# Scrapy's own page/time closes stay off: RunLimits (spiders/limits.py) applies the run budget,
# counting pages of the source only (not robots.txt, feeds or sitemaps).
CLOSESPIDER_PAGECOUNT = 0
CLOSESPIDER_TIMEOUT = 0

# --- runtime ------------------------------------------------------------------------------
LOG_LEVEL = "INFO"
# The run summary (one log line per source, summary.json in the bucket, the JSON line on stdout)
# replaces Scrapy's closing stats dump, which would print every listed page. `-s STATS_DUMP=True`
# brings it back for debugging.
STATS_DUMP = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote-control extension would serve an HTTP endpoint that runs Python code sent to
# it inside the crawler, and write its token to a job file in the user's profile: never on.
REMOTE_CONTROL_ENABLED = False
# The frontier (spiders/frontier.py) decides the order by priority; within one priority the order
# it yields (best first) is kept: FIFO, not Scrapy's default LIFO.
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
# ... and a request leaves the scheduler only when its download slot can take it (no queue of
# requests chosen early in a slot): spiders.frontier.FrontierDownloader
DOWNLOADER = "spiders.frontier.FrontierDownloader"
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
# Scrapy 2.19 starts about CONCURRENT_ITEMS asyncio tasks per callback result; a page yields one
# item, so 100 (the default) only costs reactor time (bench/crawl.py: ~1.5x pages/s at 4).
CONCURRENT_ITEMS = 4

# --- newsarchive components ------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # after RedirectMiddleware (600) on the way out, so a redirect target is checked too;
    # sees a 304 before anything else on the way back
    "spiders.seen.SeenUrlsMiddleware": 650,
}
ITEM_PIPELINES = {
    "spiders.staging.StagingPipeline": 300,
}
EXTENSIONS = {
    "spiders.warc.WarcWriter": 100,
    "spiders.summary.RunSummary": 900,
}

# Our own knobs (see docs/crawling.md). The spider and run.py fill in source and run id.
NEWSARCHIVE_SOURCES = None  # path of sources.yaml; falls back to $NEWSARCHIVE_SOURCES
NEWSARCHIVE_RUN_ID = None  # YYYYMMDDTHHMMSSZ-<6 hex>; generated when absent
NEWSARCHIVE_MAX_PAGES = None  # caps the source's limits.max_pages
# read by the private-address guard; only the demo and tests need it (--allow-loopback)
NEWSARCHIVE_ALLOW_LOOPBACK = os.environ.get("NEWSARCHIVE_ALLOW_LOOPBACK", "").lower() in ("1", "true", "yes")
NEWSARCHIVE_WORK_DIR = None  # local directory for WARC/JSONL before upload; a temp dir when None
NEWSARCHIVE_IGNORE_SEEN = False  # True: refetch known articles (the stored seen-URL state is not read, only updated)
NEWSARCHIVE_UPLOAD = True  # False: keep the staged files local only (no bucket)
NEWSARCHIVE_ARTICLE_MIN_WORDS = 80  # og:type=article or an <article> element needs this many words (and a date)
NEWSARCHIVE_FEED_MAX_BYTES = 50 * 1024 * 1024  # cap on a decompressed sitemap/feed
NEWSARCHIVE_ROBOTS_SITEMAPS = True  # a source without `sitemaps` uses those its robots.txt names

# --- hardening components (owned by the crawler-hardening work) ---
# Safety, limits, politeness, traps, decoding and page checks; every knob is documented with its
# default and what a user sees when it triggers in docs/limits.md.
TWISTED_DNS_RESOLVER = "spiders.guard.PrivateAddressResolver"  # never hands out private answers
DOWNLOADER_MIDDLEWARES.update(
    {
        "spiders.guard.PrivateAddressMiddleware": 60,  # after OffsiteMiddleware (50), before robots.txt (100)
        "spiders.politeness.CrawlDelayMiddleware": 110,  # right after RobotsTxtMiddleware (100)
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "spiders.politeness.PoliteRetryMiddleware": 550,  # Retry-After and backoff
        "spiders.pagecheck.PageCheckMiddleware": 570,  # soft-404, error, empty, binary, too deep
        "spiders.decoding.CharsetRepairMiddleware": 580,  # after decompression
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
        "spiders.limits.BoundedHttpCompressionMiddleware": 590,
        "spiders.limits.DeadlineMiddleware": 620,  # timeouts/size aborts seen before retry
    }
)
SPIDER_MIDDLEWARES = {
    **globals().get("SPIDER_MIDDLEWARES", {}),
    "spiders.traps.TrapFilterMiddleware": 800,
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "spiders.limits.CountingDepthMiddleware": 900,
}
EXTENSIONS.update({"spiders.limits.RunLimits": 50})
RETRY_PRIORITY_ADJUST = 10  # a retry goes ahead of the queue once its wait is over
NEWSARCHIVE_MAX_RUN_SECONDS = 3600  # cap on any source's limits.max_run_seconds (0: none)
# --- run budget and frontier (defaults that hold without configuration; docs/crawling.md) ---
NEWSARCHIVE_DEFAULT_MAX_PAGES = 2000  # pages of a source per run when limits.max_pages is not set
NEWSARCHIVE_DEFAULT_MAX_RUN_SECONDS = 1800  # seconds per source and run when limits.max_run_seconds is not set
NEWSARCHIVE_SITEMAP_MAX_ENTRIES = 1000  # entries one sitemap may add to a run (best first)
NEWSARCHIVE_EXTRACT_WORKERS = 1  # extraction processes beside the reactor, plus one WARC writer (0: both on the reactor thread)
NEWSARCHIVE_PATTERN_CAP = 20  # URLs per pattern (numbers replaced) per run, unless listed by a feed or article-shaped
NEWSARCHIVE_RUN_LIMITS_ENABLED = True
NEWSARCHIVE_RETRY_SLOW_BODY = False  # a body that dripped past DOWNLOAD_TIMEOUT is not retried
NEWSARCHIVE_CRAWL_DELAY_MAX = 60.0  # robots.txt Crawl-delay above this is capped (and logged)
NEWSARCHIVE_CRAWL_DELAY_MARGIN = 0.1  # added to Crawl-delay so request starts never come closer
NEWSARCHIVE_RETRY_AFTER_MAX = 120.0  # a longer Retry-After gives the URL up for this run
NEWSARCHIVE_RETRY_BACKOFF_BASE = 2.0  # first retry waits ~2 s, then 4, 8 ... (+-25 %)
NEWSARCHIVE_RETRY_BACKOFF_MAX = 60.0
NEWSARCHIVE_TRAP_CHAIN_BUDGET = 3  # pages followed along one same-shape chain (calendar, ?page=N)
NEWSARCHIVE_TRAP_MAX_SEGMENTS = 15  # deeper paths are a trap (relative-link pile-ups)
NEWSARCHIVE_TRAP_MAX_URL_LENGTH = 2000
NEWSARCHIVE_PAGE_MIN_BYTES = 512  # smaller HTML bodies are not pages (not-article/tiny-body)
NEWSARCHIVE_HTML_MAX_DEPTH = 250  # deeper nesting is reported (not-article/too-deep), not cut
NEWSARCHIVE_SOFT404_MAX_WORDS = 200  # a not-found/error title only marks a page shorter than this
# --- end hardening ---
