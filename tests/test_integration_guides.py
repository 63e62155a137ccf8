"""The integration guides say what the code does: the webhook signature example is computed by
brokerage's own signing and verified by the guide's Python snippet, and every list of codes in a
guide (statuses, decline reasons, rejection reasons) is the code's list."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from brokerage.domain.offers import DeclineReason
from brokerage.domain.webhooks import SIGNATURE_HEADER, signature_header
from brokerage.domain.webhooks import verify as brokerage_verify
from monitoring.domain.visit_events import Rejection
from referrals.domain.lifecycle import Status

GUIDES = Path(__file__).resolve().parents[1] / "docs" / "integration"


def fenced_blocks(path: Path) -> dict[str, str]:
    """The guide's fenced blocks, by their info string (``text secret``, ``python verify``...)."""
    blocks = re.findall(r"^```([^\n`]+)\n(.*?)^```$", path.read_text(), flags=re.MULTILINE | re.DOTALL)
    return {info.strip(): text.removesuffix("\n") for info, text in blocks}


def table_codes(path: Path, heading: str) -> list[str]:
    """The backticked codes in the first column of the first table after ``heading``."""
    text = path.read_text()
    section = text[text.index(heading) :]
    table = re.search(r"((?:^\|.*\|\n)+)", section, flags=re.MULTILINE)
    assert table is not None, heading
    rows = table.group(1).splitlines()[2:]
    return [m.group(1) for row in rows if (m := re.match(r"\| `([a-z_]+)`", row))]


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    blocks = fenced_blocks(GUIDES / "providers.md")
    namespace: dict[str, Any] = {}
    exec(compile(blocks["python verify"], "providers.md", "exec"), namespace)  # noqa: S102
    return {
        "secret": blocks["text secret"],
        "timestamp": int(blocks["text timestamp"]),
        "body": blocks["json body"].encode(),
        "header": blocks[f"text {SIGNATURE_HEADER}"],
        "verify": namespace["verify"],
        "error": namespace["BadSignature"],
    }


def test_the_worked_example_is_what_brokerage_sends(example: dict[str, Any]) -> None:
    assert signature_header(example["secret"], example["timestamp"], example["body"]) == example["header"]
    brokerage_verify(example["secret"], example["header"], example["body"], now=example["timestamp"])


def test_the_example_body_is_a_valid_offered_event(example: dict[str, Any]) -> None:
    schema = json.loads((GUIDES.parent / "events" / "brokerage.package.offered.json").read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        json.loads(example["body"])
    )


def test_the_guide_snippet_accepts_the_example_and_refuses_any_change(example: dict[str, Any]) -> None:
    verify, bad, t = example["verify"], example["error"], example["timestamp"]
    verify(example["secret"], example["header"], example["body"], now=t)
    verify(example["secret"], example["header"], example["body"], now=t + 299)
    with pytest.raises(bad):
        verify(example["secret"], example["header"], example["body"].replace(b'"round":1', b'"round":2'), now=t)
    with pytest.raises(bad):
        verify(example["secret"] + "x", example["header"], example["body"], now=t)
    with pytest.raises(bad):
        verify(example["secret"], example["header"].replace(f"t={t}", f"t={t + 1}"), example["body"], now=t)
    with pytest.raises(bad):
        verify(example["secret"], example["header"], example["body"], now=t + 301)
    with pytest.raises(bad):
        verify(example["secret"], "v1=abc", example["body"], now=t)


def test_guides_list_exactly_the_codes_the_services_use() -> None:
    assert sorted(table_codes(GUIDES / "case-management.md", "## Statuses")) == sorted(s.value for s in Status)
    assert sorted(table_codes(GUIDES / "etms-vendors.md", "Rejection reasons:")) == sorted(r.value for r in Rejection)
    text = (GUIDES / "providers.md").read_text()
    declines = re.search(r"`reason_code` \(([^)]*)\)", text)
    assert declines is not None
    assert re.findall(r"`([a-z_]+)`", declines.group(1)) == [d.value for d in DeclineReason]
