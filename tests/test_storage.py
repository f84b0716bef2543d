"""Storage against the real SeaweedFS server (fixtures in conftest): what every stage relies on."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import urllib.error
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipelines.storage import (
    AccessDenied,
    BucketNotFound,
    EndpointUnreachable,
    InvalidKey,
    ObjectNotFound,
    PreconditionFailed,
    S3Settings,
    Storage,
    StorageError,
)

pytestmark = pytest.mark.integration


# --------------------------------------------------------------------------- round trips


def test_bytes_round_trip_keeps_headers_metadata_and_tags(storage):
    etag = storage.put_bytes(
        "raw/site/2024/05/01/page.html.gz",
        b"\x1f\x8b compressed",
        content_type="text/html",
        content_encoding="gzip",
        metadata={"Source": "site", "run-id": "r1"},
        tags={"source": "site", "lang": "en"},
    )
    obj = storage.get("raw/site/2024/05/01/page.html.gz")
    assert obj.body == b"\x1f\x8b compressed"
    assert obj.etag == etag and etag.startswith('"')
    assert obj.content_type == "text/html"
    assert obj.content_encoding == "gzip"
    assert obj.metadata == {"source": "site", "run-id": "r1"}  # S3 lower-cases metadata names
    assert obj.last_modified is not None and obj.last_modified.tzinfo is not None
    assert storage.get_tags("raw/site/2024/05/01/page.html.gz") == {"source": "site", "lang": "en"}

    head = storage.head("raw/site/2024/05/01/page.html.gz")
    assert head is not None and head.body == b"" and head.etag == etag and head.size == len(obj.body)


def test_json_round_trip_is_utf8_with_iso_dates(storage):
    record = {"title": "Öffentliche Anhörung — 東京", "published": datetime(2024, 5, 1, 12, tzinfo=UTC), "tags": {"b", "a"}}
    storage.put_json("articles/x/2024/05/01/slug-abc.json", record)
    assert storage.get_json("articles/x/2024/05/01/slug-abc.json") == {
        "title": "Öffentliche Anhörung — 東京",
        "published": "2024-05-01T12:00:00+00:00",
        "tags": ["a", "b"],
    }
    obj = storage.get("articles/x/2024/05/01/slug-abc.json")
    assert obj.content_type == "application/json"
    assert "東京".encode() in obj.body  # stored readable, not \\u-escaped


def test_content_type_defaults_to_binary_like_aws(storage, tmp_path: Path):
    storage.put_bytes("raw/a.bin", b"\x00\x01")
    assert storage.get("raw/a.bin").content_type == "application/octet-stream"  # SeaweedFS alone says text/plain
    (tmp_path / "f").write_bytes(b"x")
    storage.upload_file("raw/f.bin", tmp_path / "f")
    assert storage.head("raw/f.bin").content_type == "application/octet-stream"


def test_missing_objects(storage):
    with pytest.raises(ObjectNotFound, match="no such object"):
        storage.get("nope/missing.json")
    with pytest.raises(ObjectNotFound):
        storage.get_json("nope/missing.json")
    assert storage.head("nope/missing.json") is None
    assert not storage.exists("nope/missing.json")


def test_delete_and_exists(storage):
    storage.put_bytes("state/a", b"1")
    assert storage.exists("state/a")
    storage.delete("state/a")
    assert not storage.exists("state/a")
    storage.delete("state/a")  # deleting a missing key is not an error


def test_ensure_bucket_is_idempotent(storage):
    storage.ensure_bucket()
    storage.ensure_bucket()
    storage.put_bytes("k", b"v")
    assert storage.get_bytes("k") == b"v"


# --------------------------------------------------------------------------- listing


def test_list_keys_pages_through_everything_under_a_prefix(s3_settings):
    storage = Storage(s3_settings, page_size=7)
    keys = [f"manifests/date=2024-05-01/run-{i:03d}.jsonl" for i in range(25)]
    for key in keys:
        storage.put_bytes(key, b"{}")
    storage.put_bytes("manifests/date=2024-05-02/other.jsonl", b"{}")
    storage.put_bytes("articles/x.json", b"{}")

    calls = []
    storage.client.meta.events.register("before-call.s3.ListObjectsV2", lambda **kw: calls.append(1))
    assert list(storage.list_keys("manifests/date=2024-05-01/")) == sorted(keys)
    assert len(calls) == 4  # 25 keys, 7 per page

    assert sorted(storage.list_keys()) == sorted([*keys, "manifests/date=2024-05-02/other.jsonl", "articles/x.json"])
    assert list(storage.list_keys("nothing/here/")) == []


def test_list_keys_with_a_few_hundred_keys(s3_settings):
    storage = Storage(s3_settings, page_size=100)
    keys = {f"_state/seen/{i:04d}" for i in range(260)}
    with ThreadPool(8) as pool:
        pool.map(lambda k: storage.put_bytes(k, b"x"), keys)
    assert set(storage.list_keys("_state/seen/")) == keys


class ThreadPool:
    """Tiny context-managed thread pool (concurrent.futures without the boilerplate)."""

    def __init__(self, n: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(n)

    def __enter__(self) -> ThreadPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown()

    def map(self, fn, items) -> list:
        return list(self._pool.map(fn, items))


# --------------------------------------------------------------------------- conditional writes


def test_if_none_match_creates_once(storage):
    storage.put_json("revisions/abc/h1.json", {"v": 1}, if_none_match=True)
    with pytest.raises(PreconditionFailed, match="revisions/abc/h1.json"):
        storage.put_json("revisions/abc/h1.json", {"v": 2}, if_none_match=True)
    assert storage.get_json("revisions/abc/h1.json") == {"v": 1}


def test_if_match_updates_only_the_version_read(storage):
    first = storage.put_json("_state/runs.json", {"runs": []})
    second = storage.put_json("_state/runs.json", {"runs": ["a"]}, if_match=first)
    assert second != first
    with pytest.raises(PreconditionFailed):
        storage.put_json("_state/runs.json", {"runs": ["b"]}, if_match=first)  # stale ETag
    assert storage.get_json("_state/runs.json") == {"runs": ["a"]}
    with pytest.raises(ValueError):
        storage.put_bytes("_state/runs.json", b"", if_match=second, if_none_match=True)


def test_update_json_creates_then_updates(storage):
    assert storage.update_json("_state/count.json", lambda cur: {"n": 1} if cur is None else cur) == {"n": 1}
    assert storage.update_json("_state/count.json", lambda cur: {"n": cur["n"] + 1}) == {"n": 2}
    assert storage.get_json("_state/count.json") == {"n": 2}


def test_update_json_loses_no_update_between_concurrent_writers(storage):
    per_writer = 12

    def add(writer: str, i: int):
        def fn(current):
            state = current or {"n": 0, "seen": []}
            return {"n": state["n"] + 1, "seen": [*state["seen"], f"{writer}{i}"]}

        return fn

    def writer(name: str) -> None:
        for i in range(per_writer):
            storage.update_json("_state/shared.json", add(name, i), attempts=100)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = storage.get_json("_state/shared.json")
    assert final["n"] == 2 * per_writer
    assert sorted(final["seen"]) == sorted(f"{w}{i}" for w in "ab" for i in range(per_writer))


def test_update_json_gives_up_with_precondition_failed(storage, monkeypatch):
    storage.put_json("_state/hot.json", {"n": 0})

    def fn(current):
        storage.put_json("_state/hot.json", {"n": current["n"] + 100})  # someone else always wins
        return {"n": current["n"] + 1}

    with pytest.raises(PreconditionFailed, match="after 3 attempts"):
        storage.update_json("_state/hot.json", fn, attempts=3, backoff=0.001)


# --------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "non-empty"),
        ("/articles/a.json", "start with '/'"),
        ("articles//a.json", "empty path segment"),
        ("articles/", "empty path segment"),
        ("articles/./a.json", "'.' segment"),
        ("articles/../_state/x", "'..' segment"),
        ("https://example.com/news/1", "raw URL"),
        ("articles/" + "x" * 256 + ".json", "longer than 255 bytes"),
        ("articles/" + "é" * 128, "longer than 255 bytes"),  # 256 bytes in UTF-8
        ("articles/a\nb", "control character"),
    ],
)
def test_invalid_keys_are_rejected_before_any_request(storage, key, reason):
    for op in (lambda: storage.put_bytes(key, b"x"), lambda: storage.get(key), lambda: storage.delete(key)):
        with pytest.raises(InvalidKey, match="invalid S3 key") as info:
            op()
        assert reason in str(info.value)
    assert list(storage.list_keys()) == []


def test_longest_and_non_ascii_keys_work(storage):
    key = "articles/" + "x" * 250 + ".json"  # a 255-byte segment
    storage.put_bytes(key, b"1")
    storage.put_bytes("articles/zürich-東京.json", b"2")
    assert storage.get_bytes(key) == b"1"
    assert storage.get_bytes("articles/zürich-東京.json") == b"2"


# --------------------------------------------------------------------------- errors a user sees


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_endpoint_says_what_to_do():
    port = _closed_port()
    settings = S3Settings(f"http://127.0.0.1:{port}", "k", "s", bucket="newsarchive", max_attempts=2, connect_timeout=1)
    with pytest.raises(EndpointUnreachable) as info:
        Storage(settings).get("a/b")
    message = str(info.value)
    assert f"cannot reach S3 endpoint http://127.0.0.1:{port}" in message
    assert "newsarchive stack up" in message
    assert "\n" not in message


def test_wrong_secret_is_rejected_by_the_real_server(s3_settings, storage):
    storage.put_bytes("private.txt", b"secret")
    wrong = Storage(replace(s3_settings, secret_access_key="not-the-secret", max_attempts=1))
    with pytest.raises(AccessDenied, match="rejected the credentials"):
        wrong.get("private.txt")
    with pytest.raises(AccessDenied):
        wrong.put_bytes("intruder.txt", b"x")
    unknown = Storage(replace(s3_settings, access_key_id="NOBODY", max_attempts=1))
    with pytest.raises(AccessDenied, match="InvalidAccessKeyId"):
        list(unknown.list_keys())
    assert not storage.exists("intruder.txt")


def test_anonymous_requests_are_refused(s3_settings, storage):
    storage.put_bytes("private.txt", b"secret")
    base = f"{s3_settings.endpoint_url}/{s3_settings.bucket}"
    for request in (
        urllib.request.Request(f"{base}/private.txt"),
        urllib.request.Request(f"{base}/anon.txt", data=b"x", method="PUT"),
        urllib.request.Request(f"{s3_settings.endpoint_url}/"),
    ):
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=5)
        assert info.value.code == 403
    assert not storage.exists("anon.txt")


def test_missing_bucket_is_named(s3_settings):
    storage = Storage(replace(s3_settings, bucket="no-such-bucket-here"))
    with pytest.raises(BucketNotFound, match="bucket 'no-such-bucket-here' does not exist"):
        storage.put_bytes("a", b"x")


def test_non_ascii_metadata_is_refused_clearly(storage):
    with pytest.raises(ValueError, match="ASCII"):
        storage.put_bytes("a", b"x", metadata={"title": "Zürich"})


# --------------------------------------------------------------------------- retries


class _FlakyProxy(BaseHTTPRequestHandler):
    """Answers the first ``server.failures`` requests with 503 SlowDown, then proxies to S3."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests += 1  # type: ignore[attr-defined]
        if self.server.failures > 0:  # type: ignore[attr-defined]
            self.server.failures -= 1  # type: ignore[attr-defined]
            payload = b"<?xml version='1.0'?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        host, port = self.server.upstream  # type: ignore[attr-defined]
        conn = http.client.HTTPConnection(host, port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
        conn.request(self.command, self.path, body=body or None, headers=headers)  # Host kept: SigV4 signs it
        response = conn.getresponse()
        data = response.read()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _handle


@pytest.fixture
def flaky_proxy(s3_server):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyProxy)
    server.daemon_threads = True
    server.requests = 0
    server.failures = 0
    server.upstream = ("127.0.0.1", s3_server.ports.s3)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_transient_503_bursts_are_retried_with_backoff(s3_settings, storage, flaky_proxy):
    storage.put_bytes("k.txt", b"v")
    via_proxy = Storage(replace(s3_settings, endpoint_url=f"http://127.0.0.1:{flaky_proxy.server_port}", max_attempts=4))
    flaky_proxy.failures = 2
    assert via_proxy.get_bytes("k.txt") == b"v"
    assert flaky_proxy.requests == 3
    flaky_proxy.failures = 2
    via_proxy.put_bytes("k2.txt", b"w")
    assert storage.get_bytes("k2.txt") == b"w"


def test_persistent_503_fails_after_max_attempts(s3_settings, flaky_proxy):
    via_proxy = Storage(replace(s3_settings, endpoint_url=f"http://127.0.0.1:{flaky_proxy.server_port}", max_attempts=3))
    flaky_proxy.failures = 100
    with pytest.raises(StorageError, match="503 SlowDown after 3 attempts"):
        via_proxy.get("k.txt")
    assert flaky_proxy.requests == 3


# --------------------------------------------------------------------------- files


def test_upload_and_download_file(storage, tmp_path: Path):
    source = tmp_path / "run.warc.gz"
    source.write_bytes(bytes(range(256)) * 20_000)  # ~5 MB
    storage.upload_file("raw/site/2024/05/01/run.warc.gz", source, content_type="application/warc", metadata={"run": "r1"})
    head = storage.head("raw/site/2024/05/01/run.warc.gz")
    assert head is not None and head.size == source.stat().st_size and head.metadata == {"run": "r1"}

    target = tmp_path / "copy.warc.gz"
    storage.download_file("raw/site/2024/05/01/run.warc.gz", target)
    assert target.read_bytes() == source.read_bytes()

    with pytest.raises(ObjectNotFound):
        storage.download_file("raw/missing.warc.gz", tmp_path / "missing.warc.gz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.warc.gz", "run.warc.gz"]  # no partial file


def test_upload_to_missing_bucket_is_named(s3_settings, tmp_path: Path):
    source = tmp_path / "f"
    source.write_bytes(b"x")
    with pytest.raises(BucketNotFound):
        Storage(replace(s3_settings, bucket="no-such-bucket-here")).upload_file("f", source)


# --------------------------------------------------------------------------- settings


def test_settings_from_env_and_back():
    env = {
        "NEWSARCHIVE_S3_ENDPOINT": "http://127.0.0.1:9000",
        "NEWSARCHIVE_S3_BUCKET": "news",
        "AWS_ACCESS_KEY_ID": "AK",
        "AWS_SECRET_ACCESS_KEY": "SK",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "NEWSARCHIVE_S3_RETRY_MODE": "adaptive",
        "NEWSARCHIVE_S3_MAX_ATTEMPTS": "8",
    }
    settings = S3Settings.from_env(env)
    assert (settings.retry_mode, settings.max_attempts) == ("adaptive", 8)
    assert (settings.endpoint_url, settings.bucket, settings.access_key_id, settings.region) == (
        "http://127.0.0.1:9000",
        "news",
        "AK",
        "eu-west-1",
    )
    assert S3Settings.from_env(settings.to_env()) == settings
    assert "SK" not in repr(settings)
    with pytest.raises(StorageError, match="NEWSARCHIVE_S3_RETRY_MODE='fast'"):
        S3Settings.from_env({**env, "NEWSARCHIVE_S3_RETRY_MODE": "fast"})
    with pytest.raises(StorageError, match="NEWSARCHIVE_S3_MAX_ATTEMPTS='0' must be at least 1"):
        S3Settings.from_env({**env, "NEWSARCHIVE_S3_MAX_ATTEMPTS": "0"})


def test_settings_fall_back_to_the_local_stack_state(tmp_path: Path):
    state = {
        "endpoint_url": "http://127.0.0.1:18333",
        "access_key_id": "NAKEY",
        "secret_access_key": "secret",
        "bucket": "newsarchive",
    }
    (tmp_path / "stack.json").write_text(json.dumps(state))
    settings = S3Settings.from_env({"NEWSARCHIVE_HOME": str(tmp_path)})
    assert (settings.endpoint_url, settings.access_key_id, settings.bucket) == ("http://127.0.0.1:18333", "NAKEY", "newsarchive")
    assert S3Settings.from_env({}, home=tmp_path).endpoint_url == "http://127.0.0.1:18333"
    # explicit configuration wins over the local stack
    assert S3Settings.from_env({"NEWSARCHIVE_HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": "x"}).endpoint_url is None
    # no stack, no env: AWS with boto3's default credential chain
    empty = S3Settings.from_env({"NEWSARCHIVE_HOME": str(tmp_path / "none")})
    assert (empty.endpoint_url, empty.access_key_id, empty.bucket) == (None, None, "newsarchive")


def test_settings_from_airflow_connection_parts():
    settings = S3Settings.from_connection_extras(
        "AK", "SK", {"endpoint_url": "http://127.0.0.1:18333", "region_name": "eu-central-1", "bucket": "news"}
    )
    assert settings == S3Settings("http://127.0.0.1:18333", "AK", "SK", region="eu-central-1", bucket="news")
    nested = S3Settings.from_connection_extras(None, None, {"service_config": {"s3": {"endpoint_url": "http://127.0.0.1:1"}}})
    assert nested.endpoint_url == "http://127.0.0.1:1" and nested.access_key_id is None


def test_settings_travel_to_a_subprocess(s3_settings, storage):
    """The crawl runs `scrapy crawl` in a subprocess: to_env() must be enough to reach the same bucket."""
    import subprocess
    import sys

    script = (
        "from pipelines.storage import S3Settings, Storage;"
        "Storage(S3Settings.from_env()).put_json('staging/r1/summary.json', {'ok': True})"
    )
    env = {"PATH": "/usr/bin:/bin", "NEWSARCHIVE_HOME": "/nonexistent", **s3_settings.to_env()}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=Path(__file__).parents[1], timeout=60)
    assert storage.get_json("staging/r1/summary.json") == {"ok": True}


def test_articles_are_stored_as_their_public_json(storage):
    from pipelines.models import Article

    article = Article(url="https://example.org/a", title="T", published=datetime(2024, 5, 1, 8, tzinfo=UTC), tags=["x"])
    storage.put_json("articles/ex/2024/05/01/t-abc.json", article)
    doc = storage.get_json("articles/ex/2024/05/01/t-abc.json")
    assert doc["url"] == "https://example.org/a" and doc["published"] == "2024-05-01T08:00:00Z" and doc["tags"] == ["x"]


def test_a_broken_stack_state_file_is_reported(tmp_path: Path):
    (tmp_path / "stack.json").write_text("{not json")
    with pytest.raises(StorageError, match=r"cannot read the local stack state .*stack\.json.*stack up"):
        S3Settings.from_env({"NEWSARCHIVE_HOME": str(tmp_path)})


def test_local_endpoints_bypass_environment_proxies(storage, monkeypatch):
    """An HTTP_PROXY in the environment must not capture traffic to the local stack."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # discard port: would fail if used
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    fresh = Storage(storage.settings)
    fresh.put_bytes("via/direct", b"1")
    assert fresh.get_bytes("via/direct") == b"1"


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({f"k{i}": "v" for i in range(11)}, "at most 10 tags"),
        ({"topic": "x" * 257}, "at most 256"),
        ({"k" * 129: "v"}, "1-128"),
        ({"a&b": "c"}, "only letters"),
    ],
)
def test_tags_follow_aws_rules_even_where_seaweedfs_is_laxer(storage, tags, message):
    with pytest.raises(ValueError, match=message):
        storage.put_bytes("a.json", b"{}", tags=tags)
    assert not storage.exists("a.json")


def test_unicode_tags_and_ten_of_them_are_fine(storage):
    tags = {"lang": "日本語", "topic": "politics/eu", **{f"k{i}": "v" for i in range(8)}}
    storage.put_bytes("a.json", b"{}", tags=tags)
    assert storage.get_tags("a.json") == tags


def test_metadata_over_2kb_is_refused(storage):
    with pytest.raises(ValueError, match="2048-byte limit"):
        storage.put_bytes("a.json", b"{}", metadata={"big": "x" * 2100})
