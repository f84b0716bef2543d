"""``python -m infra.demo_site``: serve the demo sites in the foreground (site i on port-base + i)."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from .server import DEFAULT_PORT_BASE, DemoSite, port_plan

log = logging.getLogger("infra.demo_site")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, serve until interrupted, return an exit status."""
    parser = argparse.ArgumentParser(prog="python -m infra.demo_site", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port-base", type=int, default=DEFAULT_PORT_BASE, help=f"first port; 0 for ephemeral ports (default {DEFAULT_PORT_BASE})"
    )
    parser.add_argument("--write-sources", metavar="FILE", help="write a sources.yaml for the running sites")
    parser.add_argument("--traps", action="store_true", help="enable the traps source in the written sources.yaml")
    parser.add_argument("--big-archive", action="store_true", help="also serve bigarchive (a 60,000-URL archive sitemap)")
    parser.add_argument("--slow-seconds", type=float, default=2.0, help="duration of the citynews slow page")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    ports = port_plan(args.port_base)
    if args.big_archive and args.port_base:
        ports["bigarchive"] = args.port_base + len(ports)
    try:
        site = DemoSite(args.host, ports, slow_seconds=args.slow_seconds, big_archive=args.big_archive).start()
    except (OSError, ValueError) as exc:
        log.error("cannot start the demo site: %s", exc)
        return 1
    if args.write_sources:
        path = site.write_sources(args.write_sources, traps_enabled=args.traps)
        log.info("wrote %s", path)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    site.stop()
    log.info("demo site stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
