"""A check without selection options uses the selection the last guarded install
recorded; locked packages outside the selection are `unselected`, not `extraneous`."""

from __future__ import annotations

import shutil

from typing import TYPE_CHECKING

from tests.support.poetry import installed_project
from tests.support.scenarios import installed_with_docs_and_extra


if TYPE_CHECKING:
    from tests.types import ProjectFactory


def test_bare_check_uses_the_recorded_selection(project_factory: ProjectFactory) -> None:
    project = installed_with_docs_and_extra(project_factory("memory"))
    for result in (project.lockguard("--format", "json"), project.standalone("--format", "json")):
        assert (result.returncode, result.codes()) == (0, []), result.output
        document = result.json()
        assert document["selection"] == {"groups": ["docs", "main"], "extras": ["e1"]}
        assert any("last guarded install" in note for note in document["notes"])
    text = project.lockguard()
    assert "selection from the last guarded install: --with docs -E e1" in text.stdout


def test_options_win_and_outside_packages_are_unselected(project_factory: ProjectFactory) -> None:
    project = installed_with_docs_and_extra(project_factory("memory"))
    for run in (project.lockguard, project.standalone):
        result = run("--format", "json", "-E", "e1")
        assert (result.returncode, result.findings()) == (0, [("unselected", "docs-tool")]), (
            result.output
        )
        finding = result.json()["findings"][0]
        assert (finding["severity"], finding["expected"]) == ("warning", "--with docs")
        strict = run("--format", "json", "--with", "docs", "--strict")
        assert (strict.returncode, strict.findings()) == (1, [("unselected", "zeta")]), (
            strict.output
        )
    # A package installed by hand that no group or extra locks stays extraneous.
    project.pip("install", "stray")
    result = project.standalone("--format", "json", "--with", "docs")
    assert result.findings() == [("extraneous", "stray"), ("unselected", "zeta")], result.output


def test_unselected_names_every_option_that_selects_it(project_factory: ProjectFactory) -> None:
    project = project_factory("every-option")
    project.write_pyproject(
        ["beta>=1.0"],
        groups={"docs": ["docs-tool"], "lint": ["docs-tool"]},
        optional_groups={"docs", "lint"},
    )
    project.poetry("lock", check=True)
    project.poetry("install", "--with", "docs", check=True)
    for run in (project.lockguard, project.standalone):
        result = run("--format", "json", "--only", "main")
        assert (result.returncode, result.findings()) == (0, [("unselected", "docs-tool")])
        (finding,) = result.json()["findings"]
        assert finding["message"].startswith(
            "docs-tool 1.0.0 is locked, but for --with docs or --with lint, which this check"
            " does not select"
        ), finding["message"]
        assert finding["expected"] == "--with docs"  # the first of them


#: What an earlier lockguard recorded, and what a package's data files can put into the
#: venv (a wheel's ``NAME.data/data/.lockguard/selection.json``).
PLANTED = '{"without": ["main"]}'


def test_a_selection_planted_in_the_venv_drops_nothing(project_factory: ProjectFactory) -> None:
    project = installed_project(
        project_factory("planted"), ["beta>=1.0"], lockguard={"require-receipts": True}
    )
    project.pip("install", "--force-reinstall", "--no-deps", "beta==1.0.0")
    (project.venv / ".lockguard").mkdir(exist_ok=True)
    (project.venv / ".lockguard" / "selection.json").write_text(PLANTED)
    for run in (project.lockguard, project.standalone):
        result = run("--integrity", "--format", "json")
        assert (result.returncode, result.findings()) == (1, [("unattested", "beta")]), (
            result.output
        )
        assert result.json()["selection"]["groups"] == ["main"]
        assert any("written by an earlier lockguard" in n for n in result.json()["notes"])
    verbose = project.standalone("-v")
    assert "the recorded selection was ignored: written by an earlier lockguard" in (
        verbose.output
    ), verbose.output


def test_a_selection_recorded_for_another_project_is_not_applied(
    project_factory: ProjectFactory,
) -> None:
    one = installed_with_docs_and_extra(project_factory("one"))
    other = installed_with_docs_and_extra(project_factory("other"))
    # The other project's venv records its own selection: this check is of `one`.
    shutil.rmtree(one.venv)
    shutil.copytree(other.venv, one.venv, symlinks=True)
    result = one.standalone("--format", "json", "--python", str(other.venv))
    assert result.json()["selection"] == {"groups": ["main"], "extras": []}, result.output
    assert (result.returncode, result.codes()) == (0, ["unselected", "unselected"])
    verbose = one.standalone("-v", "--python", str(other.venv))
    assert "the recorded selection was ignored: it was recorded for another project" in (
        verbose.output
    ), verbose.output


def test_a_recorded_selection_leaving_out_main_is_named(project_factory: ProjectFactory) -> None:
    project = project_factory("only-docs")
    project.write_pyproject(["beta>=1.0"], groups={"docs": ["docs-tool"]}, optional_groups={"docs"})
    project.poetry("lock", check=True)
    project.poetry("install", "--only", "docs", check=True)
    for run in (project.lockguard, project.standalone):
        result = run("--format", "json")
        assert (result.returncode, result.codes()) == (0, []), result.output
        assert result.json()["selection"]["groups"] == ["docs"]
        assert (
            "the selection the last guarded install recorded (--only docs) leaves out the"
            " default group main: their packages are not required; pass group options to"
            " check them"
        ) in result.json()["notes"]
    assert "leaves out the default group main" in project.lockguard().stdout
