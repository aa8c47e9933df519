"""``python -m pipeline`` is the ``newsletter`` command."""

from pipeline.cli import main

raise SystemExit(main())
