"""``traps``: the crawler-hardening trap site (placeholder, filled in below)."""

from __future__ import annotations

from .site import Site


class TrapSite(Site):
    """Every crawler trap, one case each (source id ``traps``)."""

    name = "traps"
    title = "Trap Gazette"
