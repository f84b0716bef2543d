"""The ``newsarchive`` command line (:func:`main`); the one place of the library that may start
what :mod:`infra` provides (the local stack, the demo site)."""

from pipelines.cli.main import main

__all__ = ["main"]
