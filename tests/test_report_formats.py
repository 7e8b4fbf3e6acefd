"""The machine-readable formats, read back the way the tools that consume them do."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnlint
from nnlint.diagnostic import Diagnostic, Edit, Fix, Location
from nnlint.report import FORMATS, write_report
from nnlint.report.github import escape_data, escape_property
from nnlint.rules.base import RuleInfo

SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

RULES = {
    "NN001": RuleInfo("NN001", "syntax-error", "The file does not parse.", None, True),
    "NN101": RuleInfo("NN101", "view-as-permute", "`view` used as a transpose.", "unsafe", True),
    "NN205": RuleInfo("NN205", "loss-clamped", "The loss is clamped.", "safe", True),
    "NN501": RuleInfo("NN501", "imagenet-step-decay", "ImageNet's schedule copied.", None, False),
}

TRAIN = "train scripts/train.py"
VIEW = Diagnostic(
    code="NN101",
    name="view-as-permute",
    message="`view` reorders dims (b, c, h, w) -> (b, h, w, c); this mixes data — use `permute(0, 2, 3, 1)`",
    filename=TRAIN,
    location=Location(6, 12),
    end_location=Location(6, 30),
    fix=Fix("unsafe", "Use `x.permute(0, 2, 3, 1)`", (Edit("x.permute(0, 2, 3, 1)", Location(6, 12), Location(6, 30)),)),
    url=RULES["NN101"].url,
)
CLAMP = Diagnostic(
    code="NN205",
    name="loss-clamped",
    message='100% of "large" losses <ignored> & lost: clip gradients, not the loss',
    filename=TRAIN,
    location=Location(8, 8),
    end_location=Location(10, 2),
    fix=Fix("safe", "Remove the clamp", (Edit("F.cross_entropy(logits, y)", Location(8, 8), Location(10, 2)),)),
    url=RULES["NN205"].url,
)
SYNTAX = Diagnostic(
    code="NN001",
    name="syntax-error",
    message="syntax error: expected ':'\r\n    def f(\x1b\n          ^",
    filename="broken.py",
    location=Location(1, 7),
    end_location=Location(1, 7),
    url=RULES["NN001"].url,
)
DIAGNOSTICS = [SYNTAX, VIEW, CLAMP]


def render(fmt: str, diagnostics=DIAGNOSTICS, files_checked=()) -> str:
    stream = io.StringIO()
    write_report(fmt, diagnostics, stream, rules=RULES, files_checked=files_checked)
    return stream.getvalue()


def validate_sarif(log: dict) -> None:
    validator = jsonschema.validators.validator_for(SARIF_SCHEMA)
    validator.check_schema(SARIF_SCHEMA)
    validator(SARIF_SCHEMA).validate(log)


# --- json / json-lines -------------------------------------------------------------------------------


def test_json_uses_ruffs_field_names_and_one_based_positions():
    objects = json.loads(render("json"))

    assert [obj["code"] for obj in objects] == ["NN001", "NN101", "NN205"]
    view = objects[1]
    assert set(view) == {"code", "name", "message", "filename", "location", "end_location", "fix", "url", "cell"}
    assert view["filename"] == TRAIN
    assert view["location"] == {"row": 6, "column": 12}
    assert view["end_location"] == {"row": 6, "column": 30}
    assert view["fix"] == {
        "applicability": "unsafe",
        "message": "Use `x.permute(0, 2, 3, 1)`",
        "edits": [
            {
                "content": "x.permute(0, 2, 3, 1)",
                "location": {"row": 6, "column": 12},
                "end_location": {"row": 6, "column": 30},
            }
        ],
    }
    assert objects[0]["fix"] is None
    assert view["url"] == RULES["NN101"].url


def test_json_round_trips_to_the_same_findings():
    assert [Diagnostic.from_dict(obj) for obj in json.loads(render("json"))] == DIAGNOSTICS


def test_json_lines_is_one_compact_object_per_line_even_for_multi_line_messages():
    lines = render("json-lines").split("\n")

    assert lines[-1] == ""  # the output ends with a newline
    assert [json.loads(line) for line in lines[:-1]] == [d.to_dict() for d in DIAGNOSTICS]


# --- github ------------------------------------------------------------------------------------------


def test_github_annotation_carries_the_range_and_escapes_the_message():
    lines = render("github").splitlines()

    assert lines == [
        "::error title=nnlint (NN001),file=broken.py,line=1,col=7,endLine=1,endColumn=7::"
        "NN001 syntax error: expected ':'%0D%0A    def f(\x1b%0A          ^",
        "::error title=nnlint (NN101),file=train scripts/train.py,line=6,col=12,endLine=6,endColumn=30::"
        f"NN101 {VIEW.message}",
        "::error title=nnlint (NN205),file=train scripts/train.py,line=8,col=8,endLine=10,endColumn=2::"
        'NN205 100%25 of "large" losses <ignored> & lost: clip gradients, not the loss',
    ]


def test_github_escapes_property_separators_in_file_names():
    output = render("github", [Diagnostic("NN205", "loss-clamped", "m", "runs/a,b:c%.py", Location(1, 1), Location(1, 2))])

    assert ",file=runs/a%2Cb%3Ac%25.py," in output
    assert escape_property("a:b,c%\r\n") == "a%3Ab%2Cc%25%0D%0A"
    assert escape_data("a:b,c%\r\n") == "a:b,c%25%0D%0A"


# --- sarif -------------------------------------------------------------------------------------------


def test_sarif_validates_against_the_official_schema():
    log = json.loads(render("sarif"))

    validate_sarif(log)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")


def test_sarif_describes_every_rule_and_points_each_result_at_its_own():
    run = json.loads(render("sarif"))["runs"][0]
    driver = run["tool"]["driver"]

    assert (driver["name"], driver["version"]) == ("nnlint", nnlint.__version__)
    assert driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == ["NN001", "NN101", "NN205", "NN501"]
    step_decay = driver["rules"][3]
    assert step_decay["name"] == "imagenet-step-decay"
    assert step_decay["shortDescription"] == {"text": "ImageNet's schedule copied."}
    assert step_decay["helpUri"] == RULES["NN501"].url
    assert step_decay["defaultConfiguration"] == {"enabled": False, "level": "error"}
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    assert [result["ruleIndex"] for result in run["results"]] == [0, 1, 2]


def test_sarif_result_location_message_and_fix():
    results = json.loads(render("sarif"))["runs"][0]["results"]
    clamp = results[2]

    assert clamp["message"] == {"text": CLAMP.message}
    location = clamp["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "train%20scripts/train.py"
    assert location["region"] == {"startLine": 8, "startColumn": 8, "endLine": 10, "endColumn": 2}
    (fix,) = clamp["fixes"]
    assert fix["description"] == {"text": "Remove the clamp"}
    (replacement,) = fix["artifactChanges"][0]["replacements"]
    assert replacement["insertedContent"] == {"text": "F.cross_entropy(logits, y)"}
    assert replacement["deletedRegion"] == {"startLine": 8, "startColumn": 8, "endLine": 10, "endColumn": 2}
    assert "fixes" not in results[0]


def test_sarif_gives_a_code_missing_from_the_rules_its_own_descriptor():
    stray = Diagnostic("NN999", "mystery", "m", "a.py", Location(1, 1), Location(1, 2))
    stream = io.StringIO()
    write_report("sarif", [stray], stream, rules={})

    log = json.loads(stream.getvalue())
    validate_sarif(log)
    run = log["runs"][0]
    assert run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]["id"] == "NN999"


def test_sarif_absolute_paths_become_file_uris(tmp_path):
    absolute = str(tmp_path / "my model.py")
    log = json.loads(render("sarif", [Diagnostic("NN205", "loss-clamped", "m", absolute, Location(1, 1), Location(1, 2))]))

    validate_sarif(log)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == Path(absolute).as_uri()
    assert uri.startswith("file:///") and "%20" in uri


# --- junit -------------------------------------------------------------------------------------------


def test_junit_has_a_test_case_per_file_and_a_failure_per_finding():
    root = ET.fromstring(render("junit", files_checked=["broken.py", "clean.py", TRAIN]))

    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert list(cases) == ["broken.py", "clean.py", TRAIN]
    assert cases["clean.py"].findall("failure") == []
    assert [f.get("type") for f in cases[TRAIN].findall("failure")] == ["NN101", "NN205"]
    assert len(root.findall(".//failure")) == len(DIAGNOSTICS)
    assert (suite.get("tests"), suite.get("failures")) == ("3", "2")


def test_junit_keeps_markup_characters_in_messages_intact():
    root = ET.fromstring(render("junit", files_checked=[TRAIN]))

    (clamp,) = root.findall(".//failure[@type='NN205']")
    assert clamp.get("message") == f"NN205 {CLAMP.message}"
    assert clamp.text == f"{TRAIN}:8:8: NN205 {CLAMP.message}"


def test_junit_replaces_characters_xml_cannot_hold():
    # SYNTAX's message holds an ESC, which no XML document may contain, even escaped.
    root = ET.fromstring(render("junit", [SYNTAX]))

    assert root.find(".//failure").get("message") == "NN001 syntax error: expected ':'\r\n    def f(\ufffd\n          ^"


def test_junit_lists_files_with_findings_that_were_not_in_files_checked():
    root = ET.fromstring(render("junit", files_checked=["clean.py"]))

    assert [case.get("name") for case in root.iter("testcase")] == ["clean.py", "broken.py", TRAIN]


# --- every format ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_findings_is_valid_empty_output(fmt):
    output = render(fmt, [], files_checked=["clean.py"])

    if fmt in ("json", "gitlab"):
        assert json.loads(output) == []
    elif fmt == "sarif":
        log = json.loads(output)
        validate_sarif(log)
        assert log["runs"][0]["results"] == []
        assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len(RULES)
    elif fmt == "junit":
        root = ET.fromstring(output)
        assert [case.get("name") for case in root.iter("testcase")] == ["clean.py"]
        assert root.findall(".//failure") == []
        assert root.get("failures") == "0"
    else:
        assert output == ""


def test_unknown_format_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown output format 'xml'.*sarif"):
        render("xml")


messages = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1)
paths = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=20)


@given(message=messages, filename=paths)
def test_any_message_and_path_keeps_every_format_well_formed(message, filename):
    found = [
        Diagnostic("NN205", "loss-clamped", message, filename, Location(1, 1), Location(1, 2)),
        Diagnostic("NN101", "view-as-permute", message, filename, Location(2, 1), Location(3, 1)),
    ]

    assert [Diagnostic.from_dict(obj) for obj in json.loads(render("json", found))] == found
    assert len(render("json-lines", found).splitlines()) == 2
    assert len(render("github", found).split("\n")) == 3  # two annotations and the final newline
    assert len(render("concise", found).splitlines()) == 2
    assert len(ET.fromstring(render("junit", found)).findall(".//failure")) == 2
    validate_sarif(json.loads(render("sarif", found)))
