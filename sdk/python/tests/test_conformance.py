"""Runs sdk/conformance/vectors.json through the SDK: every case in order against
the one fresh node with_node.sh started, then the offline cases against the
address where no node listens."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

import authnet
from conftest import REPO_DIR

VECTORS_PATH = Path(
    os.environ.get("AUTHNET_VECTORS", REPO_DIR / "sdk" / "conformance" / "vectors.json")
)
VECTORS: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
assert VECTORS["version"] == 1, f"{VECTORS_PATH}: a version this runner does not know"

Result = (
    authnet.CheckResult | list[authnet.CheckResult] | authnet.ReportResult | authnet.RetractResult
)
_REF = re.compile(r"^\$\{(\d+)\.(\w+)\}$")


def _snake(name: str) -> str:
    """protobuf JSON names to field names: "nfcUid" -> "nfc_uid"."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _substitute(value: Any, results: list[Result | None]) -> Any:
    """Replaces every "${N.field}" string with field of step N's result."""
    if isinstance(value, dict):
        return {k: _substitute(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, results) for v in value]
    if isinstance(value, str) and (m := _REF.match(value)):
        step, field = int(m.group(1)), _snake(m.group(2))
        assert step < len(results) and results[step] is not None, f"{value}: no such result"
        return getattr(results[step], field)
    return value


def _subjects(json_subjects: dict[str, str]) -> dict[str, str]:
    return {_snake(k): v for k, v in json_subjects.items()}


def _call(client: authnet.Client, call: str, request: dict[str, Any]) -> Result:
    """The SDK call for a step's request (protobuf JSON of the authnet.v1 request)."""
    if call == "check":
        return client.check(_subjects(request.get("subjects", {})))
    if call == "check_batch":
        return client.check_batch([_subjects(c.get("subjects", {})) for c in request["checks"]])
    if call == "report":
        kind = request.get("kind", "SIGNAL_KIND_UNSPECIFIED").removeprefix("SIGNAL_KIND_").lower()
        return client.report(
            _subjects(request.get("subjects", {})),
            kind,
            weight=float(request.get("weight", 1.0)),
            idempotency_key=request.get("idempotencyKey"),
        )
    if call == "retract":
        return client.retract(int(request.get("seq", 0)), int(request.get("count", 1)))
    raise AssertionError(f"unknown call {call!r}")


def _decision(name: str) -> authnet.Decision:
    return authnet.Decision[name.removeprefix("DECISION_")]


def _check_expect(result: Result, expect: dict[str, Any], offline: bool) -> None:
    checks: list[Any] = list(result) if isinstance(result, list) else [result]
    if "error" in expect:
        raise AssertionError(f"expected error {expect['error']}, got {result}")
    for key, want in expect.items():
        if key == "decision":
            assert isinstance(result, authnet.CheckResult), result
            assert result.decision is _decision(want), f"decision: want {want}, got {result}"
        elif key == "decisions":
            assert isinstance(result, list), result
            got = [r.decision for r in result]
            assert got == [_decision(d) for d in want], f"decisions: want {want}, got {result}"
        elif key in ("reasonCodes", "noReasonCodes"):
            assert isinstance(result, authnet.CheckResult), result
            codes = {r.code for r in result.reasons}
            if key == "reasonCodes":
                assert set(want) <= codes, f"reason codes {sorted(codes)} lack {want}"
            else:
                assert not set(want) & codes, f"reason codes {sorted(codes)} include {want}"
        elif key == "degraded":
            assert all(r.degraded is want for r in checks), f"degraded: want {want}, got {result}"
        elif key in ("accepted", "replayed", "seq", "retracted"):
            assert getattr(result, key) == want, f"{key}: want {want!r}, got {result}"
        else:
            raise AssertionError(f"expect key {key!r} is unknown to this runner")
    if not offline:
        # An answer from the failure policy would pass "allow" expectations
        # without the node having said anything.
        for r in checks:
            if isinstance(r, authnet.CheckResult):
                assert not r.degraded, f"the node did not answer: {r.node_error}"


def _run_step(client: authnet.Client, step: dict[str, Any], results: list[Result | None],
              offline: bool = False) -> None:
    request = _substitute(step["request"], results)
    expect = _substitute(step["expect"], results)
    try:
        result = _call(client, step["call"], request)
    except authnet.AuthnetError as e:
        results.append(None)
        if "error" not in expect:
            raise AssertionError(f"expected {expect}, got {e}") from None
        assert e.code in expect["error"].split("|"), f"expected {expect['error']}, got {e}"
        if "field" in expect:
            field = e.message.split(": ", 1)[0]
            assert field == expect["field"], f"field: want {expect['field']!r}, got {e}"
        return
    results.append(result)
    _check_expect(result, expect, offline)


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["name"] for c in VECTORS["cases"]])
def test_case(target: str, case: dict[str, Any]) -> None:
    results: list[Result | None] = []
    with authnet.Client(target, deadline=5.0) as client:
        for i, step in enumerate(case["steps"]):
            try:
                _run_step(client, step, results)
            except AssertionError as e:
                raise AssertionError(f"step {i} ({step['call']} {step['request']}): {e}") from None


OFFLINE = VECTORS["offline"]["cases"]


@pytest.mark.parametrize("case", OFFLINE, ids=[c["name"] for c in OFFLINE])
def test_offline(down_target: str, case: dict[str, Any]) -> None:
    # As "offline.about" says: a 50 ms deadline and one report attempt.
    with authnet.Client(down_target, deadline=0.05, report_attempts=1,
                        failure_policy=authnet.FailurePolicy(case["policy"])) as client:
        _run_step(client, case, [], offline=True)
