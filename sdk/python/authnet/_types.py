"""The SDK's vocabulary: enums, subjects, results and the one error type."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias


class Decision(enum.StrEnum):
    """The node's answer to a check."""

    ALLOW = "allow"
    REVIEW = "review"
    DENY = "deny"


class SignalKind(enum.StrEnum):
    """What a report says about its subjects."""

    COUNTERFEIT_CONFIRMED = "counterfeit_confirmed"
    COUNTERFEIT_SUSPECTED = "counterfeit_suspected"
    VERIFICATION_FAILED = "verification_failed"
    VERIFICATION_PASSED = "verification_passed"
    UNIT_SOLD = "unit_sold"  # a serialized unit was sold or activated
    RETURN_NOT_GENUINE = "return_not_genuine"
    # Unit lifecycle: reported only by a node whose member has the roster role
    # "brand", for GTINs under its GS1 company prefixes (other nodes answer
    # PERMISSION_DENIED). The unit_* kinds take more serials of the GTIN in
    # report(..., serials=[...]).
    UNIT_COMMISSIONED = "unit_commissioned"  # the brand registered this genuine unit
    UNIT_DECOMMISSIONED = "unit_decommissioned"  # destroyed, recalled or stolen
    GTIN_SERIALIZED = "gtin_serialized"  # every genuine unit of the GTIN is commissioned


class FailurePolicy(enum.StrEnum):
    """What check and check_batch answer when the node cannot answer in time
    (unavailable, deadline exceeded, overloaded)."""

    FAIL_OPEN = "fail_open"  # answer ALLOW, marked degraded: sales go on, unchecked
    FAIL_CLOSED = "fail_closed"  # answer DENY, marked degraded: nothing sells unchecked


class AuthnetError(Exception):
    """An error from the node or the SDK.

    ``code`` is the gRPC status code's name ("INVALID_ARGUMENT", "UNAVAILABLE",
    ...); ``message`` is the node's message, which for bad input starts with the
    field it is about ("subjects.gtin: ...").
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass
class Subjects:
    """What a check or report is about. Leave unknown fields empty; at least
    one must be set. serial and lot need gtin (or gs1)."""

    gtin: str = ""
    serial: str = ""  # GS1 AI (21), case-sensitive
    lot: str = ""  # GS1 AI (10), case-sensitive
    supplier: str = ""
    seller: str = ""
    nfc_uid: str = ""  # hex
    image_phash: str = ""  # hex
    # A scanner's or label's GS1 data: "(01)...(21)...", raw scan data with GS
    # separators, or a GS1 Digital Link URI; its gtin/serial/lot are used.
    gs1: str = ""


SubjectsLike: TypeAlias = Subjects | Mapping[str, str]
"""A Subjects, or a plain dict with the same keys (``{"gtin": "...", ...}``)."""


@dataclass(frozen=True)
class Reason:
    """One piece of evidence behind a decision."""

    subject_type: str  # "gtin", "unit", "lot", "supplier", "seller", "nfc_uid", "image_phash"
    # "counterfeit_confirmed", ..., "clone_suspected", "reputation", "expired",
    # "not_commissioned", "decommissioned", "commissioned", "local_override"
    # (checkout.proto's ReasonCode; new codes may be added, never renamed)
    code: str
    members: int = 0  # distinct members behind it
    newest_age_days: int = 0
    score: float = 0.0
    local: bool = False  # this platform's own member reported it
    summary: str = ""  # one line for people


@dataclass(frozen=True)
class CheckResult:
    """The answer to one check.

    ``degraded`` is True when the node did not answer and ``decision`` comes
    from the client's FailurePolicy; ``node_error`` then says why.
    """

    decision: Decision = Decision.ALLOW
    risk: float = 0.0  # 0..1
    reporters: int = 0  # distinct members with adverse evidence
    reasons: list[Reason] = field(default_factory=list)
    degraded: bool = False
    node_error: AuthnetError | None = None


@dataclass(frozen=True)
class ReportResult:
    """Which records a report made: seq .. seq + accepted - 1."""

    accepted: int = 0
    seq: int = 0
    replayed: bool = False  # an earlier attempt with the same idempotency key counted


@dataclass(frozen=True)
class RetractResult:
    """How many records were newly retracted."""

    retracted: int = 0
    seq: int = 0  # first retraction record, 0 if none was needed
