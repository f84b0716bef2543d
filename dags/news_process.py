"""news_process: clean -> dedup -> tag -> archive the staged crawl runs (with their raw WARC, manifest and
browse pages: ``pipelines.jobs.process.process_run`` does all of it).

Scheduled on the staged-runs Asset that ``news_crawl`` updates: it processes the runs named by the
triggering events. A manual run processes the ``run_ids`` param, or else every complete staged run
that has not been processed yet. One DAG run at a time, and the processing task holds the one slot
of the ``newsarchive_state`` pool (shared with the dedup compaction of ``news_maintenance``), so the
near-duplicate state has one writer. Idempotent: processing a run again changes nothing.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import dag, task
from airflow.sdk.exceptions import AirflowSkipException

from _common import DAG_DEFAULTS, STAGED_RUNS, STATE_POOL, id_list_param, storage

PARAMS = {
    "run_ids": id_list_param(
        "Staged runs",
        "Run ids under staging/ to process. Empty: the runs of the triggering events, or every staged run "
        "not processed yet.",
    ),
}


@dag(
    dag_id="news_process",
    schedule=[STAGED_RUNS],
    params=PARAMS,
    doc_md=__doc__,
    **DAG_DEFAULTS,
)
def news_process() -> None:
    @task(retries=0)
    def runs_to_process(params: dict[str, Any], triggering_asset_events: Any = None) -> list[str]:
        """The run ids of this DAG run: from the Asset events, the params, or every unprocessed run."""
        from pipelines.jobs.process import unprocessed_runs

        events = triggering_asset_events[STAGED_RUNS] if triggering_asset_events else []
        named = [event.extra["run_id"] for event in events if (event.extra or {}).get("run_id")]
        run_ids = list(dict.fromkeys(named or params.get("run_ids") or unprocessed_runs(storage())))
        if not run_ids:
            raise AirflowSkipException("no staged run to process")
        return run_ids

    @task(pool=STATE_POOL)
    def process(run_ids: list[str]) -> list[dict[str, Any]]:
        """Process the runs one after another (each reads and updates the shared dedup state, moves the
        run's WARC under raw/, writes its manifest and rebuilds the browse pages it touched)."""
        from _common import sources
        from pipelines.jobs.process import process_run

        bucket, config = storage(), sources()
        reports = []
        for run_id in run_ids:
            report = process_run(bucket, run_id, config)
            print(report)
            reports.append({k: v for k, v in report.to_dict().items() if k != "failures"})
        return reports

    process(runs_to_process())


news_process()
