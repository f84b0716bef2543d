"""The extract stage: one fetched page (HTML ``str`` or ``bytes``) to one ``Article``, or ``None``.

Modules, one layer each:

* :mod:`~pipelines.extract.decoding`: bytes to text (the one charset decoder, shared with the crawler);
* :mod:`~pipelines.extract.widgets`: what comment, share, like and navigation widgets look like (data);
* :mod:`~pipelines.extract.comment_lists`: reader-comment lists recognised by their structure;
* :mod:`~pipelines.extract.metadata`: title, authors, dates, site name, tags… from the page's markup;
* :mod:`~pipelines.extract.reader_comments`: reader comments as records, for sources that keep them;
* :mod:`~pipelines.extract.clean`: :func:`clean_text` for any article text, extracted here or elsewhere;
* :mod:`~pipelines.extract.extractor`: the pass that ties them together;
* :mod:`~pipelines.extract.evaluation`: scoring shared by the tests and ``bench/extraction.py``.
"""

__all__ = [
    "DEFAULT_MAX_HTML_CHARS",
    "DEFAULT_MIN_WORDS",
    "REASONS",
    "ExtractionResult",
    "NotAnArticle",
    "extract",
    "extract_with_reason",
    "parse_html",
    "remove_widgets",
]


def __getattr__(name: str) -> object:
    # The extractor (trafilatura, htmldate, justext …) is imported on first use, not with the
    # package: the crawl process needs only ``decoding`` here, its extraction runs in a worker.
    if name in __all__:
        from pipelines.extract import extractor

        return getattr(extractor, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
