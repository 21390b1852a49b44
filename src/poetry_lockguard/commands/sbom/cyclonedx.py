"""An Inventory as a CycloneDX 1.6 JSON SBOM, built with cyclonedx-python-lib.

The shape follows cyclonedx-py's Poetry support: ``pkg:pypi`` purls with
``repository_url``/``download_url``/``vcs_url`` qualifiers, ``name@version`` bom-refs,
the lock's files as ``distribution`` external references with their hashes, and the
``cdx:poetry:group`` and ``cdx:python:package:source:vcs:*`` properties of the CycloneDX
property taxonomy. What only lockguard knows is in ``lockguard:*`` properties: whether a
component is verified, and the codes of the findings about it (docs/sbom.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from poetry_lockguard import __version__


if TYPE_CHECKING:
    from cyclonedx.model import ExternalReference
    from cyclonedx.model import Property
    from cyclonedx.model.component import Component as CdxComponent
    from packageurl import PackageURL

    from poetry_lockguard.commands.sbom.inventory import Component
    from poetry_lockguard.commands.sbom.inventory import Inventory
    from poetry_lockguard.lock.model import LockedPackage

#: Source types Poetry installs from a path on this machine: no purl, as cyclonedx-py.
_LOCAL_SOURCES = ("file", "directory")


def render_cyclonedx(inventory: Inventory) -> str:
    """The CycloneDX 1.6 JSON document of ``inventory`` (components, dependency graph,
    lockguard's verdict per component and for the whole environment)."""
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component as CdxComponent
    from cyclonedx.model.component import ComponentType
    from cyclonedx.model.dependency import Dependency
    from cyclonedx.output.json import JsonV1Dot6

    bom = Bom()
    bom.metadata.tools.components.update(
        (
            CdxComponent(
                type=ComponentType.APPLICATION,
                name="poetry-lockguard",
                version=__version__,
                description="Verifies a Python environment against poetry.lock",
            ),
            _library_component(),
        )
    )
    root = CdxComponent(
        type=ComponentType.APPLICATION,
        name=inventory.project_name,
        version=inventory.project_version or None,
        bom_ref=inventory.project_name,
    )
    bom.metadata.component = root
    bom.metadata.properties.update(_metadata_properties(inventory))
    components = {c.ref: _component(c) for c in inventory.components}
    bom.components.update(components.values())
    bom.dependencies.add(
        Dependency(
            root.bom_ref,
            dependencies=[Dependency(components[r].bom_ref) for r in inventory.root_dependencies],
        )
    )
    for ref, component in components.items():
        bom.dependencies.add(
            Dependency(
                component.bom_ref,
                dependencies=[
                    Dependency(components[r].bom_ref) for r in inventory.dependencies.get(ref, ())
                ],
            )
        )
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"


def _library_component() -> CdxComponent:
    """cyclonedx-python-lib's own description, listed among the tools as cyclonedx-py
    lists it."""
    try:
        from cyclonedx.contrib.this.builders import this_component
    except ImportError:  # older cyclonedx-python-lib releases have it only here
        from cyclonedx.builder.this import this_component
    return this_component()


def _metadata_properties(inventory: Inventory) -> list[Property]:
    from cyclonedx.model import Property

    report = inventory.report
    assert report.environment is not None and report.selection is not None
    values = [
        ("lockguard:verified", _bool(inventory.verified)),
        ("lockguard:environment-fingerprint", report.environment.fingerprint),
        ("lockguard:python-version", report.environment.python_version),
        *(("lockguard:selected-group", g) for g in sorted(report.selection.groups)),
        *(("lockguard:selected-extra", e) for e in sorted(report.selection.extras)),
        *(
            ("lockguard:finding", f"{code} {package}" if package else code)
            for code, package in inventory.other_findings
        ),
    ]
    if report.lock.content_hash:
        values.append(("lockguard:lock-content-hash", report.lock.content_hash))
    return [Property(name=name, value=value) for name, value in values]


def _component(c: Component) -> CdxComponent:
    from cyclonedx.model import HashAlgorithm
    from cyclonedx.model import HashType
    from cyclonedx.model import Property
    from cyclonedx.model.component import Component as CdxComponent
    from cyclonedx.model.component import ComponentType

    package = c.locked
    properties = [
        *(Property(name="cdx:poetry:group", value=g) for g in c.groups),
        Property(name="lockguard:verified", value=_bool(c.verified)),
        *(Property(name="lockguard:finding", value=code) for code in c.findings),
    ]
    source = package.source if package else None
    if source is not None and source.type == "git":
        commit = (c.receipt.commit if c.receipt else "") or source.resolved_reference
        if source.reference:
            properties.append(
                Property(
                    name="cdx:python:package:source:vcs:requested_revision", value=source.reference
                )
            )
        if commit:
            properties.append(
                Property(name="cdx:python:package:source:vcs:commit_id", value=commit)
            )
    receipt = c.receipt
    return CdxComponent(
        type=ComponentType.LIBRARY,
        name=c.display_name,
        version=c.version,
        bom_ref=c.ref,
        purl=_purl(c.name, c.version, package),
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=receipt.sha256)]
        if receipt and receipt.sha256
        else None,
        external_references=_references(c, package),
        properties=properties,
    )


def _purl(name: str, version: str, package: LockedPackage | None) -> PackageURL | None:
    """``pkg:pypi/name@version`` with the qualifier that names a non-default source
    (purl spec: ``repository_url``, ``download_url``, ``vcs_url``)."""
    from packageurl import PackageURL

    source = package.source if package else None
    qualifiers: dict[str, str] = {}
    if source is not None:
        if source.type in _LOCAL_SOURCES:
            return None
        if source.type == "legacy" and source.url:
            qualifiers["repository_url"] = redact(source.url)
        elif source.type == "url":
            qualifiers["download_url"] = redact(source.url)
        elif source.type == "git":
            qualifiers["vcs_url"] = (
                f"git+{redact(source.url)}@{source.resolved_reference or source.reference}"
            )
    return PackageURL(type="pypi", name=name, version=version, qualifiers=qualifiers or None)


def _references(c: Component, package: LockedPackage | None) -> list[ExternalReference]:
    """The archive the receipt names, and the lock's files with their hashes."""
    from cyclonedx.model import ExternalReference
    from cyclonedx.model import ExternalReferenceType
    from cyclonedx.model import HashAlgorithm
    from cyclonedx.model import HashType
    from cyclonedx.model import XsUri

    references: list[ExternalReference] = []
    receipt = c.receipt
    if receipt and receipt.url and receipt.sha256:
        references.append(
            ExternalReference(
                type=ExternalReferenceType.DISTRIBUTION,
                url=XsUri(redact(receipt.url)),
                hashes=[HashType(alg=HashAlgorithm.SHA_256, content=receipt.sha256)],
                comment="installed archive (lockguard install receipt)",
            )
        )
    if package is None:
        return references
    source = package.source
    if source.type == "git":
        commit = (receipt.commit if receipt else "") or source.resolved_reference
        references.append(
            ExternalReference(
                type=ExternalReferenceType.VCS,
                url=XsUri(f"git+{redact(source.url)}#{commit}"),
                comment="from poetry.lock (VCS)",
            )
        )
        return references
    for file in package.files:
        algorithm = _ALGORITHMS.get(file.algorithm)
        if algorithm is None:
            continue
        if source.type in ("url", "file"):
            url = redact(source.url)
        elif source.type == "legacy" and source.url:
            url = f"{redact(source.url).rstrip('/')}/{package.name}/#{file.name}"
        else:
            url = file.name  # the default source: a reference relative to its index
        references.append(
            ExternalReference(
                type=ExternalReferenceType.DISTRIBUTION,
                url=XsUri(url),
                hashes=[HashType(alg=HashAlgorithm(algorithm), content=file.digest)],
                comment=f"from poetry.lock: {file.name}",
            )
        )
    return references


#: poetry.lock hash algorithms -> CycloneDX's names (md5 and sha1 are listed too: the
#: ``weak-hash`` finding says they prove nothing).
_ALGORITHMS = {
    "md5": "MD5",
    "sha1": "SHA-1",
    "sha256": "SHA-256",
    "sha384": "SHA-384",
    "sha512": "SHA-512",
}


def redact(url: str) -> str:
    """``url`` without the user name and password a source URL may carry."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _bool(value: bool) -> str:
    return "true" if value else "false"
