"""Entry point of `python -m bench NAME [--json OUT]`."""

import sys

from bench.runner import main

sys.exit(main())
