"""The console-script wrappers installers write, as the grammar reads them: pip's
(old and new), uv's and installer's (Poetry's) pass; anything that does more fails."""

from __future__ import annotations

import ast

import pytest

from poetry_lockguard.checks.anchored import _is_wrapper
from poetry_lockguard.env.wheel import EntryPoint


POINT = EntryPoint("demo", "demo.cli", "main")

PIP = """\
# -*- coding: utf-8 -*-
import re
import sys
from demo.cli import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""
PIP_NEW = """\
# -*- coding: utf-8 -*-
import sys
from demo.cli import main
if __name__ == "__main__":
    if sys.argv[0].endswith("-script.pyw"):
        sys.argv[0] = sys.argv[0][:-11]
    elif sys.argv[0].endswith(".exe"):
        sys.argv[0] = sys.argv[0][:-4]
    sys.exit(main())
"""
INSTALLER = """\
# -*- coding: utf-8 -*-
import re
import sys
from demo.cli import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
"""

#: virtualenv's seeder: the import under the ``if``.
VIRTUALENV = """\
#!/venv/bin/python
# -*- coding: utf-8 -*-
import re
import sys
if __name__ == '__main__':
    from demo.cli import main
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""


@pytest.mark.parametrize(
    "source",
    [PIP, PIP_NEW, INSTALLER, VIRTUALENV],
    ids=["pip", "pip 24", "installer", "virtualenv"],
)
def test_what_installers_write_is_a_wrapper(source: str) -> None:
    assert _is_wrapper(ast.parse(source), POINT)


@pytest.mark.parametrize(
    "source",
    [
        INSTALLER.replace("from demo.cli import main", "from demo.evil import main"),
        INSTALLER.replace("sys.exit(main())", "sys.exit(main(1))"),
        INSTALLER + "print('after')\n",
        INSTALLER.replace("import re\n", "import re\nimport os\n"),
        INSTALLER.replace(
            "    sys.exit(main())", "    __import__('os').system('x')\n    sys.exit(main())"
        ),
        INSTALLER.replace('if __name__ == "__main__":', "if True:"),
        PIP_NEW.replace("sys.argv[0][:-11]", "sys.argv[1:]"),
        PIP.replace("re.sub(", "re.subn("),
        "@decorator\ndef main(): pass\n",
        INSTALLER.replace('__main__":\n', '__main__":\n    from demo.cli import main\n'),
        VIRTUALENV.replace("    sys.argv[0] = re", "    sys.argv[0] = 'x'\n    sys.argv[0] = re")
        .replace("    from demo.cli import main\n", "")
        .replace(
            "    sys.argv[0] = 'x'\n", "    sys.argv[0] = 'x'\n    from demo.cli import main\n"
        ),
        VIRTUALENV.replace("    sys.exit(main())\n", ""),
    ],
    ids=[
        "another module",
        "an argument",
        "code after",
        "another import",
        "another call",
        "no __main__ guard",
        "argv sliced otherwise",
        "another re function",
        "a function",
        "imported twice",
        "code before the import",
        "no call",
    ],
)
def test_anything_more_is_not_a_wrapper(source: str) -> None:
    assert not _is_wrapper(ast.parse(source), POINT)
