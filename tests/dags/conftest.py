"""Fixtures of the DAG tests: a migrated SQLite Airflow home per session, and the environment that
points the DAGs at a test bucket and the demo site's sources."""

from __future__ import annotations

import pytest

pytest.importorskip("airflow", reason="the DAG tests need the airflow extra (pip install -e '.[airflow]')")


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory):
    """A SQLite Airflow home, migrated once for the session (pools created)."""
    from infra.airflow_local import airflow_env, migrate
    from pipelines.storage import S3Settings

    home = tmp_path_factory.mktemp("airflow-home")
    migrate(airflow_env(home, S3Settings(endpoint_url=None, access_key_id=None), home / "none.yaml"))
    return home


@pytest.fixture
def demo_sources(demo_site, tmp_path):
    """The demo site's sources.yaml (trap site disabled)."""
    return demo_site.write_sources(tmp_path / "sources.yaml")


@pytest.fixture
def dag_env(airflow_home, s3_settings, demo_sources):
    """The environment of a ``dag.test()`` child: the test's bucket as the newsarchive_s3 connection,
    the demo sources as the newsarchive_sources Variable."""
    from infra.airflow_local import airflow_env

    return airflow_env(airflow_home, s3_settings, demo_sources)
