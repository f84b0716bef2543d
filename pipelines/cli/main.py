"""The ``newsarchive`` command line.

Every verb is a thin edge over library functions: it validates its input, calls
the same function the DAGs and tests call, and turns a failure into one clear
line on stderr plus a non-zero exit code. Heavy modules are imported inside the
verb that needs them, so ``newsarchive clean`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pipelines.home import newsarchive_home

log = logging.getLogger("newsarchive")

EXIT_USAGE = 2
EXIT_FAILED = 1


class CliError(Exception):
    """A failure to report as one line on stderr (exit code ``code``)."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def _storage() -> Any:
    from pipelines.storage import S3Settings, Storage

    return Storage(S3Settings.from_env())


# --- verbs -----------------------------------------------------------------------------------


def cmd_sources_check(args: argparse.Namespace) -> int:
    """Validate a sources file and list its sources."""
    from pipelines.config import SourcesError, load_sources

    try:
        config = load_sources(args.sources)
    except SourcesError as exc:
        if len(exc.problems) < 2:
            raise
        for problem in exc.problems:  # every mistake at once, not one per run of the check
            print(problem, file=sys.stderr)
        raise CliError(f"{len(exc.problems)} problems in {args.sources or 'the sources file'} (listed above)", EXIT_USAGE) from None
    for source in config.sources:
        entry = len(source.start_urls) + len(source.feeds) + len(source.sitemaps)
        state = "" if source.enabled else " (disabled)"
        print(f"{source.id}: {source.name or '-'}; {entry} entry URL(s); domains {', '.join(source.domains())}{state}")
    print(f"ok: {config.path}: {len(config.sources)} source(s)")
    return 0


def cmd_stack(args: argparse.Namespace) -> int:
    """Start, stop or describe the local stack: SeaweedFS, and Airflow when the airflow extra is installed."""
    from infra import stack

    home = newsarchive_home()
    with_airflow = _airflow_installed() and not getattr(args, "no_airflow", False)
    if with_airflow:
        from infra import airflow_local
    if args.action == "up":
        info = stack.stack_up(home)
        print(stack.describe(info))
        if with_airflow:
            print("starting Airflow (api-server, scheduler, dag-processor, triggerer on 127.0.0.1) …", flush=True)
            print(airflow_local.describe_airflow(airflow_local.airflow_up(home, info.settings)))
    elif args.action == "down":
        stopped_airflow = airflow_local.airflow_down(home) if with_airflow else []
        stopped = stack.stack_down(home)
        if stopped_airflow:
            print(f"stopped Airflow ({', '.join(stopped_airflow)})")
        print("stopped SeaweedFS" if stopped else "SeaweedFS not running (nothing of ours to stop)")
    elif args.action == "env":
        # for `eval "$(newsarchive stack env)"`: the export line of the running stack, nothing started
        info = stack.running_stack(home)
        if info is None:
            raise CliError(f"no local stack running in {home}: start it with `newsarchive stack up --no-airflow`")
        print(stack.export_line(info))
    else:
        status = stack.stack_status(home)
        print(stack.describe(status))
        if with_airflow:
            print(airflow_local.describe_airflow(airflow_local.airflow_state(home)))
        return 0 if status.running else EXIT_FAILED  # scripts can test it: 1 when S3 is not running
    return 0


def _print_crawl_summary(summary: dict[str, Any]) -> None:
    run_id = summary.get("run_id")
    print(f"crawl run {run_id}")
    for source, info in (summary.get("sources") or {}).items():
        flat = ", ".join(f"{k}={v}" for k, v in sorted(info["outcomes"].items()) if "/" not in k)
        print(f"  {source}: {flat}")
        if info["outcomes"].get("private-address") and not info["outcomes"].get("fetched"):
            print(f"  {source}: every request went to a private or loopback address and was refused; "
                  "for a site on this machine (a test or demo site) pass --allow-loopback")
    if summary.get("location"):
        print(f"staged at {summary['location']}")


def _crawl(args: argparse.Namespace) -> dict[str, Any]:
    """The crawl of ``crawl`` and ``run``, its summary printed."""
    from pipelines.jobs.crawl import run_crawl

    summary = run_crawl(
        _sources_path(args), args.source_ids, max_pages=args.max_pages, allow_loopback=args.allow_loopback,
        verbose=args.verbose,
    )
    _print_crawl_summary(summary)
    return summary


def cmd_crawl(args: argparse.Namespace) -> int:
    """Crawl the named sources (all enabled ones when none is named)."""
    _crawl(args)
    return 0


def _sources_path(args: argparse.Namespace, *, required: bool = True) -> str | None:
    from pipelines.config import default_sources_path, no_sources_message

    path = args.sources or default_sources_path()
    if not path and required:
        raise CliError(no_sources_message(), EXIT_USAGE)
    return str(path) if path else None


def run_process(run_id: str | None, sources_file: str | os.PathLike[str] | None, storage: Any = None) -> Any:
    """Clean, deduplicate, tag and archive one staged crawl run (the latest when ``run_id`` is None),
    and print its report."""
    from pipelines.config import load_sources
    from pipelines.jobs.process import process_run

    sources = load_sources(sources_file) if sources_file else None
    report = process_run(storage or _storage(), run_id, sources)
    print(json.dumps(report.to_dict(), indent=2, default=str))
    return report


def cmd_process(args: argparse.Namespace) -> int:
    """Process a staged crawl run."""
    run_process(args.run, _sources_path(args, required=False))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Crawl, then process the new run."""
    summary = _crawl(args)
    run_process(summary["run_id"], _sources_path(args))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the embedded default: local S3 + demo site, crawled and processed."""
    from infra import stack
    from infra.demo_site import DEFAULT_PORT_BASE, DemoSite, port_plan
    from pipelines.jobs.crawl import run_crawl

    home = newsarchive_home()
    info = stack.stack_up(home)
    print(stack.describe(info))
    base = int(os.environ.get("NEWSARCHIVE_DEMO_PORT_BASE", DEFAULT_PORT_BASE))
    try:
        site = DemoSite(ports=port_plan(base)).start()
    except OSError as exc:
        log.warning(
            "demo ports from %d are busy (%s): serving on free ports instead; this run's URLs are new to "
            "the archive (set NEWSARCHIVE_DEMO_PORT_BASE to keep them stable)", base, exc
        )
        site = DemoSite(ports=None).start()
    try:
        # The trap site is written disabled: it exists to test the crawler's limits, not to archive.
        sources_file = site.write_sources(home / "demo-sources.yaml")
        print(f"demo site: {', '.join(f'{k} {v}' for k, v in site.sites.items())}")
        print(f"demo sources: {sources_file} (pass it as --sources to crawl, process or reextract them again)")
        from pipelines.storage import Storage

        storage = Storage(info.settings)
        if _airflow_installed():
            run_id = _demo_through_dags(home, info.settings, sources_file, storage)
        else:
            print("(the airflow extra is not installed: crawling and processing without the DAGs)")
            summary = run_crawl(sources_file, [], allow_loopback=True, env=info.settings.to_env())
            _print_crawl_summary(summary)
            run_id = summary["run_id"]
            run_process(run_id, sources_file, storage)
    finally:
        site.stop()
    _print_archived(storage, run_id, info)
    return 0


def _airflow_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("airflow") is not None


def _demo_through_dags(home: Path, settings: Any, sources_file: Path, storage: Any) -> str:
    """news_crawl then news_process, once each, with ``dag.test()`` on a SQLite Airflow home."""
    from infra.airflow_local import airflow_env, dag_test
    from pipelines.jobs.process import latest_run_id

    env = airflow_env(home / "airflow", settings, sources_file)
    for dag_id in ("news_crawl", "news_process"):
        print(f"running DAG {dag_id} (dag.test(), Airflow home {env['AIRFLOW_HOME']}) …", flush=True)
        result = dag_test(env, dag_id)
        tasks = ", ".join(f"{t} {s}" for t, s in sorted(result.get("tasks", {}).items()))
        print(f"  {dag_id}: {result['state']} ({tasks}); log: {result['log_file']}")
        if result["state"] != "success":
            raise CliError(f"DAG {dag_id} did not succeed ({result.get('error') or result['state']}); see {result['log_file']}")
    return latest_run_id(storage)


def _print_archived(storage: Any, run_id: str, info: Any) -> None:
    """What the demo archived, and how to look at it."""
    from pipelines import layout

    report = storage.get_json(layout.process_report_key(run_id))
    articles = [k for k in storage.list_keys(layout.article_prefix()) if k.endswith(".json")]
    def counts(counter: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "nothing"

    print(f"\nrun {run_id}: {report['records']} staged record(s); archive: {counts(report['archive'])}; "
          f"dedup: {counts(report['dedup'])}"
          + ("" if report["records"] else " (nothing new or changed since the last run: fetched with 304s, or the same text)"))
    print(f"s3://{info.bucket}/ now holds {len(articles)} article(s), e.g.:")
    for key in sorted(articles)[:5]:
        print(f"  {key}")
    print(f"staged run: s3://{info.bucket}/{layout.staging_run_prefix(run_id)} (endpoint {info.endpoint_url})")
    print(f"browse it:  {info.endpoint_url}/{info.bucket}/{layout.browse_index_key()}   |   newsarchive ls   |   newsarchive open")


def cmd_extract(args: argparse.Namespace) -> int:
    """Extract the article from an HTML file (or stdin) and print it as JSON."""
    from pipelines.extract import extract_with_reason

    # raw bytes: the extractor finds the charset itself (BOM, meta, content), as for crawled pages
    data = sys.stdin.buffer.read() if args.file == "-" else _read_file(args.file)
    result = extract_with_reason(data, args.url, keep_comments=args.comments)
    if result.article is None:
        if result.reason in ("empty", "not-html"):  # not a page at all: the input is wrong (exit 2)
            what = "is empty" if result.reason == "empty" else "is not HTML (binary data or other text)"
            raise CliError(f"{args.file}: {what}; give the HTML file of a page", EXIT_USAGE)
        raise CliError(f"{args.file}: not an article ({result.reason})")
    print(json.dumps(result.article.to_json_dict(), ensure_ascii=False, indent=2))
    return 0


def _read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}", EXIT_USAGE) from None


def cmd_clean(args: argparse.Namespace) -> int:
    """Clean text from stdin (widget phrases, sign-off trailers, whitespace) to stdout."""
    from pipelines.clean import clean_text

    rules = None
    if args.source:
        from pipelines.config import load_sources

        rules = load_sources(_sources_path(args)).get(args.source).cleaning
    text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    sys.stdout.write(clean_text(text, rules))
    sys.stdout.write("\n")
    return 0


def _print_json(doc: Any) -> None:
    """One JSON document on stdout (for scripts); dates and times in ISO 8601 as in the stored
    article JSON (``2026-11-30T08:00:00Z`` for UTC)."""
    print(json.dumps(doc, ensure_ascii=False, indent=2, default=_json_value))


def _json_value(value: Any) -> Any:
    from datetime import date, datetime

    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _date_arg(value: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD)") from None


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def cmd_ls(args: argparse.Namespace) -> int:
    """List archived articles, newest first (from the manifests)."""
    import shutil

    from pipelines.archive.query import list_articles

    rows = list_articles(_storage(), source=args.source, since=args.since, tag=args.tag, language=args.lang)
    shown = rows[: args.limit] if args.limit else rows
    if args.json:
        _print_json({"count": len(rows), "articles": shown})
        return 0
    width = shutil.get_terminal_size((100, 20)).columns
    fetch_dates = False
    for row in shown:
        when, fetched_only = listing_date(row)
        fetch_dates = fetch_dates or fetched_only
        line = f"{when} {row['id']}  {row.get('source') or '-'}  {row.get('title') or '(untitled)'}"
        print(_fit(line, width))
    print(f"{len(shown)} of {len(rows)} article(s)", file=sys.stderr)
    if fetch_dates:
        print("* the article gives no publication date: the date shown is when it was fetched", file=sys.stderr)
    return 0


def listing_date(row: dict[str, Any]) -> tuple[str, bool]:
    """The date column of ``ls`` (11 characters) and whether it is a fetch date: the publication
    date, else the fetch date marked ``*``, else dashes."""
    if row.get("published"):
        return f"{row['published']:%Y-%m-%d} ", False
    if row.get("fetched_at"):
        return f"{row['fetched_at']:%Y-%m-%d}*", True
    return "---------- ", False


def cmd_show(args: argparse.Namespace) -> int:
    """Print one archived article by id (through its pointer) or by key."""
    import shutil
    import textwrap

    from pipelines.archive.query import ArticleNotFound, get_article

    try:
        doc = get_article(_storage(), args.id)
    except ArticleNotFound as exc:
        raise CliError(str(exc)) from None
    if args.json:
        _print_json(doc)
        return 0
    width = min(100, shutil.get_terminal_size((100, 20)).columns)
    print(doc.get("title") or "(untitled)")
    for label, value in (
        ("By", ", ".join(doc.get("authors") or [])), ("Published", doc.get("published")),
        ("Updated", doc.get("modified")), ("Source", doc.get("source")), ("URL", doc.get("url")),
        ("Language", doc.get("language")), ("Topics", ", ".join(doc.get("topics") or [])),
        ("Tags", ", ".join(doc.get("tags") or [])), ("Id", f"{doc.get('id')} (revision {doc.get('revision')})"),
    ):
        if value:
            print(f"{label + ':':<10} {value}")
    for paragraph in (doc.get("text") or "").split("\n"):
        if paragraph.strip():
            print()
            print(textwrap.fill(paragraph.strip(), width))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Find archived articles whose title, authors, tags, topics, source or URL contain every word."""
    import shutil

    from pipelines.archive.query import search_articles

    hits = search_articles(_storage(), args.query, source=args.source)
    shown = hits[: args.limit] if args.limit else hits
    if args.json:
        _print_json({"query": args.query, "count": len(hits), "articles": shown})
        return 0
    width = shutil.get_terminal_size((100, 20)).columns
    for row in shown:
        print(_fit(f"{row['id']}  {row.get('source') or '-'}  {row.get('title') or '(untitled)'}", width))
    print(f"{len(shown)} of {len(hits)} match(es)", file=sys.stderr)
    return 0


def cmd_reextract(args: argparse.Namespace) -> int:
    """Extract archived articles again from their raw WARC records (no refetch) and process them."""
    from pipelines.config import load_sources
    from pipelines.jobs.reextract import reextract

    sources_file = _sources_path(args, required=False)
    try:
        report = reextract(_storage(), run_id=args.run, source=args.source,
                           sources=load_sources(sources_file) if sources_file else None)
    except ValueError as exc:  # no run or source named; no rules for a source of the articles
        raise CliError(str(exc).removeprefix("reextract: "), EXIT_USAGE) from None
    except LookupError as exc:
        raise CliError(str(exc).removeprefix("reextract: ")) from None
    _print_json(report.to_dict())
    # the gist for a person (stderr; stdout stays one JSON document for scripts)
    outcomes = dict(report.process.archive) if report.process else {}
    changed = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())) or "nothing archived"
    skipped = ", ".join(f"{n} {k}" for k, n in sorted(report.skipped.items()))
    print(f"re-extracted {report.staged} article(s) from raw WARC as run {report.run_id}: {changed}"
          + (f"; skipped: {skipped}" if skipped else ""), file=sys.stderr)
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    """Print a URL to open in a browser: the browse index, or an article's reader view."""
    from pipelines import layout
    from pipelines.archive.query import ArticleNotFound, reader_view_of

    storage = _storage()
    try:
        key = reader_view_of(storage, args.target) if args.target else layout.browse_index_key()
    except ArticleNotFound as exc:
        raise CliError(str(exc)) from None
    if not storage.exists(key):
        raise CliError(f"s3://{storage.bucket}/{key} does not exist yet (process a run first)")
    if args.public:
        endpoint = (storage.settings.endpoint_url or f"https://{storage.bucket}.s3.amazonaws.com").rstrip("/")
        print(f"{endpoint}/{storage.bucket}/{key}" if storage.settings.endpoint_url else f"{endpoint}/{key}")
    else:
        print(storage.presigned_url(key, args.expires))
    return 0


# --- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every verb."""
    parser = argparse.ArgumentParser(prog="newsarchive", description=__doc__.splitlines()[0].replace("``", ""))
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    def with_sources(p: argparse.ArgumentParser) -> None:
        p.add_argument("--sources", help="sources.yaml (default: $NEWSARCHIVE_SOURCES, else <NEWSARCHIVE_HOME>/sources.yaml)")

    p = verb("stack", cmd_stack, "start, stop or show the local stack (SeaweedFS and Airflow on 127.0.0.1); env: its export line")
    p.add_argument("action", choices=["up", "down", "status", "env"])
    p.add_argument("--no-airflow", action="store_true", help="only SeaweedFS, even with the airflow extra installed")

    verb("demo", cmd_demo, "the main job on the embedded default: local S3 + demo site, crawled and processed")

    p = verb("sources", cmd_sources_check, "validate a sources file")
    p.add_argument("action", choices=["check"])
    with_sources(p)

    for name, func, help_ in (
        ("crawl", cmd_crawl, "crawl sources and stage the run"),
        ("run", cmd_run, "crawl sources, then process the run"),
    ):
        p = verb(name, func, help_)
        p.add_argument("source_ids", nargs="*", metavar="SOURCE", help="source ids (default: all enabled)")
        with_sources(p)
        p.add_argument("--max-pages", type=int, help="stop each source after N pages")
        p.add_argument(
            "--allow-loopback", action="store_true", help="allow fetching 127.0.0.0/8 (demo site, tests)"
        )

    p = verb("process", cmd_process, "clean, deduplicate, tag and archive a staged run")
    p.add_argument("--run", help="run id (default: the latest staged run)")
    with_sources(p)

    p = verb("extract", cmd_extract, "print the article of an HTML file as JSON")
    p.add_argument("file", help="HTML file, or - for stdin")
    p.add_argument("--url", help="the page's URL (helps metadata)")
    p.add_argument("--comments", action="store_true", help="keep reader comments in a separate field")

    p = verb("clean", cmd_clean, "clean article text: stdin -> stdout")
    p.add_argument("--source", help="also apply this source's cleaning rules")
    with_sources(p)

    p = verb("ls", cmd_ls, "list archived articles, newest first")
    p.add_argument("--source", help="only this source id")
    p.add_argument("--since", type=_date_arg, help="published (else fetched) on or after YYYY-MM-DD")
    p.add_argument("--tag", help="only articles with this tag or topic")
    p.add_argument("--lang", help="only this language (e.g. en)")
    p.add_argument("--limit", type=int, default=50, help="at most N lines (0: all; default 50)")
    p.add_argument("--json", action="store_true", help="print one JSON document")

    p = verb("show", cmd_show, "print one archived article (readable text; --json for the stored JSON)")
    p.add_argument("id", metavar="ID|KEY", help="article id, or its key under articles/")
    p.add_argument("--json", action="store_true", help="print the archived JSON")

    p = verb("search", cmd_search, "search the archived articles' titles, authors, tags, topics, sources and URLs")
    p.add_argument("query")
    p.add_argument("--source")
    p.add_argument("--limit", type=int, default=20, help="at most N lines (0: all; default 20)")
    p.add_argument("--json", action="store_true", help="print one JSON document")

    p = verb("reextract", cmd_reextract, "extract archived articles again from their raw WARC (no refetch)")
    p.add_argument("--run", help="the articles archived by this run")
    p.add_argument("--source", help="the articles of this source")
    with_sources(p)

    p = verb("open", cmd_open, "print a URL of the browse pages (or of an article's reader view)")
    p.add_argument("target", nargs="?", metavar="ID|KEY", help="an article (default: browse/index.html)")
    p.add_argument("--expires", type=int, default=3600, help="presigned URL lifetime in seconds (default 3600)")
    p.add_argument("--public", action="store_true",
                   help="print the plain URL (the bucket grants anonymous read on browse/ and articles/)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newsarchive`` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return args.func(args)
    except CliError as exc:
        print(f"newsarchive {args.verb}: {exc}", file=sys.stderr)
        return exc.code
    except BrokenPipeError:
        # the reader went away (`newsarchive ls | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:
        # Our own exceptions carry a message written for the user; anything else is a bug and
        # keeps its traceback.
        if not type(exc).__module__.startswith("pipelines."):
            raise
        print(f"newsarchive {args.verb}: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ValueError) else EXIT_FAILED
    except KeyboardInterrupt:
        print(f"newsarchive {args.verb}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
