"""``python -m bounds.proof.verify DIR``: re-check every certificate in DIR."""

from __future__ import annotations

import sys

from . import main

sys.exit(main(sys.argv[1:]))
