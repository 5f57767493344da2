"""``python -m golink_magic`` is the ``golink-magic`` command."""

import sys

from .frontends.cli import main

sys.exit(main())
