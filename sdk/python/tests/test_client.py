"""The SDK's own logic: options, retries and their idempotency key, failure
policies, error mapping, TLS and tokens. Against the real node, the address
where none listens, and a TLS node."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

import authnet
from authnet.v1 import types_pb2
from conftest import TlsNode

GTIN = "5901234123457"  # none of the conformance vectors' identifiers


class Recorder(grpc.UnaryUnaryClientInterceptor):
    """Records every call a channel makes: (method, request)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def intercept_unary_unary(self, continuation: Callable, details: Any, request: Any) -> Any:
        self.calls.append((details.method, request))
        return continuation(details, request)

    def requests(self, method: str) -> list[Any]:
        return [r for m, r in self.calls if m == f"/authnet.v1.CheckoutService/{method}"]


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Counts the calls of every plain-text channel the SDK opens."""
    rec = Recorder()
    real = grpc.insecure_channel

    def insecure_channel(target: str, options: Any = None, compression: Any = None) -> grpc.Channel:
        return grpc.intercept_channel(real(target, options, compression), rec)

    monkeypatch.setattr(grpc, "insecure_channel", insecure_channel)
    return rec


def error_of(fn: Callable[[], object]) -> authnet.AuthnetError:
    with pytest.raises(authnet.AuthnetError) as info:
        fn()
    return info.value


def field_of(e: authnet.AuthnetError) -> str:
    return e.message.split(": ", 1)[0]


# Options


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"target": ""}, "target"),
        ({"deadline": 0}, "deadline"),
        ({"deadline": -1.0}, "deadline"),
        ({"deadline": float("nan")}, "deadline"),
        ({"report_attempts": 0}, "report_attempts"),
        ({"report_attempts": 11}, "report_attempts"),
        ({"failure_policy": "review"}, "failure_policy"),
        ({"token": "anet_0123"}, "token"),
        ({"root_certificates": b"-----BEGIN CERTIFICATE-----"}, "root_certificates"),
        ({"server_name": "authnet.shop.internal"}, "server_name"),
    ],
)
def test_bad_options_are_refused_naming_the_option(kwargs: dict[str, Any], field: str) -> None:
    kwargs = {"target": "unix:/nonexistent/authnet.sock", **kwargs}
    e = error_of(lambda: authnet.Client(**kwargs))
    assert (e.code, field_of(e)) == ("INVALID_ARGUMENT", field)


def test_a_token_without_tls_is_refused_before_anything_is_sent(recorder: Recorder) -> None:
    e = error_of(lambda: authnet.Client("127.0.0.1:7443", token="anet_secret"))
    assert e.code == "INVALID_ARGUMENT" and "tls" in e.message
    assert "anet_secret" not in str(e)
    assert recorder.calls == []


def test_errors_are_authnet_errors_not_grpc_errors(client: authnet.Client) -> None:
    e = error_of(lambda: client.check({"gtin": "5901234123458"}))
    assert not isinstance(e, grpc.RpcError)
    assert e.code == "INVALID_ARGUMENT"
    assert field_of(e).endswith("gtin"), e  # "subjects.gtin" (older nodes: "gtin")
    assert str(e) == f"INVALID_ARGUMENT: {e.message}"
    assert e.__cause__ is None and e.__suppress_context__


# Subjects and kinds


def test_subjects_as_dataclass_or_dict(client: authnet.Client) -> None:
    a = client.check(authnet.Subjects(gtin=GTIN, serial="PY-SUBJ-1"))
    b = client.check({"gtin": GTIN, "serial": "PY-SUBJ-1"})
    assert not a.degraded and not b.degraded
    assert a == b
    with pytest.raises(TypeError):
        client.check({"gtin": GTIN, "colour": "red"})
    with pytest.raises(TypeError):
        client.check(GTIN)  # type: ignore[arg-type]


def test_kind_as_enum_or_lower_case_name(client: authnet.Client) -> None:
    unit = {"gtin": GTIN, "serial": "PY-KIND-1"}
    r1 = client.report(unit, authnet.SignalKind.VERIFICATION_PASSED, idempotency_key="py-kind-1")
    r2 = client.report(unit, "verification_passed", idempotency_key="py-kind-1")
    assert r2.replayed and r2.seq == r1.seq  # the same report, so the same kind
    e = error_of(lambda: client.report(unit, "VERIFICATION_PASSED"))
    assert (e.code, field_of(e)) == ("INVALID_ARGUMENT", "kind")


def test_every_signal_kind_of_the_proto_is_a_kind() -> None:
    proto = [
        n.removeprefix("SIGNAL_KIND_").lower()
        for n in types_pb2.SignalKind.keys()
        if n != "SIGNAL_KIND_UNSPECIFIED"
    ]
    assert [k.value for k in authnet.SignalKind] == proto
    assert proto[-3:] == ["unit_commissioned", "unit_decommissioned", "gtin_serialized"]


def test_an_unknown_kind_is_refused_naming_every_kind(recorder: Recorder, target: str) -> None:
    with authnet.Client(target, deadline=5.0) as c:
        e = error_of(lambda: c.report({"gtin": GTIN}, "unit_stolen"))
    assert e.code == "INVALID_ARGUMENT"
    assert e.message == (
        "kind: 'unit_stolen' is not a signal kind; one of counterfeit_confirmed, "
        "counterfeit_suspected, verification_failed, verification_passed, unit_sold, "
        "return_not_genuine, unit_commissioned, unit_decommissioned, gtin_serialized"
    )
    assert recorder.calls == []


def test_report_check_retract_round_trip(client: authnet.Client) -> None:
    unit = authnet.Subjects(gtin=GTIN, serial="PY-TRIP-1")
    rep = client.report(unit, authnet.SignalKind.COUNTERFEIT_CONFIRMED, weight=1.0)
    assert rep.accepted == 1 and rep.seq > 0 and not rep.replayed
    denied = client.check(unit)
    assert denied.decision is authnet.Decision.DENY
    assert denied.reporters == 1
    [reason] = [r for r in denied.reasons if r.code == "counterfeit_confirmed"]
    assert (reason.subject_type, reason.members, reason.local) == ("unit", 1, True)
    assert reason.summary
    assert client.retract(rep.seq, rep.accepted).retracted == 1
    assert client.retract(rep.seq).retracted == 0  # already retracted
    assert client.check(unit).decision is authnet.Decision.ALLOW


def test_check_batch_keeps_order(client: authnet.Client) -> None:
    client.report({"gtin": GTIN, "serial": "PY-BATCH-1"}, "counterfeit_confirmed")
    results = client.check_batch(
        [{"gtin": GTIN, "serial": "PY-BATCH-0"}, authnet.Subjects(gtin=GTIN, serial="PY-BATCH-1")]
    )
    assert [r.decision for r in results] == [authnet.Decision.ALLOW, authnet.Decision.DENY]


# Unit lifecycle kinds and serials. The node with_node.sh starts is a single
# platform member: it refuses lifecycle kinds, which only a brand reports.


@pytest.mark.parametrize(
    ("kind", "serials"),
    [
        (authnet.SignalKind.UNIT_COMMISSIONED, ["PY-LC-1", "PY-LC-2", "PY-LC-3"]),
        ("unit_decommissioned", ["PY-LC-4"]),
        (authnet.SignalKind.GTIN_SERIALIZED, None),
    ],
)
def test_a_lifecycle_report_is_the_nodes_permission_denied_for_a_platform(
    target: str, recorder: Recorder, kind: authnet.SignalKind | str, serials: list[str] | None
) -> None:
    with authnet.Client(target, deadline=5.0, report_attempts=5) as c:
        e = error_of(lambda: c.report({"gtin": GTIN}, kind, serials=serials,
                                      idempotency_key=f"py-lifecycle-{kind}"))
    assert e.code == "PERMISSION_DENIED", e
    assert field_of(e) == "kind", e
    assert "brand" in e.message, e  # "... is reported by brand members only, and acme is a ..."
    [sent] = recorder.requests("Report")  # not retried
    assert list(sent.serials) == (serials or [])
    assert sent.kind == types_pb2.SignalKind.Value("SIGNAL_KIND_" + kind.upper())


def test_serials_on_another_kind_are_the_nodes_invalid_argument(
    target: str, recorder: Recorder
) -> None:
    with authnet.Client(target, deadline=5.0) as c:
        e = error_of(lambda: c.report({"gtin": GTIN, "serial": "PY-SER-1"}, "unit_sold",
                                      serials=("PY-SER-2",)))
    assert e.code == "INVALID_ARGUMENT", e
    assert e.message.startswith("serials: only"), e
    assert len(recorder.requests("Report")) == 1  # the node's answer, not the SDK's


def test_more_than_10000_serials_are_refused_without_a_call(
    down_target: str, recorder: Recorder
) -> None:
    serials = [f"S{i}" for i in range(10_001)]
    with authnet.Client(down_target, report_attempts=1) as c:
        e = error_of(lambda: c.report({"gtin": GTIN}, "unit_commissioned", serials=serials))
        assert (e.code, e.message) == (
            "INVALID_ARGUMENT", "serials: 10001 in one report, at most 10000"
        )
        assert recorder.calls == []
        # 10,000 is allowed: that report goes out (to a node that is down).
        e = error_of(lambda: c.report({"gtin": GTIN}, "unit_commissioned", serials=serials[:-1]))
        assert e.code == "UNAVAILABLE", e
    [sent] = recorder.requests("Report")
    assert len(sent.serials) == 10_000


@pytest.mark.parametrize(
    ("serials", "field"), [("SN-1", "serials"), (b"SN-1", "serials"), (["SN-1", 2], "serials[1]")]
)
def test_serials_that_are_not_strings_are_refused_without_a_call(
    down_target: str, recorder: Recorder, serials: Any, field: str
) -> None:
    with authnet.Client(down_target) as c:
        e = error_of(lambda: c.report({"gtin": GTIN}, "unit_commissioned", serials=serials))
    assert (e.code, field_of(e)) == ("INVALID_ARGUMENT", field)
    assert recorder.calls == []


# Failure policies


@pytest.mark.parametrize(
    ("policy", "decision"),
    [(authnet.FailurePolicy.FAIL_OPEN, authnet.Decision.ALLOW),
     ("fail_closed", authnet.Decision.DENY)],
)
def test_a_node_that_is_down_gets_the_policy_answer(
    down_target: str, recorder: Recorder, policy: Any, decision: authnet.Decision
) -> None:
    with authnet.Client(down_target, failure_policy=policy) as c:
        r = c.check({"gtin": GTIN})
        assert (r.decision, r.degraded) == (decision, True)
        assert r.node_error is not None and r.node_error.code == "UNAVAILABLE"
        batch = c.check_batch([{"gtin": GTIN}, {"seller": "x"}, {"supplier": "y"}])
        assert [(b.decision, b.degraded) for b in batch] == [(decision, True)] * 3
    assert len(recorder.calls) == 2  # checks are never retried


@pytest.fixture
def silent_target(tmp_path: Path) -> Iterator[str]:
    """A unix socket that takes connections and never answers: a node too slow
    for any deadline, deterministically (a real node can beat even 1 us)."""
    path = tmp_path / "silent.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(path))
        s.listen(16)
        yield f"unix:{path}"


def test_a_slow_answer_gets_the_policy_answer(silent_target: str) -> None:
    with authnet.Client(silent_target, deadline=0.2, failure_policy="fail_closed") as c:
        r = c.check({"gtin": GTIN})
    assert (r.decision, r.degraded) == (authnet.Decision.DENY, True)
    assert r.node_error is not None and r.node_error.code == "DEADLINE_EXCEEDED"


def test_bad_input_is_raised_whatever_the_policy(target: str) -> None:
    with authnet.Client(target, deadline=5.0, failure_policy="fail_closed") as c:
        assert error_of(lambda: c.check({})).code == "INVALID_ARGUMENT"
        assert error_of(lambda: c.check_batch([{"gtin": "123"}])).code == "INVALID_ARGUMENT"


# Report retries


def test_report_retries_with_one_generated_key(down_target: str, recorder: Recorder) -> None:
    with authnet.Client(down_target, report_attempts=4) as c:
        start = time.monotonic()
        e = error_of(lambda: c.report({"gtin": GTIN}, "counterfeit_suspected"))
        elapsed = time.monotonic() - start
    keys = [r.idempotency_key for r in recorder.requests("Report")]
    assert len(keys) == 4
    assert len(set(keys)) == 1 and keys[0].startswith("sdk-")
    assert e.code in ("UNAVAILABLE", "DEADLINE_EXCEEDED")
    assert e.message.endswith(f"(retry with idempotency key {keys[0]})")
    assert elapsed >= 0.010 + 0.020 + 0.040  # the backoff between the 4 attempts


def test_report_retries_with_the_callers_key(down_target: str, recorder: Recorder) -> None:
    with authnet.Client(down_target, report_attempts=3) as c:
        e = error_of(lambda: c.report({"gtin": GTIN}, "unit_sold", idempotency_key="order-5521-1"))
    assert [r.idempotency_key for r in recorder.requests("Report")] == ["order-5521-1"] * 3
    assert "retry with idempotency key" not in e.message  # the caller has it already


def test_each_report_call_gets_its_own_generated_key(down_target: str, recorder: Recorder) -> None:
    with authnet.Client(down_target, report_attempts=1) as c:
        for _ in range(2):
            error_of(lambda: c.report({"gtin": GTIN}, "unit_sold"))
    keys = [r.idempotency_key for r in recorder.requests("Report")]
    assert len(keys) == 2 and keys[0] != keys[1]


def test_bad_reports_are_not_retried(target: str, recorder: Recorder) -> None:
    with authnet.Client(target, deadline=5.0, report_attempts=5) as c:
        e = error_of(lambda: c.report({"gtin": GTIN}, "counterfeit_suspected", weight=1.5))
    assert (e.code, field_of(e)) == ("INVALID_ARGUMENT", "weight")
    assert len(recorder.requests("Report")) == 1


def test_retract_of_a_node_that_is_down_is_an_error(down_target: str) -> None:
    with authnet.Client(down_target) as c:
        assert error_of(lambda: c.retract(1)).code == "UNAVAILABLE"


# Lifecycle


def test_close_and_context_manager(target: str) -> None:
    with authnet.Client(target, deadline=5.0) as c:
        assert not c.check({"gtin": GTIN}).degraded
    with pytest.raises(ValueError):
        c.check({"gtin": GTIN})
    c.close()  # idempotent


# TLS and tokens, against a node whose api listener is remote


def tls_client(node: TlsNode, **kwargs: Any) -> authnet.Client:
    kwargs = {"root_certificates": node.ca_file.read_bytes(), "deadline": 5.0, **kwargs}
    return authnet.Client(kwargs.pop("target", node.target), tls=True, **kwargs)


def test_tls_with_a_token(tls_node: TlsNode) -> None:
    with tls_client(tls_node, token=tls_node.token + "\n") as c:  # as read from a file
        rep = c.report({"gtin": GTIN, "serial": "PY-TLS-1"}, "counterfeit_confirmed")
        assert rep.accepted == 1
        assert c.check({"gtin": GTIN, "serial": "PY-TLS-1"}).decision is authnet.Decision.DENY


@pytest.mark.parametrize("token", [None, "anet_" + "0" * 64])
def test_tls_without_a_valid_token_is_an_error_not_a_fallback(
    tls_node: TlsNode, token: str | None
) -> None:
    with tls_client(tls_node, token=token, failure_policy="fail_open") as c:
        assert error_of(lambda: c.check({"gtin": GTIN})).code == "UNAUTHENTICATED"


def test_tls_verifies_the_certificate(tls_node: TlsNode) -> None:
    # The certificate names authnet.shop.internal and 127.0.0.1, not localhost.
    target = f"localhost:{tls_node.port}"
    with tls_client(tls_node, target=target, token=tls_node.token) as c:
        r = c.check({"gtin": GTIN})
        assert r.degraded and r.node_error is not None and r.node_error.code == "UNAVAILABLE"
    with tls_client(tls_node, target=target, token=tls_node.token,
                    server_name="authnet.shop.internal") as c:
        assert not c.check({"gtin": GTIN}).degraded
    with tls_client(tls_node, token=tls_node.token, root_certificates=None) as c:
        assert c.check({"gtin": GTIN}).degraded  # the system's roots do not know it
