"""SARIF 2.1.0, the format code-scanning services (GitHub, GitLab, Azure DevOps) ingest.

The run lists every rule nnlint knows with its metadata; each result points at its rule by `ruleIndex`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from urllib.parse import quote

import nnlint
from nnlint.diagnostic import Diagnostic, Edit, Location

if TYPE_CHECKING:
    from nnlint.rule_info import RuleInfo

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://nnlint.readthedocs.io/"
# Every finding is a likely bug in training code, not a style nit, so all are reported at the same level.
LEVEL = "error"


def write(diagnostics: Sequence[Diagnostic], stream: TextIO, *, rules: Mapping[str, RuleInfo]) -> None:
    json.dump(build_log(diagnostics, rules), stream, indent=2)
    stream.write("\n")


def build_log(diagnostics: Sequence[Diagnostic], rules: Mapping[str, RuleInfo]) -> dict:
    descriptors = [_rule_descriptor(rules[code]) for code in sorted(rules)]
    index_of = {descriptor["id"]: index for index, descriptor in enumerate(descriptors)}
    for diagnostic in diagnostics:
        # A code missing from `rules` still needs a descriptor: a result may not point past the list.
        if diagnostic.code not in index_of:
            index_of[diagnostic.code] = len(descriptors)
            descriptors.append({"id": diagnostic.code, "name": diagnostic.name})
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "nnlint",
                        "informationUri": INFORMATION_URI,
                        "version": nnlint.__version__,
                        "rules": descriptors,
                    }
                },
                # Our columns count characters; SARIF's default would be UTF-16 code units.
                "columnKind": "unicodeCodePoints",
                "results": [_result(diagnostic, index_of[diagnostic.code]) for diagnostic in diagnostics],
            }
        ],
    }


def _rule_descriptor(rule: RuleInfo) -> dict:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "helpUri": rule.url,
        "defaultConfiguration": {"enabled": rule.default_enabled, "level": LEVEL},
        "properties": {"tags": [rule.group]},
    }


def _result(diagnostic: Diagnostic, rule_index: int) -> dict:
    artifact = artifact_location(diagnostic.filename)
    result = {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": LEVEL,
        "message": {"text": diagnostic.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": _region(diagnostic.location, diagnostic.end_location),
                }
            }
        ],
    }
    if diagnostic.cell is not None:
        # SARIF has no notebook cells: the region's rows count within the cell named here.
        result["properties"] = {"cell": diagnostic.cell, "lineInCell": diagnostic.location.row}
    if diagnostic.related:  # another file or function that the message names
        result["relatedLocations"] = [
            {
                "id": number,
                "physicalLocation": {
                    "artifactLocation": artifact_location(related.filename),
                    "region": {"startLine": related.location.row, "startColumn": related.location.column},
                },
                "message": {"text": related.message},
            }
            for number, related in enumerate(diagnostic.related)
        ]
    fix = diagnostic.fix
    if fix is not None and fix.edits:
        result["fixes"] = [
            {
                "description": {"text": fix.message},
                "artifactChanges": [
                    {"artifactLocation": artifact, "replacements": [_replacement(edit) for edit in fix.edits]}
                ],
                "properties": {"applicability": fix.applicability},
            }
        ]
    return result


def _replacement(edit: Edit) -> dict:
    return {"deletedRegion": _region(edit.location, edit.end_location), "insertedContent": {"text": edit.content}}


def _region(start: Location, end: Location) -> dict:
    return {"startLine": start.row, "startColumn": start.column, "endLine": end.row, "endColumn": end.column}


def artifact_location(filename: str) -> dict:
    """A relative path becomes a URI reference under the checkout root; an absolute one a file: URI."""
    if os.path.isabs(filename):
        return {"uri": Path(filename).as_uri()}
    return {"uri": quote(filename.replace(os.sep, "/")), "uriBaseId": "%SRCROOT%"}
