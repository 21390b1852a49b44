"""The target interpreter against the project's Python constraint."""

from __future__ import annotations

from poetry_lockguard.findings import finding
from poetry_lockguard.lock.constraints import allows
from poetry_lockguard.lock.constraints import project_python_constraint


TYPE_CHECKING = False
if TYPE_CHECKING:
    from poetry_lockguard.findings import Finding
    from poetry_lockguard.lock.project import Project


class PythonVersionCheck:
    """``python-unsupported``: the interpreter's version is outside the Python
    constraint of pyproject.toml (``requires-python``, or ``[tool.poetry.dependencies]
    python`` where set), which poetry.lock was resolved for."""

    def run(self, project: Project, version: str, python: str) -> list[Finding]:
        """One warning when ``version`` (``3.13.0``) of ``python`` is not allowed; none
        when it is, when there is no constraint or when it cannot be read."""
        constraint = project_python_constraint(project.data)
        if constraint is None or allows(constraint[0], version) is not False:
            return []
        text, where = constraint
        return [
            finding(
                "python-unsupported",
                None,
                f"Python {version} ({python}) is not allowed by the project's {where}"
                f" ({text}): poetry.lock was not resolved for it, and Poetry would refuse"
                " to install into it",
                expected=text,
                found=version,
            )
        ]
