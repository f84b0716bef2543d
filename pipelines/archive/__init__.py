"""The archive: latest revisions, earlier revisions and duplicates written to the bucket.

Keys come from :mod:`pipelines.layout`; :class:`Archiver` is the archive stage of processing.
"""

from pipelines.archive.archiver import ARCHIVE_OUTCOMES, Archiver, article_key, duplicate_key
from pipelines.layout import pointer_key, revision_key, slug

__all__ = ["ARCHIVE_OUTCOMES", "Archiver", "article_key", "duplicate_key", "pointer_key", "revision_key", "slug"]
