from __future__ import annotations

from poetry_lockguard.standalone.cli import main


raise SystemExit(main())
