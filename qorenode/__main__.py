"""``python -m qorenode``: the ``qorenode`` command line."""

import sys

from qorenode.cli import main

sys.exit(main())
