"""``pipelines.clean.clean_text`` (public name): the cleaner lives in :mod:`pipelines.extract.clean`."""

from pipelines.extract.clean import clean_text, normalise_text

__all__ = ["clean_text", "normalise_text"]
