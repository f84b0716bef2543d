"""A realistic local multi-site news web on 127.0.0.1, for the demo, the tests and the benchmarks.

>>> with DemoSite() as site:            # doctest: +SKIP
...     site.sites["wpcom"]              # 'http://127.0.0.1:41234'
"""

from .server import DemoSite, RequestRecord

__all__ = ["DemoSite", "RequestRecord"]
