"""Where the bucket is: S3 endpoint, credentials and retries from the environment, an Airflow
connection or the local stack's state file."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


from pipelines.home import stack_state_path

log = logging.getLogger(__name__)

from pipelines.storage.errors import StorageError

ENDPOINT_ENV = "NEWSARCHIVE_S3_ENDPOINT"
BUCKET_ENV = "NEWSARCHIVE_S3_BUCKET"
MAX_ATTEMPTS_ENV = "NEWSARCHIVE_S3_MAX_ATTEMPTS"
RETRY_MODE_ENV = "NEWSARCHIVE_S3_RETRY_MODE"
RETRY_MODES = ("standard", "adaptive", "legacy")
DEFAULT_BUCKET = "newsarchive"
DEFAULT_REGION = "us-east-1"
LOCAL_STACK_HINT = "(is `newsarchive stack up` running?)"


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class S3Settings:
    """Where the archive lives and how to reach it.

    ``endpoint_url=None`` means AWS itself; ``access_key_id=None`` means boto3's default credential
    chain (profile, instance role, ...). The secret is kept out of ``repr``.
    """

    endpoint_url: str | None
    access_key_id: str | None
    secret_access_key: str | None = field(default=None, repr=False)
    region: str = DEFAULT_REGION
    bucket: str = DEFAULT_BUCKET
    max_attempts: int = 5
    retry_mode: str = "standard"
    connect_timeout: float = 5.0
    read_timeout: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, home: Path | None = None) -> S3Settings:
        """Build settings from environment variables, falling back to the local stack.

        Reads ``NEWSARCHIVE_S3_ENDPOINT`` (or boto3's ``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL``),
        ``NEWSARCHIVE_S3_BUCKET``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
        ``AWS_DEFAULT_REGION`` (or ``AWS_REGION``), ``NEWSARCHIVE_S3_MAX_ATTEMPTS`` and
        ``NEWSARCHIVE_S3_RETRY_MODE`` (botocore's ``standard``, ``adaptive`` or ``legacy``). When neither
        an endpoint nor an access key is set, the state file written by ``newsarchive stack up``
        (``$NEWSARCHIVE_HOME/stack.json``; by default the nearest ``.newsarchive`` at or above the
        current directory, see :func:`pipelines.home.newsarchive_home`) supplies endpoint,
        credentials and bucket, so ``newsarchive crawl`` just works after ``newsarchive stack up``.
        """
        env = os.environ if env is None else env
        endpoint = env.get(ENDPOINT_ENV) or env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
        key_id = env.get("AWS_ACCESS_KEY_ID") or None
        secret = env.get("AWS_SECRET_ACCESS_KEY") or None
        region = env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or DEFAULT_REGION
        bucket = env.get(BUCKET_ENV) or None
        max_attempts = _int_env(env, MAX_ATTEMPTS_ENV, 5)
        retry_mode = env.get(RETRY_MODE_ENV) or "standard"
        if retry_mode not in RETRY_MODES:
            raise StorageError(f"{RETRY_MODE_ENV}={retry_mode!r}: use one of {', '.join(RETRY_MODES)}")
        if endpoint is None and key_id is None:
            state = _read_stack_state(stack_state_path(home, env))
            if state is not None:
                log.debug("using the local stack at %s", state.get("endpoint_url"))
                return cls(
                    endpoint_url=state["endpoint_url"],
                    access_key_id=state["access_key_id"],
                    secret_access_key=state["secret_access_key"],
                    region=state.get("region") or region,
                    bucket=bucket or state.get("bucket") or DEFAULT_BUCKET,
                    max_attempts=max_attempts,
                    retry_mode=retry_mode,
                )
        return cls(
            endpoint_url=endpoint,
            access_key_id=key_id,
            secret_access_key=secret,
            region=region,
            bucket=bucket or DEFAULT_BUCKET,
            max_attempts=max_attempts,
            retry_mode=retry_mode,
        )

    @classmethod
    def from_connection_extras(
        cls, login: str | None, password: str | None, extras: Mapping[str, Any] | None
    ) -> S3Settings:
        """Build settings from the parts of an Airflow ``aws`` connection (resolved by the DAG layer).

        ``login``/``password`` are the access key and secret (``aws_access_key_id`` and
        ``aws_secret_access_key`` in extras also work). Extras understood: ``endpoint_url`` (or
        ``service_config.s3.endpoint_url``), ``region_name``, ``bucket`` (or ``bucket_name``),
        ``max_attempts``.
        """
        extras = dict(extras or {})
        s3_conf = (extras.get("service_config") or {}).get("s3") or {}
        endpoint = s3_conf.get("endpoint_url") or extras.get("endpoint_url") or None
        return cls(
            endpoint_url=endpoint,
            access_key_id=login or extras.get("aws_access_key_id") or None,
            secret_access_key=password or extras.get("aws_secret_access_key") or None,
            region=extras.get("region_name") or extras.get("region") or DEFAULT_REGION,
            bucket=extras.get("bucket") or extras.get("bucket_name") or DEFAULT_BUCKET,
            max_attempts=int(extras.get("max_attempts") or 5),
        )

    def to_env(self) -> dict[str, str]:
        """Return environment variables that make :meth:`from_env` rebuild these settings (for subprocesses)."""
        env = {
            BUCKET_ENV: self.bucket,
            "AWS_DEFAULT_REGION": self.region,
            MAX_ATTEMPTS_ENV: str(self.max_attempts),
            RETRY_MODE_ENV: self.retry_mode,
        }
        if self.endpoint_url:
            env[ENDPOINT_ENV] = self.endpoint_url
        if self.access_key_id:
            env["AWS_ACCESS_KEY_ID"] = self.access_key_id
        if self.secret_access_key:
            env["AWS_SECRET_ACCESS_KEY"] = self.secret_access_key
        return env

    @property
    def where(self) -> str:
        """A short human description of the target, for messages: ``s3://bucket at endpoint``."""
        return f"s3://{self.bucket} at {self.endpoint_url or 'AWS'}"


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise StorageError(f"{name}={raw!r} is not an integer") from None
    if value < 1:
        raise StorageError(f"{name}={raw!r} must be at least 1")
    return value


def _read_stack_state(path: Path) -> dict[str, Any] | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StorageError(f"cannot read the local stack state {path}: {exc} (run `newsarchive stack up` again)") from exc
    if not all(state.get(k) for k in ("endpoint_url", "access_key_id", "secret_access_key")):
        raise StorageError(f"local stack state {path} lacks endpoint or credentials (run `newsarchive stack up` again)")
    return state


def is_loopback_url(url: str | None) -> bool:
    """Whether ``url`` points at this machine (``localhost`` or a loopback address)."""
    if not url:
        return False
    return is_loopback_host(urlsplit(url).hostname or "")


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost`` or a loopback address literal."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
