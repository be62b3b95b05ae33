"""``python -m stepshrink`` is the same as the ``stepshrink`` console script."""

from stepshrink.cli import main

raise SystemExit(main())
