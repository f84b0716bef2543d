"""The archive's storage: one S3 bucket behind boto3 (SeaweedFS locally, AWS/MinIO/Ceph elsewhere).

Every stage reads and writes through :class:`Storage`. It validates keys (no raw URLs, no
``.``/``..`` or empty segments), speaks path-style SigV4 with retries and backoff, and turns
botocore errors into :class:`StorageError` subclasses whose message is one line saying what
failed, where, and what to do. Conditional writes (``If-None-Match: *``, ``If-Match: <etag>``)
make create-once and read-modify-write safe between concurrent writers; :meth:`Storage.update_json`
wraps the latter for shared state files.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import botocore.exceptions
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config


log = logging.getLogger(__name__)

from pipelines.storage.errors import (
    AccessDenied,
    BucketNotFound,
    EndpointUnreachable,
    InvalidKey,
    ObjectNotFound,
    PreconditionFailed,
    StorageError,
)
from pipelines.storage.settings import LOCAL_STACK_HINT, ENDPOINT_ENV, S3Settings, is_loopback_url

DEFAULT_CONTENT_TYPE = "application/octet-stream"
MAX_KEY_BYTES = 1024
MAX_SEGMENT_BYTES = 255


# --------------------------------------------------------------------------- keys


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe object path, else raise :class:`InvalidKey`.

    Keys are file paths on SeaweedFS (and should be on any store): no leading ``/``, no empty
    segment (``a//b``, trailing ``/``), no ``.``/``..`` segment, no segment over 255 bytes, no
    control characters, at most 1024 bytes. A raw URL fails on its empty segment after ``https:``;
    build keys from slugs and hashes (see :mod:`pipelines.urls`).
    """
    if not isinstance(key, str) or not key:
        raise InvalidKey(f"invalid S3 key {key!r}: must be a non-empty string")
    if key.startswith("/"):
        raise InvalidKey(f"invalid S3 key {key!r}: must not start with '/'")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise InvalidKey(f"invalid S3 key {key[:60]!r}...: longer than {MAX_KEY_BYTES} bytes")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in key):
        raise InvalidKey(f"invalid S3 key {key!r}: contains a control character")
    for segment in key.split("/"):
        if segment == "":
            hint = " (looks like a raw URL: build keys from slugs and hashes)" if "://" in key else ""
            raise InvalidKey(f"invalid S3 key {key!r}: empty path segment{hint}")
        if segment in (".", ".."):
            raise InvalidKey(f"invalid S3 key {key!r}: '{segment}' segment")
        if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
            raise InvalidKey(f"invalid S3 key {key[:60]!r}...: a segment is longer than {MAX_SEGMENT_BYTES} bytes")
    return key


def _validate_prefix(prefix: str) -> str:
    if prefix.startswith("/"):
        raise InvalidKey(f"invalid S3 prefix {prefix!r}: must not start with '/'")
    if "//" in prefix:
        raise InvalidKey(f"invalid S3 prefix {prefix!r}: empty path segment")
    return prefix


# --------------------------------------------------------------------------- objects


@dataclass
class StoredObject:
    """One object as read back: body (``b""`` from :meth:`Storage.head`), ETag and headers."""

    key: str
    body: bytes
    etag: str
    metadata: dict[str, str]
    content_type: str | None
    last_modified: datetime | None
    content_encoding: str | None = None
    size: int | None = None

    def json(self) -> Any:
        """Decode the body as UTF-8 JSON."""
        return json.loads(self.body)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    if isinstance(obj, Path):
        return str(obj)
    dump = getattr(obj, "model_dump", None)  # pydantic models, e.g. Article
    if callable(dump):
        return dump(mode="json")
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def dumps_json(obj: Any) -> bytes:
    """Serialise ``obj`` the way the archive stores JSON: UTF-8, not ASCII-escaped, datetimes ISO 8601."""
    return json.dumps(obj, ensure_ascii=False, default=_json_default, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------- client


def make_client(settings: S3Settings) -> Any:
    """Create the boto3 S3 client for ``settings``: path-style, SigV4, retries with backoff, timeouts.

    Checksums are sent only when an operation requires them: S3-compatible stores differ in their
    support for the newer default CRC trailers, and ETags already cover integrity for our sizes.
    """
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        retries={"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        max_pool_connections=32,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        # a local endpoint is never reached through an HTTP(S)_PROXY from the environment
        proxies={} if is_loopback_url(settings.endpoint_url) else None,
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.endpoint_url,
        aws_access_key_id=settings.access_key_id,
        aws_secret_access_key=settings.secret_access_key,
        region_name=settings.region,
        config=config,
    )


class Storage:
    """Objects in one bucket. Thread-safe (one boto3 client, which is)."""

    def __init__(self, settings: S3Settings, client: Any = None, *, page_size: int = 1000) -> None:
        """Wrap ``client`` (default: :func:`make_client`) for ``settings.bucket``; ``page_size`` is the list page."""
        self.settings = settings
        self.bucket = settings.bucket
        self.client = client if client is not None else make_client(settings)
        self.page_size = page_size

    def __repr__(self) -> str:
        return f"Storage({self.settings.where})"

    # -- errors

    def _error(self, exc: Exception, op: str, key: str | None = None) -> StorageError:
        """Translate a botocore/boto3 exception into one of ours (to be raised ``from exc``)."""
        where = f"s3://{self.bucket}/{key}" if key else f"s3://{self.bucket}"
        endpoint = self.settings.endpoint_url or "AWS S3"
        if isinstance(exc, S3UploadFailedError) and isinstance(exc.__context__, botocore.exceptions.ClientError):
            exc = exc.__context__
        if isinstance(exc, botocore.exceptions.ConnectionError | botocore.exceptions.HTTPClientError):
            hint = LOCAL_STACK_HINT if is_loopback_url(self.settings.endpoint_url) else f"(check the network and {ENDPOINT_ENV})"
            return EndpointUnreachable(f"cannot reach S3 endpoint {endpoint}: {exc} {hint}")
        if isinstance(exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError):
            return AccessDenied(
                f"no S3 credentials for {endpoint}: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
                f"or run `newsarchive stack up`"
            )
        if isinstance(exc, botocore.exceptions.ClientError):
            err = exc.response.get("Error", {})
            code = str(err.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            message = err.get("Message") or code
            if code == "NoSuchBucket":
                return BucketNotFound(
                    f"{op} {where}: bucket {self.bucket!r} does not exist at {endpoint} "
                    f"(create it with Storage.ensure_bucket or `newsarchive stack up`)"
                )
            if code in ("NoSuchKey", "404", "NotFound") or status == 404:
                return ObjectNotFound(f"{op} {where}: no such object")
            if code == "PreconditionFailed" or status == 412:
                return PreconditionFailed(f"{op} {where}: precondition failed (object exists or changed)")
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"):
                return AccessDenied(
                    f"{op} {where}: {endpoint} rejected the credentials "
                    f"(access key {self.settings.access_key_id!r}: {code}); check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
                )
            if code in ("AccessDenied", "Forbidden", "403") or status == 403:
                return AccessDenied(
                    f"{op} {where}: access denied by {endpoint} ({message}); check AWS_ACCESS_KEY_ID/"
                    f"AWS_SECRET_ACCESS_KEY and the key's permissions"
                )
            if status is not None and status >= 500:
                attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
                return StorageError(
                    f"{op} {where}: {endpoint} answered {status} {code} after {attempts} attempts; try again later"
                )
            return StorageError(f"{op} {where}: {code} ({message}) from {endpoint}")
        if isinstance(exc, botocore.exceptions.BotoCoreError):
            return StorageError(f"{op} {where}: {exc}")
        return StorageError(f"{op} {where}: {type(exc).__name__}: {exc}")

    # -- bucket

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet. Idempotent; safe against a concurrent create."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return
        except botocore.exceptions.ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status != 404 and exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
                raise self._error(exc, "head bucket") from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise self._error(exc, "head bucket") from exc
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if self.settings.region != "us-east-1" and self.settings.endpoint_url is None:
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.settings.region}
        try:
            self.client.create_bucket(**kwargs)
            log.info("created bucket %s", self.settings.where)
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise self._error(exc, "create bucket") from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise self._error(exc, "create bucket") from exc

    # -- writes

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        if_none_match: bool = False,
        if_match: str | None = None,
    ) -> str:
        """Write ``data`` at ``key`` and return the new ETag (quoted, as S3 sends it).

        ``if_none_match=True`` creates only if the key is absent; ``if_match=etag`` replaces only if
        the object still has that ETag. Either losing raises :class:`PreconditionFailed`.
        ``metadata`` values must be ASCII (S3 sends them as headers; keys come back lower-cased);
        ``tags`` become S3 object tags.
        """
        validate_key(key)
        if if_none_match and if_match is not None:
            raise ValueError("put_bytes: use if_none_match or if_match, not both")
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"put_bytes: data must be bytes, not {type(data).__name__}")
        # S3 stores default to different types (SeaweedFS: text/plain); say it ourselves.
        kwargs: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "Body": bytes(data),
            "ContentType": content_type or DEFAULT_CONTENT_TYPE,
        }
        if content_encoding:
            kwargs["ContentEncoding"] = content_encoding
        if metadata:
            kwargs["Metadata"] = _check_metadata(metadata)
        if tags:
            kwargs["Tagging"] = urlencode(_check_tags(tags))
        if if_none_match:
            kwargs["IfNoneMatch"] = "*"
        if if_match is not None:
            kwargs["IfMatch"] = if_match
        try:
            response = self.client.put_object(**kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise self._error(exc, "put", key) from exc
        return str(response.get("ETag", ""))

    def put_json(self, key: str, obj: Any, **kw: Any) -> str:
        """Write ``obj`` as UTF-8 JSON (``application/json``); keyword arguments as :meth:`put_bytes`."""
        kw.setdefault("content_type", "application/json")
        return self.put_bytes(key, dumps_json(obj), **kw)

    def upload_file(
        self,
        key: str,
        path: Path | str,
        *,
        content_type: str | None = None,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        """Stream a local file to ``key`` (multipart above 64 MiB), e.g. a WARC file."""
        validate_key(key)
        extra: dict[str, Any] = {"ContentType": content_type or DEFAULT_CONTENT_TYPE}
        if content_encoding:
            extra["ContentEncoding"] = content_encoding
        if metadata:
            extra["Metadata"] = _check_metadata(metadata)
        try:
            self.client.upload_file(str(path), self.bucket, key, ExtraArgs=extra, Config=_TRANSFER)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, S3UploadFailedError) as exc:
            raise self._error(exc, "upload", key) from exc

    def delete(self, key: str) -> None:
        """Delete ``key``. Deleting a missing key is not an error (S3 semantics)."""
        validate_key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise self._error(exc, "delete", key) from exc

    # -- reads

    def get(self, key: str) -> StoredObject:
        """Read ``key`` whole. Raises :class:`ObjectNotFound` if it does not exist."""
        validate_key(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            body = response["Body"].read()
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise self._error(exc, "get", key) from exc
        return _stored(key, body, response)

    def get_bytes(self, key: str) -> bytes:
        """Return the body of ``key``. Raises :class:`ObjectNotFound` if it does not exist."""
        return self.get(key).body

    def get_json(self, key: str) -> Any:
        """Return the decoded JSON at ``key``. Raises :class:`ObjectNotFound` if it does not exist."""
        obj = self.get(key)
        try:
            return obj.json()
        except ValueError as exc:
            raise StorageError(f"get s3://{self.bucket}/{key}: not valid JSON: {exc}") from exc

    def head(self, key: str) -> StoredObject | None:
        """Return the object's ETag and headers (``body=b""``), or ``None`` if it does not exist.

        A HEAD 404 carries no error code, so a missing bucket also reads as ``None`` here.
        """
        validate_key(key)
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=key)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            error = self._error(exc, "head", key)
            if type(error) is ObjectNotFound:
                return None
            raise error from exc
        return _stored(key, b"", response)

    def get_tags(self, key: str) -> dict[str, str]:
        """Return the object's S3 tags. Raises :class:`ObjectNotFound` if it does not exist."""
        validate_key(key)
        try:
            response = self.client.get_object_tagging(Bucket=self.bucket, Key=key)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise self._error(exc, "get tags", key) from exc
        return {t["Key"]: t["Value"] for t in response.get("TagSet", ())}

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists."""
        return self.head(key) is not None

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Yield every key under ``prefix`` in lexicographic order, page by page (``page_size`` per request)."""
        _validate_prefix(prefix)
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": self.page_size})
        try:
            for page in pages:
                for item in page.get("Contents", ()):
                    yield item["Key"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise self._error(exc, "list", prefix or None) from exc

    def list_etags(self, prefix: str = "") -> dict[str, str]:
        """``{key: ETag without quotes}`` of every object under ``prefix`` (one request per page).
        For an object written in one PUT the ETag is the MD5 of its body (S3, MinIO, SeaweedFS)."""
        _validate_prefix(prefix)
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": self.page_size})
        try:
            return {item["Key"]: str(item.get("ETag", "")).strip('"') for page in pages for item in page.get("Contents", ())}
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise self._error(exc, "list", prefix or None) from exc

    def copy(self, source_key: str, key: str) -> str:
        """Server-side copy of ``source_key`` to ``key`` in the bucket (body, content type and
        metadata kept); returns the new ETag. Raises :class:`ObjectNotFound` if the source is gone."""
        validate_key(source_key)
        validate_key(key)
        try:
            response = self.client.copy_object(Bucket=self.bucket, Key=key, CopySource={"Bucket": self.bucket, "Key": source_key})
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise self._error(exc, "copy", source_key) from exc
        return str(response.get("CopyObjectResult", {}).get("ETag", ""))

    def presigned_url(self, key: str, expires: int = 3600) -> str:
        """A presigned GET URL of ``key``, valid for ``expires`` seconds (no request is sent)."""
        validate_key(key)
        return str(self.client.generate_presigned_url("get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires))

    def download_file(self, key: str, path: Path | str) -> None:
        """Stream ``key`` to a local file; the file appears complete or not at all."""
        validate_key(key)
        target = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        os.close(fd)
        try:
            self.client.download_file(self.bucket, key, tmp, Config=_TRANSFER)
            os.replace(tmp, target)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise self._error(exc, "download", key) from exc
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    # -- read-modify-write

    def update_json(
        self,
        key: str,
        fn: Callable[[Any], Any],
        *,
        attempts: int = 5,
        backoff: float = 0.05,
    ) -> Any:
        """Apply ``fn`` to the JSON at ``key`` and write the result back, safely under concurrency.

        ``fn`` gets the current value (``None`` if the key is absent) and returns the new one; it
        must not mutate its argument in place unless it returns it, and may run several times. The
        write is conditional (``If-Match`` the ETag read, or ``If-None-Match: *`` when creating); on
        a conflict the read-modify-write is retried up to ``attempts`` times with jittered backoff,
        then :class:`PreconditionFailed` is raised. If ``fn`` returns the value unchanged, nothing is
        written. Returns the value stored.
        """
        if attempts < 1:
            raise ValueError("update_json: attempts must be at least 1")
        for attempt in range(1, attempts + 1):
            try:
                current_obj: StoredObject | None = self.get(key)
            except ObjectNotFound:
                current_obj = None
            current = current_obj.json() if current_obj is not None else None
            new = fn(json.loads(dumps_json(current)) if current is not None else None)
            try:
                if current_obj is None:
                    self.put_json(key, new, if_none_match=True)
                elif dumps_json(new) == dumps_json(current):
                    return new
                else:
                    self.put_json(key, new, if_match=current_obj.etag)
                return new
            except (PreconditionFailed, ObjectNotFound):
                # ObjectNotFound: some stores answer a stale If-Match on a deleted key with 404.
                if attempt == attempts:
                    break
                delay = backoff * (2 ** (attempt - 1)) * (0.5 + random.random())
                log.debug("update_json %s: conflict on attempt %d, retrying in %.3fs", key, attempt, delay)
                time.sleep(delay)
        raise PreconditionFailed(
            f"update s3://{self.bucket}/{key}: still conflicting after {attempts} attempts "
            f"(too many concurrent writers; retry later or raise attempts)"
        )


_TRANSFER = TransferConfig(multipart_threshold=64 * 1024 * 1024, multipart_chunksize=16 * 1024 * 1024)


MAX_TAGS = 10
MAX_METADATA_BYTES = 2048
_TAG_TEXT = re.compile(r"[\w\s+\-=.:/@]*")


def _check_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """AWS's rules for user metadata (SeaweedFS is laxer; we want dev to fail like production)."""
    checked: dict[str, str] = {}
    for name, value in metadata.items():
        name, value = str(name), str(value)
        if not (name.isascii() and value.isascii()):
            raise ValueError(f"S3 metadata must be ASCII (it travels as HTTP headers): {name}={value!r}; percent-encode it")
        checked[name] = value
    size = sum(len(k) + len(v) for k, v in checked.items())
    if size > MAX_METADATA_BYTES:
        raise ValueError(f"S3 metadata is {size} bytes, over the {MAX_METADATA_BYTES}-byte limit; store it in the object instead")
    return checked


def _check_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """AWS's rules for object tags: at most 10; key 1-128 and value 0-256 characters of letters,
    digits, spaces and ``+ - = . _ : / @``. SeaweedFS accepts more; production would not."""
    checked = {str(k): str(v) for k, v in tags.items()}
    if len(checked) > MAX_TAGS:
        raise ValueError(f"S3 allows at most {MAX_TAGS} tags per object, got {len(checked)}; keep the rest in metadata or the object")
    for key, value in checked.items():
        if not 1 <= len(key) <= 128 or len(value) > 256:
            raise ValueError(f"S3 tag {key[:40]!r}: key must be 1-128 and value at most 256 characters")
        if not (_TAG_TEXT.fullmatch(key) and _TAG_TEXT.fullmatch(value)):
            raise ValueError(f"S3 tag {key}={value!r}: only letters, digits, spaces and + - = . _ : / @ are allowed")
    return checked


def _stored(key: str, body: bytes, response: Mapping[str, Any]) -> StoredObject:
    return StoredObject(
        key=key,
        body=body,
        etag=str(response.get("ETag", "")),
        metadata=dict(response.get("Metadata") or {}),
        content_type=response.get("ContentType"),
        last_modified=response.get("LastModified"),
        content_encoding=response.get("ContentEncoding"),
        size=response.get("ContentLength"),
    )
