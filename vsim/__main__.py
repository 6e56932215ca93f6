"""``python -m vsim serve ...``: see :mod:`vsim.serve`."""

import sys

from .serve import main

sys.exit(main())
