"""The production files under infra/deploy/ are valid and complete: the YAML parses, every image tag is
pinned, the keys a deployment needs are set, and no secret is written in them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "infra" / "deploy"
PINNED = re.compile(r"^[\w./-]+:(?!latest$)[\w.-]*\d[\w.-]*$")  # name:tag with a version in the tag


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def helm() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "helm-values.yaml").read_text(encoding="utf-8"))


def _airflow_version_of_dockerfile() -> str:
    (line,) = [l for l in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines() if l.startswith("FROM ")]
    image = line.split()[1]
    assert PINNED.match(image), image
    repository, tag = image.split(":")
    assert repository == "apache/airflow"
    return tag.split("-")[0]


def test_compose_runs_celery_workers_on_postgres_redis_and_an_s3_server(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "s3", "airflow-init", "airflow-apiserver", "airflow-scheduler",
            "airflow-dag-processor", "airflow-triggerer", "airflow-worker"} <= set(services)
    for name, service in services.items():
        assert PINNED.match(service["image"]), f"{name}: image {service['image']!r} is not pinned"
    worker = services["airflow-worker"]
    assert worker["command"] == "celery worker"
    env = worker["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert '"conn_type": "aws"' in env["AIRFLOW_CONN_NEWSARCHIVE_S3"] and "endpoint_url" in env["AIRFLOW_CONN_NEWSARCHIVE_S3"]
    assert env["AIRFLOW_VAR_NEWSARCHIVE_SOURCES"]
    assert "../../dags:/opt/airflow/dags:ro" in worker["volumes"]
    # the image is the official Airflow image of the version the Dockerfile pins
    assert services["airflow-scheduler"]["image"].split(":")[1].startswith(_airflow_version_of_dockerfile())
    init = " ".join(services["airflow-init"]["command"])
    assert "db migrate" in init and "pools set news_crawl" in init and "pools set newsarchive_state" in init
    for service in services.values():  # published ports only on loopback
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), port


def test_helm_values_use_kubernetes_executor_git_sync_and_the_connection_secret(helm: dict[str, Any]) -> None:
    assert helm["executor"] == "KubernetesExecutor"
    assert helm["airflowVersion"] == _airflow_version_of_dockerfile()
    assert helm["defaultAirflowTag"].startswith(helm["airflowVersion"])
    sync = helm["dags"]["gitSync"]
    assert sync["enabled"] is True and sync["repo"].startswith("https://") and sync["subPath"] == "dags"
    assert {"envName": "AIRFLOW_CONN_NEWSARCHIVE_S3", "secretName": "newsarchive-s3-connection",
            "secretKey": "AIRFLOW_CONN_NEWSARCHIVE_S3"} in helm["secret"]
    assert any(e["name"] == "AIRFLOW_VAR_NEWSARCHIVE_SOURCES" for e in helm["env"])
    for name, image in helm["images"].items():
        assert PINNED.match(f"{image['repository']}:{image['tag']}"), name


# a value given to a password/secret/key setting that is not a ${VARIABLE} reference or a secret's name
SECRET_LIKE = re.compile(
    r"(?i)(password|secret_access_key|jwt_secret|fernet_key|requirepass)[\w\"']*[ \t]*[:=][ \t]*[\"']?(?![\"'$]|\s)\S{6,}"
)


@pytest.mark.parametrize("name", ["docker-compose.yaml", "helm-values.yaml", ".env.example", "Dockerfile"])
def test_no_secret_is_written_in_the_deployment_files(name: str) -> None:
    text = (DEPLOY / name).read_text(encoding="utf-8")
    assert not SECRET_LIKE.search(text), SECRET_LIKE.search(text)
