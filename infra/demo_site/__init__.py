"""A realistic local multi-site news web on 127.0.0.1, for the demo, the tests and the benchmarks.

>>> with DemoSite() as site:            # doctest: +SKIP
...     site.sites["wpcom"]              # 'http://127.0.0.1:41234'
"""

from .server import DEFAULT_PORT_BASE, DemoSite, RequestRecord, port_plan

__all__ = ["DEFAULT_PORT_BASE", "DemoSite", "RequestRecord", "port_plan"]
