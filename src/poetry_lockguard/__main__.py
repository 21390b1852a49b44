from __future__ import annotations

import sys

from poetry_lockguard.cli import main


sys.exit(main())
