"""Runs every Python example in sdk/python/README.md, in order and in one
namespace (as a reader would paste them), against the real node: the
README's addresses are replaced by the test nodes' ones."""

from __future__ import annotations

import contextlib
import io
import re
from typing import Any

import pytest

from conftest import SDK_DIR, TlsNode

README = SDK_DIR / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.M | re.S)


def test_readme_examples_run(
    target: str, tls_node: TlsNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = README.read_text(encoding="utf-8")
    replacements = {
        '"unix:/run/authnet/api.sock"': repr(target),
        '"authnet.shop.internal:7443"': repr(tls_node.target),
        '"/etc/authnet/api-ca.pem"': repr(str(tls_node.ca_file)),
    }
    for old, new in replacements.items():
        assert old in text, f"README.md no longer uses {old}: update this test"
        text = text.replace(old, new)
    monkeypatch.setenv("AUTHNET_TOKEN", tls_node.token)
    blocks = python_blocks(text)
    assert len(blocks) == 5, "README.md's Python examples changed: update what this test checks"

    namespace: dict[str, Any] = {"__name__": "readme"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for i, block in enumerate(blocks):
            code = compile(block, f"README.md python block {i}", "exec")
            exec(code, namespace)  # noqa: S102 - running the documentation is the point

    printed = out.getvalue().splitlines()
    # What the examples' comments say they print.
    assert printed[0] == "sell", printed
    assert re.fullmatch(r"reported records (\d+)\.\.\1", printed[1]), printed
    assert printed[2] == "block", printed
    assert printed[3] == "INVALID_ARGUMENT", printed
    # "subjects.gtin: ..." (nodes before the "subjects." prefix: "gtin: ...")
    assert printed[4].split(": ")[0].endswith("gtin"), printed
    assert printed[5] == "deny True UNAVAILABLE", printed
    assert printed[6] == "allow", printed
    assert not namespace["result"].degraded, namespace["result"]  # the TLS node answered
    for name in ("checkout", "reporter"):
        namespace[name].close()
