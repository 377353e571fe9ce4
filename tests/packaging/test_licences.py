"""What ships is permissively licensed: every distribution the app needs at run time (pyproject's
dependencies and everything they pull in, as installed) offers a licence that is not GPL or AGPL.
LGPL (Qt for Python, dynamically linked) and dual or triple licences with a permissive choice pass."""
from __future__ import annotations

import importlib.metadata as metadata
import re
import tomllib

from packaging.requirements import Requirement

from tests.conftest import ROOT

COPYLEFT = re.compile(r"\bA?GPL\b|Affero|(?<!Lesser )General Public License", re.I)
WEAK = re.compile(r"LGPL|Lesser|Library General Public", re.I)


def _options(dist: metadata.Distribution) -> list[str]:
    meta = dist.metadata
    expression = meta.get("License-Expression") or ""
    options = [part.strip(" ()") for part in re.split(r"\bOR\b", expression) if part.strip(" ()")]
    license_field = (meta.get("License") or "").strip()
    if license_field and "\n" not in license_field and len(license_field) < 100:
        options.append(license_field)
    options += [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")
                and c.split("::")[-1].strip() not in ("OSI Approved", "Other/Proprietary License")]
    return options


def offers_a_permissive_choice(options: list[str] | tuple[str, ...]) -> bool:
    return any(WEAK.search(o) or not COPYLEFT.search(o) for o in options)


def runtime_distributions() -> dict[str, metadata.Distribution]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found: dict[str, metadata.Distribution] = {}
    todo = [Requirement(r) for r in project["dependencies"]]
    while todo:
        requirement = todo.pop()
        key = requirement.name.lower().replace("_", "-")
        if key in found:
            continue
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            continue  # a dependency for another platform
        found[key] = dist
        for line in dist.requires or []:
            nested = Requirement(line)
            if nested.marker is None or nested.marker.evaluate({"extra": ""}):
                todo.append(nested)
    return found


def test_every_runtime_distribution_offers_a_licence_that_is_not_gpl():
    dists = runtime_distributions()
    assert {"llama-cpp-python", "rapidocr", "onnxruntime", "pyside6-essentials", "qdrant-edge-py"} <= set(dists)
    unknown = sorted(name for name, dist in dists.items() if not _options(dist))
    copyleft_only = sorted(name for name, dist in dists.items()
                           if _options(dist) and not offers_a_permissive_choice(_options(dist)))
    assert unknown == [] and copyleft_only == []


def test_the_check_tells_gpl_from_lgpl_and_from_a_permissive_choice():
    def passes(*options: str) -> bool:
        return offers_a_permissive_choice(options)

    assert not passes("GPL-3.0-only") and not passes("GNU Affero General Public License v3")
    assert not passes("GNU General Public License v3 (GPLv3)")
    assert passes("LGPL-3.0-only", "GPL-3.0-only") and passes("Apache Software License", "GNU General Public License (GPL)")
    assert passes("MIT") and passes("GNU Lesser General Public License v2 or later (LGPLv2+)")
