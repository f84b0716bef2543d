"""What the three newsarchive DAGs share: the Airflow side of configuration and the staged-runs Asset.

Airflow-specific wiring only (Connection, Variable, Asset); everything else is a library job. Imported
as ``from _common import …``: Airflow puts the DAG folder (or the DAG bundle) on ``sys.path``.
Nothing here touches the network at import time.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from airflow.sdk import Asset, Param

if TYPE_CHECKING:
    from pipelines.config import Source, SourcesConfig
    from pipelines.storage import S3Settings, Storage

# The library (pydantic, boto3, …) is imported inside the functions, when a task runs: parsing the
# DAG folder stays fast and needs nothing but Airflow.

#: The Airflow connection with the bucket's endpoint and credentials (type ``aws``, ``endpoint_url``
#: and ``bucket`` in extra); without it, the environment (``NEWSARCHIVE_S3_*``, ``AWS_*``) is used.
S3_CONN_ID = os.environ.get("NEWSARCHIVE_S3_CONN_ID", "newsarchive_s3")
#: The Airflow Variable holding the path of ``sources.yaml``; without it, ``$NEWSARCHIVE_SOURCES``.
SOURCES_VARIABLE = "newsarchive_sources"
#: Pools: concurrent crawls, and one writer of the shared dedup state at a time.
CRAWL_POOL = "news_crawl"
STATE_POOL = "newsarchive_state"

#: A crawl run staged in the bucket; the event's extra names it: ``{"run_id": …, "sources": […]}``.
STAGED_RUNS = Asset(name="newsarchive_staged_runs", uri="newsarchive://staging")

#: news_crawl's schedule (cron or preset; "none": manual runs only); sources with a ``schedule`` of
#: their own are crawled in the runs where it ticked.
CRAWL_SCHEDULE = os.environ.get("NEWSARCHIVE_CRAWL_SCHEDULE", "@hourly")
if CRAWL_SCHEDULE.strip().lower() in ("", "none"):
    CRAWL_SCHEDULE = None

START_DATE = datetime(2026, 1, 1)
#: First retry after this many seconds, then doubling (x2) up to 10 minutes.
RETRY_DELAY = timedelta(seconds=float(os.environ.get("NEWSARCHIVE_RETRY_DELAY_SECONDS") or 30))
DEFAULT_ARGS = {
    "owner": "newsarchive",
    "retries": 2,
    "retry_delay": RETRY_DELAY,
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
}
#: What every newsarchive DAG shares: no catchup (a crawl sees the web as it is now), one run at a time.
DAG_DEFAULTS = {
    "start_date": START_DATE,
    "catchup": False,
    "max_active_runs": 1,
    "default_args": DEFAULT_ARGS,
    "tags": ["newsarchive"],
}


def id_list_param(title: str, description: str) -> Param:
    """A manual-run param that is a list of ids (a list field in the trigger form; empty by default)."""
    return Param([], type="array", items={"type": "string"}, title=title, description=description)


def s3_settings() -> S3Settings:
    """The bucket settings: the ``newsarchive_s3`` connection if it exists, else the environment."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    from pipelines.storage import S3Settings

    try:
        conn = Connection.get(S3_CONN_ID)
    except AirflowNotFoundException:
        return S3Settings.from_env()
    return S3Settings.from_connection_extras(conn.login, conn.password, conn.extra_dejson)


def storage() -> Storage:
    """The archive's storage, built from :func:`s3_settings`."""
    from pipelines.storage import Storage

    return Storage(s3_settings())


def sources_file() -> str:
    """The path of ``sources.yaml``: the ``newsarchive_sources`` Variable, else ``$NEWSARCHIVE_SOURCES``."""
    from airflow.sdk import Variable

    from pipelines.config import SOURCES_ENV

    path = Variable.get(SOURCES_VARIABLE, default=None) or os.environ.get(SOURCES_ENV)
    if not path:
        raise ValueError(f"no sources file: set the Airflow Variable {SOURCES_VARIABLE!r} or ${SOURCES_ENV}")
    return path


def sources() -> SourcesConfig:
    """The validated sources (one-line error naming the file, the source and the field)."""
    from pipelines.config import load_sources

    return load_sources(sources_file())


def on_loopback(source: Source) -> bool:
    """Whether every entry URL of ``source`` is on this machine (the demo and test sites): only such a
    source is crawled with ``--allow-loopback``; any other keeps the private-address guard."""
    from pipelines.storage import is_loopback_url

    return all(is_loopback_url(url) for url in [*source.start_urls, *source.feeds, *source.sitemaps])
