"""``python -m yibao``: the ``yibao`` command (see :mod:`yibao.cli`)."""

import sys

from .cli import main

sys.exit(main())
