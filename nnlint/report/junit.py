"""JUnit XML, which CI systems (Jenkins, GitLab, Azure) show as test results: each file checked is a test
case that passes when clean and fails with one <failure> per finding."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TextIO

from nnlint.diagnostic import Diagnostic

# Characters XML 1.0 cannot carry at all, not even escaped; ElementTree would write them and break the file.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def write(diagnostics: Sequence[Diagnostic], stream: TextIO, *, files_checked: Sequence[str]) -> None:
    by_file: dict[str, list[Diagnostic]] = {filename: [] for filename in files_checked}
    for diagnostic in diagnostics:
        by_file.setdefault(diagnostic.filename, []).append(diagnostic)

    failed = sum(1 for found in by_file.values() if found)
    counts = {"tests": str(len(by_file)), "failures": str(failed), "errors": "0"}
    suites = ET.Element("testsuites", name="nnlint", **counts)
    suite = ET.SubElement(suites, "testsuite", name="nnlint", **counts)
    for filename, found in by_file.items():
        case = ET.SubElement(suite, "testcase", name=_xml_text(filename), classname="nnlint", file=_xml_text(filename))
        for diagnostic in found:
            summary = f"{diagnostic.code} {diagnostic.message}"
            failure = ET.SubElement(case, "failure", message=_xml_text(summary), type=diagnostic.code)
            location = diagnostic.location
            cell = f"cell {diagnostic.cell}:" if diagnostic.cell is not None else ""
            failure.text = _xml_text(f"{filename}:{cell}{location.row}:{location.column}: {summary}")

    ET.indent(suites)
    # ASCII with character references reads the same whatever encoding the stream writes in.
    document = ET.tostring(suites, encoding="us-ascii", xml_declaration=True).decode("ascii")
    stream.write(document + "\n")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
