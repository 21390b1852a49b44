"""METADATA read as the core metadata spec says, in-process over planted dist-info."""

from __future__ import annotations

import os

from typing import TYPE_CHECKING

import pytest

from poetry_lockguard.env.distributions import read_metadata_header
from poetry_lockguard.env.distributions import scan_distributions


if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def _plant(site: Path, directory: str, metadata: bytes, name: str = "METADATA") -> Path:
    dist = site / directory
    dist.mkdir(parents=True)
    (dist / name).write_bytes(metadata)
    return dist


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Name: evil\nVersion: 1\n\n", ("evil", "1")),
        ("Name: evil\r\nVersion: 1\r\n\r\n", ("evil", "1")),
        # Not line breaks in a header: form feed, \x1c, \x1d, \x1e, \x85, \u2028, \u2029.
        *(
            (f"Summary: x{sep}Name: pip\nName: evil\nVersion: 1\n", ("evil", "1"))
            for sep in ("\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\x0b")
        ),
        ("Name: evil\nVersion: 1\n\nName: pip\n", ("evil", "1")),
        ("Name:   evil  \nVersion:\t1\n", ("evil", "1")),
        ("name: evil\nVERSION: 1\n", ("evil", "1")),
        ("Name: pip\n evil\nVersion: 1\n", ("pip evil", "1")),
    ],
)
def test_header_fields(text: str, expected: tuple[str, str]) -> None:
    assert read_metadata_header(text) == (expected, "")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Name: pip\nName: evil\nVersion: 1\n", "has 2 Name headers"),
        ("Name: evil\nVersion: 1\nVersion: 2\n", "has 2 Version headers"),
        ("Metadata-Version: 2.1\nnot a header\nName: pip\nVersion: 1\n", "has no Name or Version"),
        (
            "Summary: x\rName: pip\nName: evil\nVersion: 1\n",
            "has a bare carriage return that makes readers disagree on its Name or Version",
        ),
        ("Name: evil\n", "has no Name or Version"),
        ("Name: \nVersion: 1\n", "has no Name or Version"),
    ],
)
def test_header_problems(text: str, problem: str) -> None:
    assert read_metadata_header(text) == (("", ""), problem)


def test_bare_carriage_return_that_changes_nothing_is_accepted() -> None:
    text = "Name: evil\nVersion: 1\nSummary: a\rb\n\n"
    assert read_metadata_header(text) == (("evil", "1"), "")


def test_hidden_name_is_not_read(tmp_path: Path) -> None:
    _plant(
        tmp_path,
        "evil-1.0.dist-info",
        b"Metadata-Version: 2.1\x0cName: pip\nName: evil\nVersion: 1.0\n\n",
    )
    [dist] = scan_distributions((tmp_path,))
    assert (dist.name, dist.version, dist.problem) == ("evil", "1.0", "")


@pytest.mark.parametrize(
    ("directory", "metadata", "problem"),
    [
        (
            "pip-24.0.dist-info",
            b"Name: evil\nVersion: 24.0\n",
            "the directory name says 'pip-24.0', METADATA says evil 24.0",
        ),
        (
            "evil-1.0.dist-info",
            b"Name: evil\nVersion: 2.0\n",
            "the directory name says version '1.0', METADATA says evil 2.0",
        ),
        (
            "evil-1.0-py3.9.egg-info",
            b"Name: alpha\nVersion: 1.0\n",
            "the directory name says 'evil-1.0-py3.9', METADATA says alpha 1.0",
        ),
    ],
)
def test_directory_and_metadata_disagree(
    tmp_path: Path, directory: str, metadata: bytes, problem: str
) -> None:
    _plant(
        tmp_path, directory, metadata, "PKG-INFO" if directory.endswith(".egg-info") else "METADATA"
    )
    [dist] = scan_distributions((tmp_path,))
    assert (dist.problem_code, dist.problem) == ("metadata-mismatch", problem)


@pytest.mark.parametrize(
    ("directory", "metadata"),
    [
        ("Foo_Bar-1.0.dist-info", b"Name: foo.bar\nVersion: 1.0\n"),
        ("foo_bar-1.0.post1.dist-info", b"Name: Foo-Bar\nVersion: 1.0-post1\n"),
        ("foo-bar-1.0.dist-info", b"Name: foo-bar\nVersion: 1.0\n"),
        ("foo-1.0.0.dist-info", b"Name: foo\nVersion: 1.0\n"),
        ("foo-1.0-py3.9.egg-info", b"Name: foo\nVersion: 1.0\n"),
        ("foo.egg-info", b"Name: foo\nVersion: 1.0\n"),
    ],
)
def test_equivalent_names_and_versions_agree(
    tmp_path: Path, directory: str, metadata: bytes
) -> None:
    _plant(
        tmp_path, directory, metadata, "PKG-INFO" if directory.endswith(".egg-info") else "METADATA"
    )
    [dist] = scan_distributions((tmp_path,))
    assert dist.problem == ""


def test_distutils_egg_info_file_is_a_distribution(tmp_path: Path) -> None:
    (tmp_path / "old-1.0-py3.9.egg-info").write_bytes(
        b"Metadata-Version: 1.0\nName: old\nVersion: 1.0\n"
    )
    [dist] = scan_distributions((tmp_path,))
    assert (dist.name, dist.version, dist.problem, dist.is_egg_info) == ("old", "1.0", "", True)


@pytest.mark.parametrize("kind", ["fifo", "socket", "device", "symlink-out", "directory"])
def test_metadata_that_is_not_a_regular_file_is_not_opened(tmp_path: Path, kind: str) -> None:
    dist = tmp_path / "site" / "evil-1.0.dist-info"
    dist.mkdir(parents=True)
    metadata = dist / "METADATA"
    expected = {
        "fifo": "METADATA is a FIFO, not a regular file (not opened)",
        "socket": "METADATA is a socket, not a regular file (not opened)",
        "device": "METADATA is a character device, not a regular file (not opened)",
        "directory": "METADATA is a directory, not a regular file (not opened)",
    }.get(kind, "")
    if kind == "fifo":
        os.mkfifo(metadata)
    elif kind == "socket":
        import socket

        sock = socket.socket(socket.AF_UNIX)
        short = tmp_path / "s"
        sock.bind(str(short))
        sock.close()
        os.rename(short, metadata)
    elif kind == "device":
        metadata.symlink_to("/dev/zero")
        expected = "METADATA is a symlink to /dev/zero, outside "
    elif kind == "symlink-out":
        outside = tmp_path / "outside-METADATA"
        outside.write_bytes(b"Name: pip\nVersion: 1\n")
        metadata.symlink_to(outside)
        expected = f"METADATA is a symlink to {outside}, outside "
    else:
        metadata.mkdir()
    [found] = scan_distributions((tmp_path / "site",))
    assert found.problem_code == "invalid-distribution"
    assert found.problem.startswith(expected), found.problem


def test_symlink_inside_the_dist_info_is_followed(tmp_path: Path) -> None:
    dist = _plant(tmp_path, "ok-1.0.dist-info", b"Name: ok\nVersion: 1.0\n", "PKG-INFO")
    (dist / "METADATA").symlink_to("PKG-INFO")
    [found] = scan_distributions((tmp_path,))
    assert (found.name, found.problem) == ("ok", "")


def test_what_is_not_a_distribution_directory(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "flat-1.0.dist-info").write_text("")
    (site / "loop-1.0.dist-info").symlink_to("loop-1.0.dist-info")
    (site / "dangling-1.0.egg-info").symlink_to(tmp_path / "nowhere")
    found = scan_distributions((tmp_path / "absent", site))
    assert [(d.name, d.problem) for d in found] == [
        ("flat", "is not a directory"),
        ("loop", "METADATA cannot be read (Too many levels of symbolic links)"),
    ]


LONG = 64 * 1024  # the most bytes of METADATA read for its header
#: Odd-sized, so that the read ends inside one of the two-byte characters after it.
HEAD = b"Version: 1.0\nName: cut\nKeywords: ab\nSummary: "


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        # The read ends inside a character of a long Summary: the header is read.
        (HEAD + "\u00e9".encode() * LONG, ("cut", "1.0", "")),
        (
            b"Version: 1.0\nName: c" + b"u" * LONG,
            ("cut", "1.0", "METADATA has a header longer than 65536 bytes"),
        ),
    ],
    ids=["cut in a character", "cut in the Name"],
)
def test_a_header_longer_than_the_read(
    tmp_path: Path, metadata: bytes, expected: tuple[str, str, str]
) -> None:
    assert len(HEAD) % 2
    _plant(tmp_path, "cut-1.0.dist-info", metadata)
    [found] = scan_distributions((tmp_path,))
    assert (found.name, found.version, found.problem) == expected


@pytest.mark.parametrize(
    ("make", "result"),
    [
        (
            lambda dist: (dist / "direct_url.json").write_text("[]"),
            (None, "direct_url.json is not a JSON object"),
        ),
        (lambda dist: (dist / "direct_url.json").write_text('{"url": "x"}'), ({"url": "x"}, "")),
    ],
)
def test_direct_url_json_must_be_an_object(
    tmp_path: Path, make: Callable[[Path], object], result: tuple[object, str]
) -> None:
    make(_plant(tmp_path, "ok-1.0.dist-info", b"Name: ok\nVersion: 1.0\n"))
    (tmp_path / "old-1.0.egg-info").mkdir()
    (tmp_path / "old-1.0.egg-info" / "PKG-INFO").write_text("Name: old\nVersion: 1.0\n")
    ok, old = scan_distributions((tmp_path,))
    assert ok.read_json("direct_url.json") == result
    assert old.read_json("direct_url.json") == (None, "")  # an egg-info has none
