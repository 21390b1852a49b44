from __future__ import annotations

from poetry_lockguard.cli import main


raise SystemExit(main())
