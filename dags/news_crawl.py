"""news_crawl: crawl the news sources that are due and stage the run in the bucket.

Hourly (catchup off, one run at a time). Each run plans the sources that are due (a source's own
``schedule`` in sources.yaml is honoured; a source without one is crawled every hour), then crawls
each in its own mapped task (``python -m spiders.run`` in a subprocess, in the ``news_crawl`` pool),
and finally emits a :data:`STAGED_RUNS` Asset event whose extra names the staged run, which
schedules ``news_process``.

Manual runs take params (UI form, or ``airflow dags trigger news_crawl --conf '{"sources": ["x"],
"max_pages": 50}'``): ``sources`` (ids; empty: every enabled source, schedules ignored),
``max_pages`` (per source) and ``force`` (refetch known articles).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Param, dag, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from _common import (
    CRAWL_POOL, CRAWL_SCHEDULE, DAG_DEFAULTS, STAGED_RUNS, id_list_param, on_loopback, sources, sources_file,
)

PARAMS = {
    "sources": id_list_param(
        "Sources",
        "Source ids from sources.yaml. Empty: every enabled source that is due (a manual run crawls every "
        "enabled source).",
    ),
    "max_pages": Param(
        None,
        type=["null", "integer"],
        minimum=1,
        title="Max pages",
        description="Stop each source after this many pages (empty: the source's own limits).",
    ),
    "force": Param(
        False,
        type="boolean",
        title="Force",
        description="Refetch articles already archived (ignore the seen-URL state).",
    ),
}


def run_id_for(dag_run_id: str, run_after: datetime) -> str:
    """The staging run id of one DAG run: sortable, and the same for every try of its tasks."""
    digest = hashlib.sha256(dag_run_id.encode()).hexdigest()[:6]
    return f"{run_after:%Y%m%dT%H%M%SZ}-{digest}"


def previous_tick(schedule: str, run_after: datetime) -> datetime:
    """The tick of ``schedule`` before ``run_after``: a scheduled run covers ``(previous tick, run_after]``."""
    from croniter import croniter

    return croniter(schedule, run_after).get_prev(datetime)


@dag(
    dag_id="news_crawl",
    schedule=CRAWL_SCHEDULE,
    params=PARAMS,
    doc_md=__doc__,
    **DAG_DEFAULTS,
)
def news_crawl() -> None:
    @task(retries=0)
    def plan(params: dict[str, Any], dag_run: Any = None) -> list[dict[str, Any]]:
        """Validate the params and list the crawls of this run (one per due source)."""
        errors = []
        wanted = params.get("sources") or []
        if not isinstance(wanted, list) or not all(isinstance(s, str) for s in wanted):
            errors.append(f"'sources' must be a list of source ids, got {wanted!r}")
        max_pages = params.get("max_pages")
        if max_pages is not None and (isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1):
            errors.append(f"'max_pages' must be a whole number of at least 1 (or empty), got {max_pages!r}")
        if errors:
            raise AirflowFailException("news_crawl params: " + "; ".join(errors))
        try:
            config = sources()
            selected = config.select(list(wanted))
        except ValueError as exc:  # SourcesError: one line naming the file, the source and the field
            raise AirflowFailException(f"news_crawl params: {exc}") from None
        if not wanted and dag_run.run_type == "scheduled" and CRAWL_SCHEDULE:
            since = previous_tick(CRAWL_SCHEDULE, dag_run.run_after)
            selected = [s for s in selected if s.is_due(since, dag_run.run_after)]
        run_id = run_id_for(dag_run.run_id, dag_run.run_after)
        path = sources_file()
        return [
            {
                "sources_file": path,
                "source": source.id,
                "run_id": run_id,
                "max_pages": max_pages,
                "force": bool(params.get("force")),
                "allow_loopback": on_loopback(source),
            }
            for source in selected
        ]

    @task(pool=CRAWL_POOL, execution_timeout=timedelta(hours=2), map_index_template="{{ source_id }}")
    def crawl(crawl: dict[str, Any], ti: Any = None) -> dict[str, Any]:
        """Crawl one source into the run's staging prefix (a subprocess; the Twisted reactor cannot restart).

        A retry refetches the source's articles (``force``): the killed try may have recorded some as
        seen, and the retry's staged records replace that try's, so none is lost."""
        from airflow.sdk import get_current_context

        from _common import s3_settings
        from pipelines.jobs.crawl import run_crawl

        get_current_context()["source_id"] = crawl["source"]  # names the mapped task in the UI
        retry = ti is not None and ti.try_number > 1
        summary = run_crawl(
            crawl["sources_file"],
            [crawl["source"]],
            run_id=crawl["run_id"],
            max_pages=crawl["max_pages"],
            allow_loopback=crawl["allow_loopback"],
            force=crawl["force"] or retry,
            env=s3_settings().to_env(),
        )
        outcomes = (summary.get("sources") or {}).get(crawl["source"], {}).get("outcomes", {})
        return {"run_id": summary["run_id"], "source": crawl["source"], "outcomes": {k: v for k, v in outcomes.items() if "/" not in k}}

    @task(outlets=[STAGED_RUNS], retries=0, trigger_rule="all_done")
    def publish(crawled: list[dict[str, Any]], outlet_events: Any = None) -> dict[str, Any]:
        """Emit the Asset event that schedules ``news_process`` for the sources that were staged
        (none when nothing was due); a source whose crawl failed still fails the DAG run (``report``)."""
        crawled = [c for c in (crawled or []) if c]
        if not crawled:
            raise AirflowSkipException("no source was due: nothing staged")
        extra = {"run_id": crawled[0]["run_id"], "sources": sorted(c["source"] for c in crawled)}
        outlet_events[STAGED_RUNS].extra = extra
        return extra

    @task(retries=0)
    def report(crawled: list[dict[str, Any]]) -> None:
        """One line per source; runs only when every crawl succeeded, so a failed one fails the DAG run
        (``publish`` above runs in any case, for the sources that were staged)."""
        for c in crawled:
            print(f"{c['source']}: " + ", ".join(f"{k}={v}" for k, v in sorted(c["outcomes"].items())))

    crawled = crawl.expand(crawl=plan())
    publish(crawled)
    report(crawled)


news_crawl()
