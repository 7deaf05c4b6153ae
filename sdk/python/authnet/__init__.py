"""authnet: the Python SDK checkout and inspection services use to ask their
own authnet node about products, units, suppliers and sellers, and to report
what they find.

    import authnet

    with authnet.Client("unix:/run/authnet/api.sock") as client:
        result = client.check({"gtin": "4006381333931", "serial": "SN-1"})
        if result.decision is authnet.Decision.DENY:
            ...  # block the sale

Semantics follow the C++ SDK (sdk/include/authnet/client.h).
"""

from ._client import Client
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

__all__ = [
    "AuthnetError",
    "CheckResult",
    "Client",
    "Decision",
    "FailurePolicy",
    "Reason",
    "ReportResult",
    "RetractResult",
    "SignalKind",
    "Subjects",
    "SubjectsLike",
]
__version__ = "0.1.0"
