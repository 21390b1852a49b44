from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Protocol


if TYPE_CHECKING:
    from tests.support.poetry import PoetryProject


class ProjectFactory(Protocol):
    def __call__(self, name: str = ..., *, with_pip: bool = ...) -> PoetryProject: ...
