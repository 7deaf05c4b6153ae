"""authnet.Client: the Python twin of the C++ SDK's authnet::Client."""

from __future__ import annotations

import dataclasses
import math
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import NoReturn

import grpc

from ._types import (
    AuthnetError,
    CheckResult,
    Decision,
    FailurePolicy,
    Reason,
    ReportResult,
    RetractResult,
    SignalKind,
    Subjects,
    SubjectsLike,
)

try:
    from .v1 import checkout_pb2, checkout_pb2_grpc, types_pb2
except ImportError as e:  # running from the source tree, not a generated one
    raise ImportError(
        "authnet: the generated gRPC modules (authnet.v1.*_pb2) are missing; build the "
        "package with sdk/python/generate.sh OUT_DIR and import it from there"
    ) from e

# Failures that mean "the node could not answer", as opposed to "the request
# is wrong": check and check_batch answer the FailurePolicy's decision.
_NODE_COULD_NOT_ANSWER = frozenset(
    {
        "UNAVAILABLE",
        "DEADLINE_EXCEEDED",
        "RESOURCE_EXHAUSTED",
        "ABORTED",
        "INTERNAL",
        "UNKNOWN",
        "CANCELLED",
    }
)
# Failures after which a report is tried again, with the same idempotency key.
_REPORT_RETRIED = frozenset({"UNAVAILABLE", "DEADLINE_EXCEEDED"})
# The most serials one report takes (the node's limit too).
_MAX_REPORT_SERIALS = 10_000

_DECISIONS = {
    types_pb2.DECISION_ALLOW: Decision.ALLOW,
    types_pb2.DECISION_REVIEW: Decision.REVIEW,
    types_pb2.DECISION_DENY: Decision.DENY,
}


def _invalid(message: str) -> NoReturn:
    raise AuthnetError("INVALID_ARGUMENT", message)


def _from_grpc(error: grpc.RpcError) -> AuthnetError:
    """The AuthnetError for a failed call (a grpc.RpcError is also a grpc.Call)."""
    code = error.code() if isinstance(error, grpc.Call) else None
    details = error.details() if isinstance(error, grpc.Call) else None
    return AuthnetError(code.name if code is not None else "UNKNOWN", details or str(error))


def _subjects_proto(subjects: SubjectsLike) -> types_pb2.Subjects:
    if isinstance(subjects, Mapping):
        subjects = Subjects(**subjects)  # TypeError for a key that is not a field
    if not isinstance(subjects, Subjects):
        raise TypeError(
            f"subjects: expected authnet.Subjects or a dict, got {type(subjects).__name__}"
        )
    return types_pb2.Subjects(**dataclasses.asdict(subjects))


def _subject_type_name(value: int) -> str:
    """SUBJECT_TYPE_UNIT -> "unit": the names the node uses in reasons."""
    try:
        name = str(types_pb2.SubjectType.Name(value))
    except ValueError:  # a value this SDK's protos do not know yet
        return ""
    return name.removeprefix("SUBJECT_TYPE_").lower()


def _check_result(r: checkout_pb2.CheckResponse) -> CheckResult:
    return CheckResult(
        decision=_DECISIONS.get(r.decision, Decision.ALLOW),
        risk=r.risk,
        reporters=r.reporters,
        reasons=[
            Reason(
                subject_type=_subject_type_name(x.subject_type),
                code=x.code,
                members=x.members,
                newest_age_days=x.newest_age_days,
                score=x.score,
                local=x.local,
                summary=x.summary,
            )
            for x in r.reasons
        ],
    )


def _signal_kind_proto(kind: SignalKind | str) -> str:
    """The proto enum value's name, which protobuf takes for the value."""
    try:
        kind = SignalKind(kind)
    except ValueError:
        names = ", ".join(k.value for k in SignalKind)
        _invalid(f"kind: {kind!r} is not a signal kind; one of {names}")
    return "SIGNAL_KIND_" + kind.name


def _serials(serials: Sequence[str] | None) -> list[str]:
    """A report's serials, checked: a list of strings, at most _MAX_REPORT_SERIALS.
    Which kinds take them is the node's to say (INVALID_ARGUMENT "serials: ...")."""
    if serials is None:
        return []
    if isinstance(serials, (str, bytes)) or not isinstance(serials, Iterable):
        _invalid("serials: must be a list of serials (strings), e.g. ['SN-1', 'SN-2']")
    out = list(serials)
    if len(out) > _MAX_REPORT_SERIALS:
        _invalid(f"serials: {len(out)} in one report, at most {_MAX_REPORT_SERIALS}")
    for i, serial in enumerate(out):
        if not isinstance(serial, str):
            _invalid(f"serials[{i}]: must be a string, got {type(serial).__name__}")
    return out


class Client:
    """Talks to one authnet node's api listener.

    Thread-safe: share one Client across threads; calls are independent. The
    constructor checks its arguments (AuthnetError INVALID_ARGUMENT naming the
    argument) and prepares a channel; it does not wait for the node: a node
    that is down shows up as calls failing UNAVAILABLE.

    Args:
        target: the node's api listener, "unix:/path/to/api.sock" or "HOST:PORT".
        deadline: seconds allowed for every call (each attempt, for retried reports).
        failure_policy: what check and check_batch answer when the node cannot.
        report_attempts: attempts per report (1 to 10) when the node is
            unavailable or slow; every attempt carries the same idempotency key.
        tls: reach the node over TLS: a remote node's api listener (any address
            but a unix socket or loopback) serves only TLS with bearer tokens.
        root_certificates: PEM roots that verify the node's api certificate
            (None: the system's). Needs tls.
        server_name: the name the node's certificate carries, if not the
            target's host. Needs tls.
        token: a token from ``authnetctl token create``, sent as
            "authorization: Bearer TOKEN" on every call. Needs tls.
    """

    def __init__(
        self,
        target: str,
        *,
        deadline: float = 0.05,
        failure_policy: FailurePolicy | str = FailurePolicy.FAIL_OPEN,
        report_attempts: int = 3,
        tls: bool = False,
        root_certificates: bytes | str | None = None,
        server_name: str | None = None,
        token: str | None = None,
    ) -> None:
        if not target:
            _invalid("target: required, e.g. unix:/run/authnet/api.sock")
        if not isinstance(deadline, (int, float)) or not math.isfinite(deadline) or deadline <= 0:
            _invalid("deadline: must be a positive number of seconds")
        try:
            policy = FailurePolicy(failure_policy)
        except ValueError:
            _invalid(f"failure_policy: {failure_policy!r} is not fail_open or fail_closed")
        if not isinstance(report_attempts, int) or not 1 <= report_attempts <= 10:
            _invalid("report_attempts: must be 1 to 10")
        token = (token or "").strip()  # a token file's trailing newline is not part of it
        if not tls:
            for name, value in (
                ("token", token),
                ("root_certificates", root_certificates),
                ("server_name", server_name),
            ):
                if value:
                    _invalid(
                        f"{name}: needs tls=True (a token is sent only over TLS; the node's "
                        "remote api listener is TLS)"
                    )
        self._target = target
        self._deadline = float(deadline)
        self._policy = policy
        self._report_attempts = report_attempts
        # Report retries are ours, all with one idempotency key: no gRPC retries.
        options: list[tuple[str, str | int]] = [("grpc.enable_retries", 0)]
        if tls:
            if isinstance(root_certificates, str):
                root_certificates = root_certificates.encode()
            creds = grpc.ssl_channel_credentials(root_certificates=root_certificates or None)
            if token:
                creds = grpc.composite_channel_credentials(
                    creds, grpc.access_token_call_credentials(token)
                )
            if server_name:
                options.append(("grpc.ssl_target_name_override", server_name))
            self._channel = grpc.secure_channel(target, creds, options)
        else:
            self._channel = grpc.insecure_channel(target, options)
        stub = checkout_pb2_grpc.CheckoutServiceStub  # generated, untyped
        self._stub = stub(self._channel)  # type: ignore[no-untyped-call]
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"authnet.Client({self._target!r}, deadline={self._deadline}, "
            f"failure_policy={self._policy.value!r})"
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Closes the channel; calls in flight are cancelled. Idempotent."""
        if not self._closed:
            self._closed = True
            self._channel.close()

    def _ensure_open(self) -> None:
        if self._closed:
            raise ValueError("authnet.Client: used after close()")

    def _fallback(self, error: AuthnetError) -> CheckResult:
        decision = Decision.ALLOW if self._policy is FailurePolicy.FAIL_OPEN else Decision.DENY
        return CheckResult(decision=decision, degraded=True, node_error=error)

    def check(self, subjects: SubjectsLike) -> CheckResult:
        """Asks whether ``subjects`` look risky.

        Raises AuthnetError (INVALID_ARGUMENT naming the field, e.g.
        "subjects.gtin: ...") for bad input. When the node cannot answer,
        returns the FailurePolicy's decision with ``degraded=True`` instead.
        """
        self._ensure_open()
        request = checkout_pb2.CheckRequest(subjects=_subjects_proto(subjects))
        try:
            response = self._stub.Check(request, timeout=self._deadline)
        except grpc.RpcError as e:
            error = _from_grpc(e)
            if error.code in _NODE_COULD_NOT_ANSWER:
                return self._fallback(error)
            raise error from None
        return _check_result(response)

    def check_batch(self, checks: Iterable[SubjectsLike]) -> list[CheckResult]:
        """Checks many at once; results are in input order. Failure handling
        as in check, for the whole batch (every result degraded)."""
        self._ensure_open()
        request = checkout_pb2.CheckBatchRequest(
            checks=[checkout_pb2.CheckRequest(subjects=_subjects_proto(s)) for s in checks]
        )
        try:
            response = self._stub.CheckBatch(request, timeout=self._deadline)
        except grpc.RpcError as e:
            error = _from_grpc(e)
            if error.code in _NODE_COULD_NOT_ANSWER:
                return [self._fallback(error) for _ in request.checks]
            raise error from None
        if len(response.results) != len(request.checks):
            raise AuthnetError(
                "INTERNAL", f"node answered {len(response.results)} of {len(request.checks)} checks"
            )
        return [_check_result(r) for r in response.results]

    def report(
        self,
        subjects: SubjectsLike,
        kind: SignalKind | str,
        weight: float = 1.0,
        idempotency_key: str | None = None,
        *,
        serials: Sequence[str] | None = None,
    ) -> ReportResult:
        """Records a signal about ``subjects`` with ``weight`` in [0, 1];
        returns once the node has made it durable.

        ``idempotency_key`` identifies the report across retries (e.g.
        "return-8812"); pass one, so that your own retries count once too. If
        None, one is generated for this call's retries and named in the error
        message. ``serials``: for UNIT_COMMISSIONED and UNIT_DECOMMISSIONED
        only, more serials of ``subjects.gtin`` in the same report (at most
        10,000; ``subjects.serial`` may then be empty). Raises AuthnetError:
        INVALID_ARGUMENT for bad input (more than 10,000 serials without a
        call), PERMISSION_DENIED for a lifecycle kind from a node whose member
        is not the GTIN's brand, FAILED_PRECONDITION from an observer's node,
        UNAVAILABLE / DEADLINE_EXCEEDED when every attempt failed — the report
        may or may not have counted: call again with the same key.
        """
        self._ensure_open()
        generated = not idempotency_key
        request = checkout_pb2.ReportRequest(
            subjects=_subjects_proto(subjects),
            kind=_signal_kind_proto(kind),
            weight=weight,
            idempotency_key="sdk-" + uuid.uuid4().hex if generated else idempotency_key,
            serials=_serials(serials),
        )
        last: AuthnetError | None = None
        for attempt in range(self._report_attempts):
            if attempt > 0:
                # 10, 20, 40 ... ms, at most 200 ms between attempts.
                time.sleep(min(0.2, 0.005 * (1 << attempt)))
            try:
                r = self._stub.Report(request, timeout=self._deadline)
            except grpc.RpcError as e:
                last = _from_grpc(e)
                if last.code not in _REPORT_RETRIED:
                    raise last from None
                continue
            return ReportResult(accepted=r.accepted, seq=r.seq, replayed=r.replayed)
        assert last is not None
        if generated:
            # The node may have committed an attempt after we gave up on it:
            # only a retry with this same key is sure to count once.
            raise AuthnetError(
                last.code,
                f"{last.message} (retry with idempotency key {request.idempotency_key})",
            )
        raise last

    def retract(self, seq: int, count: int = 1) -> RetractResult:
        """Withdraws this node's records seq .. seq + count - 1 (as a
        ReportResult named them) from the model of every node."""
        self._ensure_open()
        request = checkout_pb2.RetractRequest(seq=seq, count=count)
        try:
            r = self._stub.Retract(request, timeout=self._deadline)
        except grpc.RpcError as e:
            raise _from_grpc(e) from None
        return RetractResult(retracted=r.retracted, seq=r.seq)
