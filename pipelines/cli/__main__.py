"""``python -m pipelines.cli``: the ``newsarchive`` command."""

import sys

from pipelines.cli.main import main

sys.exit(main())
