"""news_maintenance: daily upkeep of the archive.

- ``compact_dedup``: rewrite the near-duplicate state as one segment (in the ``newsarchive_state``
  pool, so never while ``news_process`` writes it);
- ``cleanup_staging``: delete staged runs that are processed and whose raw WARC is archived;
- ``rebuild_browse``: rebuild every browse page;
- ``check_integrity``: every manifest row has its object and every latest article is in a manifest;
  fails, naming what is missing, when not.
"""

from __future__ import annotations

from airflow.sdk import dag, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from _common import DAG_DEFAULTS, STATE_POOL, storage


@dag(
    dag_id="news_maintenance",
    schedule="@daily",
    doc_md=__doc__,
    **DAG_DEFAULTS,
)
def news_maintenance() -> None:
    @task(pool=STATE_POOL)
    def compact_dedup() -> str | None:
        from pipelines.jobs.maintenance import compact_dedup as compact

        return compact(storage())

    @task
    def cleanup_staging() -> dict[str, object]:
        from pipelines.jobs.maintenance import cleanup_staging as cleanup

        report = cleanup(storage())
        print(report)
        return {"deleted_runs": report.deleted_runs, "kept": report.kept}

    @task
    def rebuild_browse() -> None:
        try:
            from pipelines.archive.browse import rebuild_browse as rebuild
        except ImportError:
            raise AirflowSkipException("browse pages are not built by this version of newsarchive") from None
        rebuild(storage())

    @task(retries=0, trigger_rule="all_done")
    def check_integrity() -> dict[str, int]:
        from pipelines.jobs.maintenance import IntegrityError, check_integrity as check

        try:
            report = check(storage())
        except IntegrityError as exc:
            raise AirflowFailException(str(exc)) from None
        return {"manifest_rows": report.manifest_rows, "articles": report.articles}

    [compact_dedup(), cleanup_staging(), rebuild_browse()] >> check_integrity()


news_maintenance()
