"""Near-duplicate development set built from real dev-corpus texts, and its scoring.

    .venv/bin/python bench/dedup_devset.py [--seed 7] [--dump FILE]

Sources (read in place from ``../shared/corpora/``, nothing downloaded; the extracted texts are cached
under ``$NEWSARCHIVE_BENCH_CACHE`` or ``~/.cache/newsarchive-bench``, never committed):

* articles: the gold texts of CleanPortalEval (71 news pages) and the main text of the 884
  trafilatura-eval pages extracted with plain ``trafilatura.extract`` (comments off); texts of at
  least 150 words, and only one of any two texts sharing a paragraph of 30+ words or two paragraphs
  (judged on the texts alone, not by the code under test);
* boilerplate: real blocks of the same pages: ``<footer>`` elements and elements whose class or id
  names a footer, newsletter, cookie notice, subscription box or "about" box, scripts and styles
  removed, kept when they read as prose (80-400 words, mostly words, several sentences).

Documents (every id says its kind; clusters are what the code should find):

* originals and **syndicated copies**, three per original, of these kinds: ``headline-lede-trailer``
  (new headline, dateline on the lede, agency trailer), ``cut-tail`` (last 20-45% of paragraphs cut,
  a few edited words), ``first-half`` (only the first half, then a "read the rest" link line),
  ``edited-words`` (one word in ~40 replaced, one sentence dropped), ``new-lede-cut`` (the lede
  rewritten: its sentences reordered and edited, and the tail cut), ``partner-footer`` (the partner
  site's own boilerplate appended, long and flattened);
* **shared-boilerplate negatives**: different short stories (40-150 words, the opening of distinct
  articles) carrying one long boilerplate block flattened into one paragraph and cut at a different
  length in each (50-100% of it), mostly after the story, sometimes before; 15 stories per block;
* **shared-paragraph negatives**: different articles (3-8 paragraphs) each reusing a real paragraph
  (40-120 words) that 12 other pages also carry (a fifth of them carry two such paragraphs).

:func:`score` runs :func:`pipelines.dedup.find_duplicates` and datasketch's MinHash LSH (128
permutations, the same 5-word shingles of the same normalised words) over the set in the same run:
precision over every predicted pair (a pair inside one cluster is right), recall over the
original-copy pairs, and the false pairs by document kind.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import random
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.dedup import find_duplicates
from pipelines.dedup.shingles import DEFAULT_SHINGLE_SIZE
from pipelines.text import words

CORPORA = ROOT.parent / "shared" / "corpora"
CACHE = Path(os.environ.get("NEWSARCHIVE_BENCH_CACHE", Path.home() / ".cache" / "newsarchive-bench"))
SOURCES_CACHE = CACHE / "dedup-devset-sources-v1.json"

COPY_KINDS = ["headline-lede-trailer", "cut-tail", "first-half", "edited-words", "new-lede-cut", "partner-footer"]
DATELINES = ["BERLIN (dpa) – ", "LONDON (Reuters) - ", "WASHINGTON (AP) — ", "WIEN (APA) - ", "PARIS (AFP) – ",
             "NEW YORK — ", "MÜNCHEN – ", "Updated: "]
TRAILERS = ["This story was originally published by the Associated Press and is republished with permission.",
            "Dieser Artikel erschien zuerst bei unserem Partnerportal und wird mit freundlicher Genehmigung veröffentlicht.",
            "(Reporting by staff; Editing by the news desk)",
            "Copyright 2024 The Associated Press. All rights reserved. This material may not be published, broadcast, "
            "rewritten or redistributed.",
            "Mit Material von dpa und AFP."]
LINKS = ["Read the rest of this story at the original publisher's site.", "Den ganzen Artikel lesen Sie hier.",
         "Continue reading on the partner site →", "Weiterlesen auf der Seite des Originals."]
BOILERPLATE_XPATH = (
    "//footer | //*[contains(translate(@class,'FOTERNWSLICKUBA','foternwslickuba'),'footer')"
    " or contains(translate(@id,'FOTERNWSLICKUBA','foternwslickuba'),'footer')"
    " or contains(@class,'newsletter') or contains(@id,'newsletter') or contains(@class,'cookie')"
    " or contains(@id,'cookie') or contains(@class,'subscribe') or contains(@class,'signup')"
    " or contains(@class,'about') or contains(@class,'disclaimer')]"
)


# --------------------------------------------------------------------------- sources


def _paragraphs(text: str) -> list[str]:
    return [p for p in (re.sub(r"\s+", " ", line).strip() for line in text.split("\n")) if len(p.split()) >= 5]


def _cleanportaleval() -> list[list[str]]:
    out = []
    for path in sorted((CORPORA / "cleanportaleval" / "gold").glob("*.txt")):
        raw = path.read_text(encoding="utf-8", errors="replace")
        blocks = re.split(r"<[hpl]>", raw.split("\n", 1)[1] if raw.startswith("URL:") else raw)
        out.append(_paragraphs("\n".join(html.unescape(re.sub(r"\s+", " ", b)) for b in blocks)))
    return out


def _boilerplate_blocks(doc) -> list[str]:  # type: ignore[no-untyped-def] - an lxml element
    for bad in doc.xpath("//script | //style | //noscript | //form//select"):
        bad.drop_tree()
    blocks = []
    for element in doc.xpath(BOILERPLATE_XPATH):
        text = re.sub(r"\s+", " ", element.text_content()).strip()
        tokens = text.split()
        wordy = sum(t.isalpha() for t in tokens) / max(1, len(tokens))
        if 80 <= len(tokens) <= 400 and wordy >= 0.75 and text.count(". ") >= 3 and "{" not in text:
            blocks.append(text)
    return blocks


def _trafilatura_eval() -> tuple[list[list[str]], list[str]]:
    import lxml.html
    import trafilatura

    articles, blocks = [], []
    for path in sorted((CORPORA / "trafilatura-eval" / "pages").glob("*.html.gz")):
        page = gzip.open(path).read().decode("utf-8", "replace")
        text = trafilatura.extract(page, include_comments=False)
        if text:
            articles.append(_paragraphs(text))
        try:
            blocks.extend(_boilerplate_blocks(lxml.html.fromstring(page)))
        except (ValueError, lxml.etree.ParserError):
            continue
    return articles, blocks


def sources() -> tuple[list[list[str]], list[str]]:
    """``(articles as paragraph lists, boilerplate blocks)`` from the dev corpora (cached)."""
    if SOURCES_CACHE.exists():
        cached = json.loads(SOURCES_CACHE.read_text(encoding="utf-8"))
        return cached["articles"], cached["boilerplate"]
    started = time.perf_counter()
    extracted, blocks = _trafilatura_eval()
    articles: list[list[str]] = []
    seen_paragraphs: set[str] = set()
    for paras in [*_cleanportaleval(), *extracted]:
        if sum(len(p.split()) for p in paras) < 150 or len(paras) < 3:
            continue
        shared = [p for p in paras if p in seen_paragraphs]
        if len(shared) >= 2 or any(len(p.split()) >= 30 for p in shared):
            continue  # the same article twice, or same-site texts sharing a block: keep one
        seen_paragraphs.update(paras)
        articles.append(paras)
    unique_blocks: list[str] = []
    for block in blocks:  # one copy of each block (pages of one site repeat theirs), none inside an article
        head = " ".join(block.split()[:12])
        if all(head != " ".join(b.split()[:12]) for b in unique_blocks) and head not in seen_paragraphs:
            unique_blocks.append(block)
    CACHE.mkdir(parents=True, exist_ok=True)
    SOURCES_CACHE.write_text(json.dumps({"articles": articles, "boilerplate": unique_blocks}), encoding="utf-8")
    print(f"dev-set sources: {len(articles)} articles, {len(unique_blocks)} boilerplate blocks "
          f"({time.perf_counter() - started:.0f} s, cached in {SOURCES_CACHE})", file=sys.stderr)
    return articles, unique_blocks


# --------------------------------------------------------------------------- documents


def _edit(paras: list[str], rng: random.Random, every: int, vocabulary: list[str]) -> list[str]:
    """Replace about one word in ``every`` with another word of the text (a sub-editor's touch)."""
    out = []
    for para in paras:
        tokens = para.split()
        out.append(" ".join(rng.choice(vocabulary) if rng.random() < 1 / every else t for t in tokens))
    return out


def _sentences(para: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", para) if s]


def syndicated_copy(paras: list[str], kind: str, rng: random.Random, boilerplate: list[str]) -> list[str]:
    """One copy of a story as a syndication partner publishes it."""
    vocabulary = [t for p in paras for t in p.split() if t.isalpha()] or ["news"]
    if kind == "headline-lede-trailer":
        headline = " ".join(rng.sample(vocabulary, min(len(vocabulary), rng.randint(6, 11)))).capitalize()
        return [headline, rng.choice(DATELINES) + paras[0], *paras[1:], rng.choice(TRAILERS)]
    if kind == "cut-tail":
        keep = max(2, round(len(paras) * rng.uniform(0.55, 0.8)))
        return _edit(paras[:keep], rng, 80, vocabulary)
    if kind == "first-half":
        keep = max(2, (len(paras) + 1) // 2)
        return [*paras[:keep], rng.choice(LINKS)]
    if kind == "edited-words":
        edited = _edit(paras, rng, 40, vocabulary)
        longest = max(range(len(edited)), key=lambda i: len(_sentences(edited[i])))
        sentences = _sentences(edited[longest])
        if len(sentences) > 1:
            sentences.pop(rng.randrange(len(sentences)))
            edited[longest] = " ".join(sentences)
        return edited
    if kind == "new-lede-cut":
        lede = _sentences(paras[0])
        rng.shuffle(lede)
        keep = max(3, round(len(paras) * rng.uniform(0.6, 0.85)))
        return [" ".join(_edit([" ".join(lede)], rng, 8, vocabulary)), *paras[1:keep]]
    if kind == "partner-footer":
        block = rng.choice(boilerplate).split()
        return [rng.choice(DATELINES) + paras[0], *paras[1:], " ".join(block[: round(len(block) * rng.uniform(0.6, 1.0))])]
    raise ValueError(kind)


@dataclass
class DevSet:
    docs: dict[str, str]
    cluster: dict[str, str]
    kind: dict[str, str]
    positives: set[frozenset[str]]


def _opening(paras: list[str], low: int, high: int, rng: random.Random) -> list[str]:
    """The first paragraphs of an article, ``low..high`` words (the last paragraph cut to fit)."""
    target = rng.randint(low, high)
    out, count = [], 0
    for para in paras:
        tokens = para.split()
        if count + len(tokens) > target:
            if target - count >= 8:
                out.append(" ".join(tokens[: target - count]))
            break
        out.append(para)
        count += len(tokens)
    return out or [" ".join(paras[0].split()[:target])]


def build(seed: int = 7, originals: int = 160, copies: int = 3, footer_blocks: int = 12, per_block: int = 15, partner_blocks: int = 12,
          shared_paragraphs: int = 10, pages_per_paragraph: int = 13) -> DevSet:
    """The development set (deterministic for a seed)."""
    rng = random.Random(seed)
    articles, boilerplate = sources()
    articles = [list(a) for a in articles]
    rng.shuffle(articles)
    blocks = [b for b in boilerplate if not any(b != other and " ".join(b.split()[:12]) in other for other in boilerplate)]
    rng.shuffle(blocks)  # (a block nested in another one is left out: the two would be one block)
    footers, partners = blocks[:footer_blocks], blocks[footer_blocks : footer_blocks + partner_blocks]
    docs: dict[str, list[str]] = {}
    cluster: dict[str, str] = {}
    kind: dict[str, str] = {}
    positives: set[frozenset[str]] = set()

    def put(doc_id: str, paras: list[str], group: str, doc_kind: str) -> None:
        docs[doc_id], cluster[doc_id], kind[doc_id] = paras, group, doc_kind

    pool = iter(articles)
    for n in range(originals):
        paras = next(pool)
        oid = f"orig{n:03d}"
        put(oid, paras, oid, "original")
        kinds = rng.sample(COPY_KINDS, k=copies) if copies <= len(COPY_KINDS) else rng.choices(COPY_KINDS, k=copies)
        for j, copy_kind in enumerate(kinds):
            cid = f"{oid}-copy{j}-{copy_kind}"
            put(cid, syndicated_copy(paras, copy_kind, rng, partners), oid, copy_kind)
            positives.add(frozenset((oid, cid)))
    for b, block in enumerate(footers):
        tokens = block.split()
        for n in range(per_block):
            story = _opening(next(pool), 40, 150, rng)
            cut = " ".join(tokens[: round(len(tokens) * rng.uniform(0.5, 1.0))])
            paras = [cut, *story] if rng.random() < 0.2 else [*story, cut]
            put(f"boilerplate{b:02d}-{n:02d}", paras, f"boilerplate{b:02d}-{n:02d}", "shared-boilerplate")
    reused = [p for p in (next(pool) for _ in range(shared_paragraphs * 3)) for p in p if 40 <= len(p.split()) <= 120]
    rng.shuffle(reused)
    reused = reused[:shared_paragraphs]
    carriers: list[list[int]] = [[] for _ in reused]
    n_pages = len(reused) * pages_per_paragraph
    for page in range(n_pages):
        carriers[page % len(reused)].append(page)
    extra = {page: rng.randrange(len(reused)) for page in rng.sample(range(n_pages), n_pages // 5)}
    for page in range(n_pages):
        body = next(pool)
        body = body[: rng.randint(3, 8)]
        shared = [reused[page % len(reused)]]
        if page in extra and reused[extra[page]] not in shared:
            shared.append(reused[extra[page]])
        for para in shared:
            body.insert(rng.randrange(len(body) + 1), para)
        put(f"reuse{page:03d}", body, f"reuse{page:03d}", "shared-paragraph")
    order = list(docs)
    rng.shuffle(order)
    return DevSet({d: "\n".join(docs[d]) for d in order}, cluster, kind, positives)


# --------------------------------------------------------------------------- scoring


def datasketch_pairs(docs: Mapping[str, str], threshold: float = 0.8, num_perm: int = 128) -> list[tuple[str, str, float]]:
    """datasketch MinHash LSH over the same 5-word shingles of the same normalised words."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    pairs = []
    for doc_id, text in docs.items():
        tokens = words(text)
        size = min(DEFAULT_SHINGLE_SIZE, len(tokens)) or 1
        m = MinHash(num_perm=num_perm)
        m.update_batch([" ".join(tokens[i : i + size]).encode("utf-8") for i in range(max(1, len(tokens) - size + 1))])
        pairs.extend((other, doc_id, 0.0) for other in lsh.query(m))
        lsh.insert(doc_id, m)
    return pairs


def score(dev: DevSet, find: Callable[[Mapping[str, str]], list[tuple[str, str, float]]]) -> dict:
    """Precision (every predicted pair), recall (original-copy pairs) and the errors by kind."""
    started = time.perf_counter()
    predicted = find(dev.docs)
    seconds = time.perf_counter() - started
    found = {frozenset((a, b)) for a, b, _ in predicted}
    true_pairs = [p for p in found if len({dev.cluster[d] for d in p}) == 1]
    false_pairs = sorted(tuple(sorted(p)) for p in found if len({dev.cluster[d] for d in p}) > 1)
    recall_by_kind: dict[str, list[int]] = {}
    for pair in dev.positives:
        copy = next(d for d in pair if dev.kind[d] != "original")
        recall_by_kind.setdefault(dev.kind[copy], []).append(int(pair in found))
    false_by_kind: dict[str, int] = {}
    for pair in false_pairs:
        label = " + ".join(sorted({dev.kind[d] for d in pair}))
        false_by_kind[label] = false_by_kind.get(label, 0) + 1
    similarities = [s for a, b, s in predicted if frozenset((a, b)) in dev.positives]
    return {
        "documents": len(dev.docs),
        "labelled_pairs": len(dev.positives),
        "predicted_pairs": len(found),
        "precision": round(len(true_pairs) / len(found), 4) if found else 1.0,
        "recall": round(sum(p in found for p in dev.positives) / len(dev.positives), 4),
        "recall_by_copy_kind": {k: round(sum(v) / len(v), 3) for k, v in sorted(recall_by_kind.items())},
        "false_pairs_by_kind": false_by_kind,
        "false_pairs": [list(p) for p in false_pairs[:20]],
        "missed_pairs": sorted(sorted(p) for p in dev.positives if p not in found)[:20],
        "min_similarity_found": round(min(similarities), 4) if similarities else None,
        "docs_per_second": round(len(dev.docs) / seconds, 1),
    }


def describe(dev: DevSet) -> dict[str, int]:
    counts: dict[str, int] = {}
    for k in dev.kind.values():
        counts[k] = counts.get(k, 0) + 1
    return dict(sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dump", help="write the generated set (JSON) here, outside the repository")
    args = parser.parse_args(argv)
    dev = build(args.seed)
    if args.dump:
        Path(args.dump).write_text(json.dumps({"docs": dev.docs, "cluster": dev.cluster, "kind": dev.kind}), encoding="utf-8")
    print(json.dumps({"kinds": describe(dev),
                      "newsarchive": score(dev, find_duplicates),
                      "datasketch_lsh_0.8": score(dev, datasketch_pairs)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
