"""Storage errors: one line each saying what failed, where, and what to do."""

from __future__ import annotations


class StorageError(Exception):
    """An S3 operation failed. The message is one line: what, where, and what to do."""


class ObjectNotFound(StorageError):
    """The key does not exist in the bucket."""


class PreconditionFailed(StorageError):
    """A conditional write lost: the object exists (If-None-Match) or changed (If-Match) — HTTP 412."""


class BucketNotFound(StorageError):
    """The configured bucket does not exist."""


class AccessDenied(StorageError):
    """The endpoint rejected the credentials or the request (HTTP 403)."""


class EndpointUnreachable(StorageError):
    """The S3 endpoint did not answer (connection refused, timeout, closed connection)."""


class InvalidKey(StorageError, ValueError):
    """A key is not a safe object path (empty/dot segments, leading slash, too long, a raw URL)."""
