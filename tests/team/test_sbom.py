"""`lockguard sbom`: a CycloneDX 1.6 SBOM of real guarded installs, validated by
cyclonedx-python-lib's own validator, from both entry points."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import sys

from typing import TYPE_CHECKING
from typing import Any

import pytest

from poetry_lockguard import __version__
from poetry_lockguard.commands.sbom.cyclonedx import render_cyclonedx
from poetry_lockguard.commands.sbom.inventory import Component
from poetry_lockguard.commands.sbom.inventory import Inventory
from poetry_lockguard.commands.sbom.inventory import Receipt
from poetry_lockguard.lock.model import LockedFile
from poetry_lockguard.lock.model import LockedPackage
from poetry_lockguard.lock.model import LockedSource
from poetry_lockguard.lock.reader import read_lock
from poetry_lockguard.lock.selection import Selection
from poetry_lockguard.report.model import EnvironmentInfo
from poetry_lockguard.report.model import LockInfo
from poetry_lockguard.report.model import Report
from poetry_lockguard.standalone.cli import main
from tests.support.poetry import PoetryProject
from tests.support.poetry import installed_project
from tests.support.poetry import unmeasured


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.index import PackageIndex
    from tests.support.poetry import Result

pytestmark = pytest.mark.slow


@functools.cache
def validator() -> Any:
    """cyclonedx-python-lib's strict validator of CycloneDX 1.6 JSON, made on first use:
    importing it imports jsonschema (tests/support/schemas.py)."""
    with unmeasured():
        from cyclonedx.schema import SchemaVersion
        from cyclonedx.validation.json import JsonStrictValidator
    _parse_each_iri_once()
    return JsonStrictValidator(SchemaVersion.V1_6)


def _parse_each_iri_once() -> None:
    """The validator checks every "iri-reference" with rfc3987-syntax's Earley parser
    (jsonschema's format checker), some 30 ms a string, and the SBOMs of a session name
    the same two dozen IRIs some two hundred times: each string's answer, a function of
    the string alone, is kept. Without that name in jsonschema, nothing is kept."""
    formats: Any = importlib.import_module("jsonschema._format")
    check = getattr(formats, "_rfc3987_is_valid_syntax", None)
    if check is not None and not hasattr(check, "cache_info"):
        formats._rfc3987_is_valid_syntax = functools.lru_cache(maxsize=None)(check)


def _project(
    tmp_path_factory: pytest.TempPathFactory, index: PackageIndex, poetry_home: Path
) -> PoetryProject:
    project = PoetryProject(
        tmp_path_factory.mktemp("sbom") / "app", poetry_home, index.url, with_pip=True
    )
    return installed_project(project, ["beta", "gamma[fast]"], groups={"docs": ["docs-tool"]})


@pytest.fixture(scope="module")
def clean(
    tmp_path_factory: pytest.TempPathFactory, index: PackageIndex, poetry_home: Path
) -> PoetryProject:
    return _project(tmp_path_factory, index, poetry_home)


def schema_errors(text: str) -> object:
    """cyclonedx-python-lib's verdict on the SBOM ``text`` (None: valid), untraced."""
    with unmeasured():
        return validator().validate_str(text)


def sbom(
    project: PoetryProject, name: str, *args: str, standalone: bool = False
) -> tuple[Result, dict[str, Any]]:
    """Run an entry point writing ``name``; return its result and the validated SBOM."""
    out = project.path / name
    if standalone:
        result = project.run(
            [
                sys.executable,
                "-m",
                "poetry_lockguard",
                "sbom",
                "-C",
                str(project.path),
                "-o",
                str(out),
                *args,
            ]
        )
    else:
        result = project.poetry("lockguard", "sbom", "-o", str(out), *args)
    assert result.stdout == ""
    text = out.read_text(encoding="utf-8")
    error = schema_errors(text)
    assert error is None, error
    return result, json.loads(text)


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in document["components"]}


def props(item: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((p["name"], p["value"]) for p in item.get("properties", []))


def graph(document: dict[str, Any]) -> dict[str, list[str]]:
    return {d["ref"]: sorted(d.get("dependsOn", [])) for d in document["dependencies"]}


def wheel_sha256(index: PackageIndex, name: str, version: str) -> str:
    (wheel,) = index.root.rglob(f"{name.replace('-', '_')}-{version}-*.whl")
    return hashlib.sha256(wheel.read_bytes()).hexdigest()


def test_sbom_of_a_guarded_install_lists_what_was_verified(
    clean: PoetryProject, index: PackageIndex
) -> None:
    result, document = sbom(clean, "plugin.cdx.json")
    assert (result.returncode, result.stderr) == (0, "")
    assert document["bomFormat"] == "CycloneDX"
    assert document["specVersion"] == "1.6"
    metadata = document["metadata"]
    assert metadata["component"] == {
        "bom-ref": "demo-app",
        "name": "demo-app",
        "type": "application",
        "version": "0.1.0",
    }
    tools = {t["name"]: t.get("version") for t in metadata["tools"]["components"]}
    assert tools["poetry-lockguard"] == __version__
    assert "cyclonedx-python-lib" in tools
    assert ("lockguard:verified", "true") in props(metadata)
    assert [v for n, v in props(metadata) if n == "lockguard:selected-group"] == ["docs", "main"]
    assert not [v for n, v in props(metadata) if n == "lockguard:finding"]

    components = by_name(document)
    locked = {
        "alpha": "2.0.0",
        "beta": "1.0.0",
        "gamma": "1.0.0",
        "delta": "1.0.0",
        "docs-tool": "1.0.0",
    }
    assert set(locked) <= set(components)
    lock = {p.name: p for p in read_lock(clean.lock).packages}
    repository = index.url.rstrip("/")  # as Poetry writes it into poetry.lock
    for name, version in locked.items():
        component = components[name]
        assert component["bom-ref"] == f"{name}@{version}"
        assert component["version"] == version
        assert component["purl"] == f"pkg:pypi/{name}@{version}?repository_url={repository}"
        # The archive that was installed: its sha256 from the receipt, the real wheel's.
        sha256 = wheel_sha256(index, name, version)
        assert component["hashes"] == [{"alg": "SHA-256", "content": sha256}]
        references = {
            (r["comment"], r["url"], r["hashes"][0]["content"])
            for r in component["externalReferences"]
        }
        wheel = f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
        # ... its URL from the receipt, and every file poetry.lock lists, with its hash.
        assert references == {
            (
                "installed archive (lockguard install receipt)",
                f"{index.url.removesuffix('simple/')}files/{name}/{wheel}",
                sha256,
            ),
            *(
                (f"from poetry.lock: {f.name}", f"{index.url}{name}/#{f.name}", f.digest)
                for f in lock[name].files
            ),
        }
        assert wheel in {f.name for f in lock[name].files}
        assert all(r["type"] == "distribution" for r in component["externalReferences"])
        group = "docs" if name == "docs-tool" else "main"
        assert props(component) == [("cdx:poetry:group", group), ("lockguard:verified", "true")]
    # The venv's own pip is there, not locked, so not verified, and no finding.
    assert props(components["pip"]) == [("lockguard:verified", "false")]
    assert set(components) == {*locked, "pip"}

    assert graph(document) == {
        "demo-app": ["beta@1.0.0", "docs-tool@1.0.0", "gamma@1.0.0"],
        "alpha@2.0.0": [],
        "beta@1.0.0": ["alpha@2.0.0"],
        "gamma@1.0.0": ["delta@1.0.0"],  # the edge of the extra `fast` the project asks for
        "delta@1.0.0": [],
        "docs-tool@1.0.0": [],
        f"pip@{components['pip']['version']}": [],
    }


def test_both_entry_points_write_the_same_sbom(clean: PoetryProject) -> None:
    plugin_result, plugin = sbom(clean, "plugin.cdx.json")
    standalone_result, standalone = sbom(clean, "standalone.cdx.json", standalone=True)
    assert (plugin_result.returncode, standalone_result.returncode) == (0, 0)
    for document in (plugin, standalone):
        assert document.pop("serialNumber").startswith("urn:uuid:")
        assert document["metadata"].pop("timestamp")
    assert plugin == standalone
    # Without -o the SBOM is the only thing on stdout.
    result = clean.run([sys.executable, "-m", "poetry_lockguard", "sbom", "-C", str(clean.path)])
    assert result.returncode == 0
    assert schema_errors(result.stdout) is None
    # The selection options choose what is described, as for `check`.
    result, without_docs = sbom(clean, "main.cdx.json", "--without", "docs")
    assert result.returncode == 1
    docs_tool = by_name(without_docs)["docs-tool"]
    assert props(docs_tool) == [
        ("cdx:poetry:group", "docs"),
        ("lockguard:finding", "unselected"),
        ("lockguard:verified", "false"),
    ]


def test_a_drifted_environment_is_never_presented_as_verified(
    tmp_path_factory: pytest.TempPathFactory, index: PackageIndex, poetry_home: Path
) -> None:
    project = _project(tmp_path_factory, index, poetry_home)
    project.pip("uninstall", "-y", "delta")
    project.pip("install", "alpha==1.0.0", "stray")
    # beta reinstalled by pip at its locked version: the same version, no receipt.
    project.pip("install", "--force-reinstall", "--no-deps", "beta==1.0.0")

    for standalone in (False, True):
        result, document = sbom(project, "drift.cdx.json", standalone=standalone)
        assert result.returncode == 1
        (line,) = result.stderr.strip().splitlines()
        assert "SBOM written to" in line and "drift.cdx.json" in line
        assert "(extraneous, missing, unattested, version-mismatch)" in line
        components = by_name(document)
        assert "delta" not in components
        assert props(components["alpha"]) == [
            ("lockguard:finding", "version-mismatch"),
            ("lockguard:verified", "false"),
        ]
        assert components["alpha"]["purl"] == "pkg:pypi/alpha@1.0.0"
        assert "hashes" not in components["alpha"]
        assert props(components["beta"]) == [
            ("cdx:poetry:group", "main"),
            ("lockguard:finding", "unattested"),
            ("lockguard:verified", "false"),
        ]
        assert "hashes" not in components["beta"]
        assert props(components["stray"]) == [
            ("lockguard:finding", "extraneous"),
            ("lockguard:verified", "false"),
        ]
        assert props(components["gamma"])[-1] == ("lockguard:verified", "true")
        metadata = props(document["metadata"])
        assert ("lockguard:verified", "false") in metadata
        assert [v for n, v in metadata if n == "lockguard:finding"] == ["missing delta"]
        edges = graph(document)
        assert edges["gamma@1.0.0"] == []  # delta is not there
        # The lock's edge beta -> alpha leads to the alpha that is installed.
        assert edges["beta@1.0.0"] == ["alpha@1.0.0"]
        assert edges["alpha@1.0.0"] == [] and edges["stray@1.0.0"] == []


def test_a_stale_lock_is_recorded_in_metadata_and_exit_1(clean: PoetryProject) -> None:
    original = clean.pyproject.read_text()
    clean.pyproject.write_text(original.replace('"beta"', '"beta>=1.0"'))
    try:
        result, document = sbom(clean, "stale.cdx.json", standalone=True)
    finally:
        clean.pyproject.write_text(original)
    assert result.returncode == 1
    assert "with findings (lock-stale)" in result.stderr
    metadata = props(document["metadata"])
    assert [v for n, v in metadata if n == "lockguard:finding"] == ["lock-stale"]
    assert ("lockguard:verified", "false") in metadata
    # Each package is still what the lock says; the lock is what is out of date.
    assert props(by_name(document)["beta"]) == [
        ("cdx:poetry:group", "main"),
        ("lockguard:verified", "true"),
    ]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("no-pyproject", "no pyproject.toml in this directory or its parents"),
        ("no-lock", "poetry.lock: file not found (an SBOM describes a locked environment"),
        ("bad-python", "interpreter not found"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    project: PoetryProject, setup: str, expected: str
) -> None:
    args: list[str] = []
    if setup != "no-pyproject":
        project.write_pyproject(["alpha"])
    if setup == "bad-python":
        project.poetry("lock", check=True)
        args = ["--python", str(project.path / "nowhere" / "bin" / "python")]
    out = project.path / "x.json"
    for result in (
        project.poetry("lockguard", "sbom", "-o", str(out), *args),
        project.run([sys.executable, "-m", "poetry_lockguard", "sbom", "-o", str(out), *args]),
    ):
        assert result.returncode == 2, result.output
        assert result.stdout == ""
        (line,) = result.stderr.strip().splitlines()
        assert expected in line
        assert not out.exists()


def test_without_cyclonedx_the_command_names_the_extra(
    clean: PoetryProject, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "cyclonedx", None)
    assert main(["sbom", "-C", str(clean.path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    # This test's interpreter has Poetry: the extra is added the way `poetry self` adds.
    assert captured.err == (
        "lockguard: sbom needs cyclonedx-python-lib, from the extra poetry-lockguard[sbom]:"
        " poetry self add 'poetry-lockguard[sbom]'\n"
    )


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("pipx", "pipx inject poetry 'poetry-lockguard[sbom]'"),
        ("self", "poetry self add 'poetry-lockguard[sbom]'"),
        ("pip", "'/srv/my env/bin/python' -m pip install 'poetry-lockguard[sbom]'"),
        (
            "project",
            (
                'add extras = ["sbom"] to poetry-lockguard in the project\'s'
                " [tool.poetry.requires-plugins] (Poetry installs it on its next command)"
            ),
        ),
        (
            "zipapp",
            (
                "the single-file checker cannot carry it: run `python -m poetry_lockguard sbom`"
                " from an installed 'poetry-lockguard[sbom]'"
            ),
        ),
    ],
)
def test_the_extra_is_added_the_way_this_copy_was_installed(
    tmp_path: Path, where: str, expected: str
) -> None:
    from poetry_lockguard.install_route import add_extra_command

    prefix = tmp_path / "poetry"
    package = prefix / "lib" / "python3.12" / "site-packages" / "poetry_lockguard"
    if where == "project":
        package = tmp_path / "app" / ".poetry" / "plugins" / "poetry_lockguard"
    package.mkdir(parents=True)
    init = package / "__init__.py"
    init.write_text("")
    if where == "pipx":
        (prefix / "pipx_metadata.json").write_text("{}")
    if where == "zipapp":
        init = tmp_path / "lockguard.pyz" / "poetry_lockguard" / "__init__.py"
    command = add_extra_command(
        "sbom",
        package_file=str(init),
        prefix=str(prefix),
        executable="/srv/my env/bin/python",
        has_poetry=where != "pip",
    )
    assert command == expected


def _inventory(components: tuple[Component, ...]) -> Inventory:
    report = Report(
        project="/srv/app",
        lock=LockInfo(
            path="/srv/app/poetry.lock",
            version="2.1",
            content_hash="0" * 64,
            fresh=True,
            packages=len(components),
        ),
        environment=EnvironmentInfo(
            path="/srv/app/.venv",
            python="/srv/app/.venv/bin/python",
            python_version="3.11.7",
            fingerprint="sha256:" + "a" * 64,
            packages=len(components),
        ),
        selection=Selection(groups=frozenset({"main"}), extras=frozenset()),
        findings=(),
    )
    return Inventory(
        report=report,
        project_name="app",
        project_version="",
        components=components,
        root_dependencies=tuple(c.ref for c in components),
        dependencies={},
        other_findings=(),
    )


COMMIT = "0123456789abcdef0123456789abcdef01234567"
SHA = "ab" * 32


@pytest.mark.parametrize(
    ("source", "receipt", "purl", "references"),
    [
        (
            LockedSource(type="legacy", url="https://user:token@pkgs.example.com/simple"),
            Receipt(
                url="https://user:token@pkgs.example.com/f/pkg-1.0-py3-none-any.whl", sha256=SHA
            ),
            "pkg:pypi/pkg@1.0?repository_url=https://pkgs.example.com/simple",
            {
                ("distribution", "https://pkgs.example.com/f/pkg-1.0-py3-none-any.whl"),
                ("distribution", "https://pkgs.example.com/simple/pkg/#pkg-1.0-py3-none-any.whl"),
            },
        ),
        (
            LockedSource(),
            Receipt(url="https://files.example.org/pkg-1.0-py3-none-any.whl", sha256=SHA),
            "pkg:pypi/pkg@1.0",
            {
                ("distribution", "https://files.example.org/pkg-1.0-py3-none-any.whl"),
                ("distribution", "pkg-1.0-py3-none-any.whl"),
            },
        ),
        (
            LockedSource(type="url", url="https://example.com/pkg-1.0-py3-none-any.whl"),
            Receipt(url="https://example.com/pkg-1.0-py3-none-any.whl", sha256=SHA),
            "pkg:pypi/pkg@1.0?download_url=https://example.com/pkg-1.0-py3-none-any.whl",
            {("distribution", "https://example.com/pkg-1.0-py3-none-any.whl")},
        ),
        (
            LockedSource(
                type="git",
                url="https://git.example.com/pkg.git",
                reference="main",
                resolved_reference=COMMIT,
            ),
            Receipt(url="https://git.example.com/pkg.git", commit=COMMIT),
            f"pkg:pypi/pkg@1.0?vcs_url=git%2Bhttps://git.example.com/pkg.git%40{COMMIT}",
            {("vcs", f"git+https://git.example.com/pkg.git#{COMMIT}")},
        ),
        (LockedSource(type="directory", url="../pkg"), None, None, set()),
    ],
    ids=["legacy-with-credentials", "default-index", "url", "git", "directory"],
)
def test_purl_and_references_per_source_type(
    source: LockedSource,
    receipt: Receipt | None,
    purl: str | None,
    references: set[tuple[str, str]],
) -> None:
    files = (
        ()
        if source.type in ("git", "directory")
        else (LockedFile("pkg-1.0-py3-none-any.whl", f"sha256:{SHA}"),)
    )
    package = LockedPackage(name="pkg", version="1.0", files=files, source=source)
    component = Component(
        ref="pkg@1.0",
        name="pkg",
        display_name="pkg",
        version="1.0",
        locked=package,
        receipt=receipt,
        findings=(),
        groups=("main",),
    )
    text = render_cyclonedx(_inventory((component,)))
    assert schema_errors(text) is None
    (rendered,) = json.loads(text)["components"]
    assert rendered.get("purl") == purl
    assert {(r["type"], r["url"]) for r in rendered.get("externalReferences", [])} == references
    assert "token" not in text
    expected_props = [("cdx:poetry:group", "main"), ("lockguard:verified", "true")]
    if source.type == "git":
        expected_props[1:1] = [
            ("cdx:python:package:source:vcs:commit_id", COMMIT),
            ("cdx:python:package:source:vcs:requested_revision", "main"),
        ]
    assert props(rendered) == expected_props
    assert rendered.get("hashes") == (
        [{"alg": "SHA-256", "content": SHA}] if receipt and receipt.sha256 else None
    )
