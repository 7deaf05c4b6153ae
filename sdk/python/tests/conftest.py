"""Fixtures: the real node tests/testing/with_node.sh started, and a TLS node.

with_node.sh exports AUTHNET_TARGET (the node's api listener), AUTHNET_DOWN_TARGET
(an address where no node listens) and AUTHNET_BIN_DIR (authnetd, authnetctl).
Tests fail, rather than skip, without them: a run that tested nothing must
not look green.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import authnet

SDK_DIR = Path(__file__).resolve().parents[1]  # sdk/python
REPO_DIR = SDK_DIR.parents[1]


def _env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        pytest.fail(
            f"{name} is not set: run the tests under tests/testing/with_node.sh BIN_DIR, "
            "which starts a node for them",
            pytrace=False,
        )
    return value


@pytest.fixture(scope="session")
def target() -> str:
    """The gRPC target of the fresh node with_node.sh started."""
    return _env("AUTHNET_TARGET")


@pytest.fixture(scope="session")
def down_target() -> str:
    """An address where no node listens."""
    return _env("AUTHNET_DOWN_TARGET")


@pytest.fixture(scope="session")
def bin_dir() -> Path:
    """The directory of authnetd and authnetctl."""
    return Path(_env("AUTHNET_BIN_DIR"))


@pytest.fixture
def client(target: str) -> Iterator[authnet.Client]:
    """A client of the node with a deadline that a loaded test machine meets:
    these tests are about answers, not latency."""
    with authnet.Client(target, deadline=5.0) as c:
        yield c


@dataclass(frozen=True)
class TlsNode:
    """A node whose api listener is remote: TLS and bearer tokens."""

    port: int
    ca_file: Path  # the api certificate (self-signed): DNS:authnet.shop.internal, IP:127.0.0.1
    token: str  # a checkout token

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"


def _run(*args: object) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))}: exit {done.returncode}: {done.stderr}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(
    what: str, probe: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path,
    seconds: float = 15
) -> None:
    end = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            pytest.fail(f"authnetd exited while waiting for {what}:\n{log.read_text()[-4000:]}")
        if probe():
            return
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-4000:]}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def tls_node(bin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsNode]:
    """Starts a second node, with its api listener on 0.0.0.0 (so TLS and
    tokens) and a self-signed api certificate, and makes a checkout token."""
    d = tmp_path_factory.mktemp("tls-node")
    ctl = bin_dir / "authnetctl"
    _run(ctl, "network", "init", "--network", "sdktls", "--dir", d / "admin")
    _run(ctl, "member", "add", "tlsco", "--dir", d / "admin", "--endpoint", "127.0.0.1:7701",
         "--out", d / "bundle")
    _run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "2", "-keyout", d / "api.key", "-out", d / "api.crt",
         "-subj", "/CN=authnet-sdk-test",
         "-addext", "subjectAltName=DNS:authnet.shop.internal,IP:127.0.0.1")
    (d / "api.key").chmod(0o600)
    port = _free_port()
    log = d / "node.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(bin_dir / "authnetd"), "--bundle", str(d / "bundle"), "--data", str(d / "data"),
             "--peer-listen", "127.0.0.1:0", "--api-listen", f"0.0.0.0:{port}",
             "--api-tls-cert", str(d / "api.crt"), "--api-tls-key", str(d / "api.key")],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        roots = (d / "api.crt").read_bytes()

        def answers(token: str | None) -> bool:
            # A fresh channel per probe: a channel that failed to connect waits
            # out gRPC's reconnect backoff (1 s, 1.6 s, ...) before it tries again.
            with authnet.Client(f"127.0.0.1:{port}", tls=True, root_certificates=roots,
                                token=token, deadline=1.0) as c:
                try:
                    return not c.check({"gtin": "5901234123457"}).degraded
                except authnet.AuthnetError as e:  # UNAUTHENTICATED: up, but no (valid) token
                    return token is None and e.code == "UNAUTHENTICATED"

        _wait_for("the TLS api listener", lambda: answers(None), proc, log)
        token = _run(ctl, "token", "create", "sdk-checkout", "--data", d / "data").strip()
        # The node re-reads its tokens every 250 ms.
        _wait_for("the checkout token", lambda: answers(token), proc, log)
        yield TlsNode(port=port, ca_file=d / "api.crt", token=token)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
