"""Crawl benchmark: this crawler against a plain Scrapy spider and ``scrapy bench``, in one run.

    .venv/bin/python bench/crawl.py [--articles 3000] [--quick]

A generated news site of ``--articles`` article pages (about 600 words each, JSON-LD NewsArticle,
a sitemap index of 750-URL sitemaps) is served on 127.0.0.1 by a separate process, with no
Crawl-delay (politeness is off for the benchmark only: no download delay, no AutoThrottle,
16 concurrent requests). Then, one after the other on the same machine:

1. **newsarchive**: ``python -m spiders.run`` on a source with that sitemap index: fetch, WARC,
   detection, extraction (trafilatura) and staging to a local ``records.jsonl`` (no bucket upload,
   so S3 is not measured);
2. **plain Scrapy**: a ``SitemapSpider`` with the same settings that fetches the same pages and
   does nothing with them;
3. **scrapy bench**: Scrapy's own benchmark (its link-following spider against its own local
   server, 10 s).

Per crawler: pages/s (article pages over the crawl's own elapsed time, Scrapy's
``elapsed_time_seconds``), CPU seconds per page of the crawl process (user + system) and, for
newsarchive, per component (the run summary's ``cpu_seconds``: parse = sniff/detect/links on the
reactor thread, extract = extraction + building the staged record in the extraction worker,
stage = writing it, warc = the WARC worker's record building plus the reactor's hand-off), and
peak RSS (VmHWM of the crawl process; with its worker processes summed as well). Results:
``bench/results/crawl.json`` and ``bench/results/crawl.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing import Process, Queue
from pathlib import Path
from typing import Any

from pipelines.children import peak_rss_kib

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PER_SITEMAP = 750
POLITENESS_OFF = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "ROBOTSTXT_OBEY": "False",
    "LOG_LEVEL": "INFO",
}

# --------------------------------------------------------------------------- the generated site

_WORDS = (
    "council harbour budget school river market bridge station ferry library vote plan report residents "
    "tax housing road rail port weather storm flood energy court police hospital nurse teacher museum park "
    "festival election mayor minister committee review grant contract repair survey price wage shop farm"
).split()


def _article(n: int) -> tuple[str, str]:
    """Path and HTML of article ``n`` (deterministic)."""
    rng = random.Random(n)
    title_words = rng.sample(_WORDS, 6)
    slug = "-".join(title_words)
    path = f"/2026/{1 + n % 12:02d}/{1 + n % 28:02d}/{slug}-{n}/"
    paragraphs = []
    for _ in range(8):
        sentences = []
        for _ in range(5):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(10, 18))]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(sentences))
    title = " ".join(title_words).capitalize()
    date = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T08:00:00+00:00"
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": date,
                     "author": {"@type": "Person", "name": "Bench Writer"}})
    html = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:type" content="article"><script type="application/ld+json">{ld}</script></head>'
        f'<body><header><a href="/">Bench Times</a> <nav><a href="/section/city/">City</a></nav></header>'
        f"<main><article><h1>{title}</h1><p class=\"byline\">By Bench Writer, <time datetime=\"{date}\">{date[:10]}</time></p>"
        f"{body}</article></main><footer><p>Bench Times, every day.</p></footer></body></html>"
    )
    return path, html


def _site(articles: int, base: str) -> dict[str, tuple[bytes, str]]:
    pages: dict[str, tuple[bytes, str]] = {}
    paths = []
    for n in range(articles):
        path, html = _article(n)
        pages[path] = (html.encode("utf-8"), "text/html; charset=utf-8")
        paths.append(path)
    maps = []
    for i in range(0, articles, PER_SITEMAP):
        name = f"/sitemap-{i // PER_SITEMAP + 1}.xml"
        urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths[i : i + PER_SITEMAP])
        pages[name] = (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode(), "application/xml")
        maps.append(name)
    index = "".join(f"<sitemap><loc>{base}{m}</loc></sitemap>" for m in maps)
    pages["/sitemap_index.xml"] = (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>'.encode(), "application/xml")
    pages["/robots.txt"] = (b"User-agent: *\nAllow: /\n", "text/plain")
    return pages


def _serve(articles: int, ready: Queue) -> None:
    """Serve the generated site on a free 127.0.0.1 port (run in its own process)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    server.request_queue_size = 128
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages = _site(articles, base)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            page = pages.get(self.path.split("?")[0])
            if page is None:
                self.send_error(404)
                return
            body, ctype = page
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    ready.put(base)
    server.serve_forever(poll_interval=0.2)


# --------------------------------------------------------------------------- measuring a process

def _measure(cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run ``cmd``; wall time, CPU seconds (user+system, with children) and peak RSS (MiB: the
    process's VmHWM, and the VmHWMs of it and its children summed, an upper bound of their joint
    peak). Polled twice a second: the high-water marks miss no peak between polls, and the
    measuring steals next to no CPU from the crawl (both cores are busy with it)."""
    import psutil

    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    handle = psutil.Process(proc.pid)
    out: list[str] = []
    err: list[str] = []
    threads = [threading.Thread(target=lambda s=s, k=k: k.append(s.read()), daemon=True) for s, k in ((proc.stdout, out), (proc.stderr, err))]
    for t in threads:
        t.start()
    peaks: dict[int, int] = {}
    cpu = 0.0
    while True:
        try:
            for pid in (proc.pid, *(c.pid for c in handle.children(recursive=True))):
                peaks[pid] = max(peaks.get(pid, 0), peak_rss_kib(pid) or 0)
        except (OSError, psutil.Error):
            pass
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:  # its CPU with that of its (reaped) worker processes, from the kernel at exit
            proc.returncode = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
            peaks[proc.pid] = max(peaks.get(proc.pid, 0), usage.ru_maxrss)  # KiB; at exit, no poll misses it
            break
        if time.monotonic() - started > timeout:
            proc.kill()
        time.sleep(0.5)
    for t in threads:
        t.join(timeout=10)
    return {"wall_s": time.monotonic() - started, "cpu_s": cpu, "peak_rss_mib": peaks.get(proc.pid, 0) / 1024,
            "peak_rss_with_workers_mib": sum(peaks.values()) / 1024,
            "returncode": proc.returncode, "stdout": "".join(out), "stderr": "".join(err)}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSARCHIVE_", "AWS_", "SCRAPY_"))}
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_newsarchive(base: str, articles: int, work: Path) -> dict[str, Any]:
    sources = work / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"- id: bench\n  sitemaps: ['{base}/sitemap_index.xml']\n  allow: ['^{re.escape(base)}/']\n"
        f"  limits: {{max_pages: {articles + 100}, max_depth: 0}}\n",
        encoding="utf-8",
    )
    settings = {**POLITENESS_OFF, "NEWSARCHIVE_UPLOAD": "False", "NEWSARCHIVE_SITEMAP_MAX_ENTRIES": "0"}
    cmd = [sys.executable, "-m", "spiders.run", "--sources", str(sources), "--allow-loopback", "--work-dir", str(work / "staged")]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    result = _measure(cmd + ["bench"], cwd=ROOT, env=_env(), timeout=1800)
    if result["returncode"] != 0:
        raise SystemExit(f"newsarchive crawl failed:\n{result['stderr'][-3000:]}")
    summary = json.loads(result["stdout"].strip().splitlines()[-1])["sources"]["bench"]
    from datetime import datetime

    elapsed = (datetime.fromisoformat(summary["finished_at"]) - datetime.fromisoformat(summary["started_at"])).total_seconds()
    pages = int(summary["outcomes"].get("fetched/html", 0))
    return {
        "pages": pages,
        "staged": summary["staged_records"],
        "crawl_s": elapsed,
        "pages_per_s": pages / elapsed,
        "cpu_s_per_page": result["cpu_s"] / pages,
        "cpu_s_per_page_by_component": {k: v / pages for k, v in summary.get("cpu_seconds", {}).items()},
        "peak_rss_mib": result["peak_rss_mib"],
        "peak_rss_with_workers_mib": result["peak_rss_with_workers_mib"],
        "wall_s": result["wall_s"],
    }


PLAIN_SPIDER = '''
import sys, json
from scrapy.crawler import CrawlerProcess
from scrapy.spiders import SitemapSpider

class Plain(SitemapSpider):
    name = "plain"
    sitemap_urls = [sys.argv[1]]
    def parse(self, response):
        return None

settings = {k: v for k, v in json.loads(sys.argv[2]).items()}
settings.update({"TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False,
                 "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor"})
process = CrawlerProcess(settings)
crawler = process.create_crawler(Plain)
process.crawl(crawler)
process.start()
stats = crawler.stats.get_stats()
print(json.dumps({"pages": stats.get("response_received_count", 0), "elapsed": stats.get("elapsed_time_seconds")}))
'''


def run_plain(base: str, work: Path, articles: int) -> dict[str, Any]:
    script = work / "plain_spider.py"
    script.write_text(PLAIN_SPIDER, encoding="utf-8")
    settings = {k: (v if not v.isdigit() else int(v)) for k, v in POLITENESS_OFF.items()}
    settings = {k: (False if v == "False" else v) for k, v in settings.items()}
    result = _measure([sys.executable, str(script), f"{base}/sitemap_index.xml", json.dumps(settings)], cwd=work, env=_env(), timeout=1800)
    if result["returncode"] != 0:
        raise SystemExit(f"plain spider failed:\n{result['stderr'][-3000:]}")
    doc = json.loads(result["stdout"].strip().splitlines()[-1])
    sitemaps = 1 + -(-articles // PER_SITEMAP)  # the index and its sitemaps are responses too
    pages = doc["pages"] - sitemaps
    return {"pages": pages, "crawl_s": doc["elapsed"], "pages_per_s": pages / doc["elapsed"],
            "cpu_s_per_page": result["cpu_s"] / max(pages, 1), "peak_rss_mib": result["peak_rss_mib"], "wall_s": result["wall_s"]}


def run_scrapy_bench(work: Path, seconds: int) -> dict[str, Any]:
    result = _measure(
        [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}", "-s", "REMOTE_CONTROL_ENABLED=False",
         "-s", "LOG_LEVEL=INFO", "-s", "STATS_DUMP=True"],
        cwd=work, env=_env(), timeout=seconds + 120,
    )
    text = result["stderr"]
    pages = int(re.search(r"'response_received_count': (\d+)", text).group(1))
    elapsed = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", text).group(1))
    return {"pages": pages, "crawl_s": elapsed, "pages_per_s": pages / elapsed, "cpu_s_per_page": result["cpu_s"] / pages,
            "peak_rss_mib": result["peak_rss_mib"], "wall_s": result["wall_s"]}


def write_results(doc: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "crawl.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    ours, plain, bench = doc["newsarchive"], doc["plain_scrapy"], doc["scrapy_bench"]
    comp = ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in sorted(ours["cpu_s_per_page_by_component"].items()))
    lines = [
        "# Crawl benchmark",
        "",
        f"{doc['articles']} generated article pages on 127.0.0.1, politeness off (no delay, 16 concurrent requests), "
        f"{doc['machine']}; all three crawlers in one run ({doc['date']}), newsarchive and the plain spider "
        f"alternated {len(doc['all_runs_pages_per_s']['plain'])} times each, best kept (all runs, pages/s: "
        f"{doc['all_runs_pages_per_s']}). `bench/crawl.py`.",
        "",
        "| crawler | pages | pages/s | CPU s/page | peak RSS MiB (crawl process) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in (("newsarchive (fetch, WARC, detection, extraction, staging)", ours), ("plain Scrapy spider (fetch only)", plain), ("`scrapy bench`", bench)):
        lines.append(f"| {name} | {row['pages']} | {row['pages_per_s']:.1f} | {row['cpu_s_per_page'] * 1000:.1f} ms | {row['peak_rss_mib']:.0f} |")
    lines += [
        "",
        f"newsarchive / plain spider: **{doc['ratio_to_plain']:.2f}x** (best against best; alternation by "
        f"alternation: {', '.join(f'{a / b:.2f}' for a, b in zip(doc['all_runs_pages_per_s']['newsarchive'], doc['all_runs_pages_per_s']['plain']))}); "
        f"newsarchive / scrapy bench: **{doc['ratio_to_scrapy_bench']:.2f}x**.",
        "",
        f"newsarchive CPU per page by component (thread CPU, {doc['extraction']}): {comp}; the rest of the "
        f"{ours['cpu_s_per_page'] * 1000:.1f} ms is Scrapy, Twisted, the HTTP client, our middlewares, the "
        f"pipes to the workers and the workers' start-up. With its extraction and WARC worker processes, "
        f"newsarchive peaks at {ours['peak_rss_with_workers_mib']:.0f} MiB in all (each process's peak, summed).",
        "",
    ]
    (RESULTS / "crawl.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--quick", action="store_true", help="500 articles, 5 s of scrapy bench, no results written")
    parser.add_argument("--repeat", type=int, default=2, help="runs of newsarchive and the plain spider, alternated (best kept)")
    args = parser.parse_args(argv)
    articles = 500 if args.quick else args.articles
    ready: Queue = Queue()
    server = Process(target=_serve, args=(articles, ready), daemon=True)
    server.start()
    try:
        base = ready.get(timeout=120)
        with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
            work = Path(tmp)
            # alternated and repeated: the machine is shared, the best of each is reported
            runs: dict[str, list[dict[str, Any]]] = {"newsarchive": [], "plain": []}
            for _ in range(args.repeat):
                runs["newsarchive"].append(run_newsarchive(base, articles, work))
                print(f"newsarchive: {runs['newsarchive'][-1]['pages_per_s']:.1f} pages/s", file=sys.stderr)
                runs["plain"].append(run_plain(base, work, articles))
                print(f"plain scrapy: {runs['plain'][-1]['pages_per_s']:.1f} pages/s", file=sys.stderr)
            ours = max(runs["newsarchive"], key=lambda r: r["pages_per_s"])
            plain = max(runs["plain"], key=lambda r: r["pages_per_s"])
            bench = run_scrapy_bench(work, 5 if args.quick else 10)
            print(f"scrapy bench: {bench['pages_per_s']:.1f} pages/s", file=sys.stderr)
    finally:
        server.terminate()
        server.join(timeout=5)
    import scrapy

    from spiders import settings as crawl_settings

    doc = {
        "articles": articles,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}, Scrapy {scrapy.__version__}",
        "extraction": (
            "extract and warc in worker processes, thread CPU there" if crawl_settings.NEWSARCHIVE_EXTRACT_WORKERS else "all on the reactor thread"
        ),
        "newsarchive": ours,
        "plain_scrapy": plain,
        "all_runs_pages_per_s": {k: [round(r["pages_per_s"], 1) for r in v] for k, v in runs.items()},
        "scrapy_bench": bench,
        "ratio_to_plain": ours["pages_per_s"] / plain["pages_per_s"],
        "ratio_to_scrapy_bench": ours["pages_per_s"] / bench["pages_per_s"],
    }
    print(json.dumps(doc, indent=2))
    if not args.quick:
        write_results(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
