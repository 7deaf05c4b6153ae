#!/usr/bin/env python3
"""The chaos suite: five real authnetd processes whose peer links run through
a fault-injecting TCP relay (relay.py), under a seeded random schedule of link
cuts and heals, slow links, mid-stream resets, SIGKILL and restart, a network
key rotation and a revocation, while a reporter writes to every node.

At the end every link is healed and every node restarted, and the checker
asserts:
  - every acknowledged report is on every live node (each origin's head), and
    its origin still knows it: the same report again under the same
    idempotency key is answered "replayed" with the same seq (a report
    acknowledged before it was durable, then lost in a SIGKILL, fails here);
  - the model fingerprints of the live nodes are equal;
  - no record is stored twice or skipped: each node's stored batches of each
    origin run 1..head without overlap or gap, and every node stores the same
    batches;
  - the revoked member's records after its revocation are nowhere, and its
    node refuses reports.

    chaos_test.py BIN_DIR [--seed N] [--duration S] [--keep]

It prints the seed and the schedule; the same seed replays the same schedule.
"""

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay import Link  # noqa: E402

NODES = 5
GTIN = "4006381333931"
REVOKED = NODES - 1  # the member the schedule revokes


class Failure(Exception):
    pass


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Chaos:
    def __init__(self, bin_dir, work, seed, duration):
        self.bin = bin_dir
        self.ctl = os.path.join(bin_dir, "authnetctl")
        self.work = work
        self.rng = random.Random(seed)  # the schedule's: the same seed, the same events
        self.jitter = random.Random(seed + 1)  # the reporters' pauses
        self.seed = seed
        self.duration = duration
        self.ids = [f"mb{i}" for i in range(NODES)]
        self.peer_ports = [free_port() for _ in range(NODES)]
        self.links = {}  # (i, j): Link for node i dialing node j
        self.procs = [None] * NODES
        self.logs = [None] * NODES
        self.acked = {}  # (origin index, seq) -> idempotency key, serial
        self.revoked_at = None  # the revoked member's head when it was revoked
        self.schedule = []  # (seconds since start, event)
        self.start = time.monotonic()
        self.reporting = [True] * NODES
        self.counter = 0

    # ---------------------------------------------------------------- setup
    async def run_ctl(self, *args, check=True):
        proc = await asyncio.create_subprocess_exec(
            self.ctl, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        if check and proc.returncode != 0:
            raise Failure(f"authnetctl {' '.join(args)}: exit {proc.returncode}: {err.decode()}")
        return proc.returncode, out.decode(), err.decode()

    def api(self, i):
        return f"unix:{self.work}/{self.ids[i]}.sock"

    async def setup(self):
        admin = f"{self.work}/admin"
        await self.run_ctl("network", "init", "--network", "chaosnet", "--dir", admin)
        for i, member in enumerate(self.ids):
            await self.run_ctl("member", "add", member, "--dir", admin, "--endpoint",
                               f"127.0.0.1:{self.peer_ports[i]}", "--out",
                               f"{self.work}/{member}")
        for i in range(NODES):
            for j in range(NODES):
                if i != j:
                    link = Link(f"{self.ids[i]}->{self.ids[j]}", self.peer_ports[j])
                    await link.start()
                    self.links[(i, j)] = link
        for i, member in enumerate(self.ids):
            peers = ", ".join(f'"127.0.0.1:{self.links[(i, j)].port}"'
                              for j in range(NODES) if j != i)
            with open(f"{self.work}/{member}.toml", "w") as f:
                f.write(f'bundle = "{self.work}/{member}"\n'
                        f'data = "{self.work}/{member}-data"\n'
                        f'peer_listen = "127.0.0.1:{self.peer_ports[i]}"\n'
                        f'api_listen = "{self.api(i)}"\n'
                        f"peers = [{peers}]\n"
                        "[sync]\nmin_backoff_ms = 50\nmax_backoff_ms = 1000\n"
                        "resync_period_ms = 1000\ncall_timeout_ms = 3000\n")
            self.logs[i] = open(f"{self.work}/{member}.log", "ab")
            await self.start_node(i)
        for i in range(NODES):
            await self.wait_serving(i)
            await self.push_roster(i)

    async def start_node(self, i):
        self.procs[i] = await asyncio.create_subprocess_exec(
            os.path.join(self.bin, "authnetd"), "--config",
            f"{self.work}/{self.ids[i]}.toml", stdout=self.logs[i], stderr=self.logs[i])

    async def wait_serving(self, i, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rc, _, _ = await self.run_ctl("status", "--node", self.api(i), check=False)
            if rc == 0:
                return
            await asyncio.sleep(0.1)
        raise Failure(f"{self.ids[i]} did not answer within {timeout} s")

    async def push_roster(self, i):
        await self.run_ctl("roster", "push", "--dir", f"{self.work}/admin", "--node", self.api(i),
                           check=False)

    async def status(self, i):
        rc, out, err = await self.run_ctl("status", "--node", self.api(i), "--json", check=False)
        return json.loads(out) if rc == 0 else None

    def alive(self, i):
        return self.procs[i] is not None and self.procs[i].returncode is None

    # ---------------------------------------------------------------- load
    async def reporter(self, i):
        while True:
            if not self.reporting[i] or not self.alive(i):
                await asyncio.sleep(0.1)
                continue
            self.counter += 1
            serial = f"C{i}-{self.counter}"
            key = f"chaos-{self.seed}-{serial}"
            rc, out, _ = await self.run_ctl(
                "report", "--node", self.api(i), "--kind", "counterfeit_suspected", "--gtin", GTIN,
                "--serial", serial, "--idempotency-key", key, "--json", check=False)
            if rc == 0:
                seq = json.loads(out)["seq"]
                self.acked[(i, seq)] = (key, serial)
            await asyncio.sleep(self.jitter.uniform(0.05, 0.25))

    # ---------------------------------------------------------------- faults
    def note(self, event):
        at = time.monotonic() - self.start
        self.schedule.append((at, event))
        log(f"t={at:5.1f}s {event}")

    async def run_schedule(self):
        rotated = revoked = False
        dead = {}  # node index -> when to restart it
        end = self.start + self.duration
        while time.monotonic() < end:
            await asyncio.sleep(self.rng.uniform(0.4, 1.5))
            now = time.monotonic()
            for k, when in list(dead.items()):
                if now >= when:
                    await self.start_node(k)
                    del dead[k]
                    self.note(f"restart {self.ids[k]}")
            elapsed = (now - self.start) / self.duration
            if not rotated and elapsed > 0.35:
                rotated = True
                await self.run_ctl("network", "rotate-key", "--dir", f"{self.work}/admin")
                target = self.rng.choice([k for k in range(NODES) if self.alive(k)])
                await self.push_roster(target)
                self.note(f"network key rotated; roster pushed to {self.ids[target]}")
                continue
            if not revoked and elapsed > 0.65 and REVOKED not in dead:
                revoked = True
                await self.revoke()
                continue
            i, j = self.rng.sample(range(NODES), 2)
            kind = self.rng.choice(["cut", "cut", "heal", "heal", "slow", "reset", "kill"])
            link = self.links[(i, j)]
            if kind == "cut":
                link.set_cut(True)
                self.note(f"cut {link.name}")
            elif kind == "heal":
                link.heal()
                self.note(f"heal {link.name}")
            elif kind == "slow":
                delay = self.rng.choice([0.05, 0.2, 0.5])
                link.set_delay(delay)
                self.note(f"slow {link.name} by {delay} s a chunk")
            elif kind == "reset":
                link.reset_all()
                self.note(f"reset {link.name} mid-stream")
            elif kind == "kill" and not dead and self.alive(i):
                self.procs[i].send_signal(signal.SIGKILL)
                await self.procs[i].wait()
                dead[i] = now + self.rng.uniform(1.0, 4.0)
                self.note(f"SIGKILL {self.ids[i]}")
        for k in dead:
            await self.start_node(k)
            self.note(f"restart {self.ids[k]}")

    async def revoke(self):
        """Revokes REVOKED: its reporter stops first, so its head is known."""
        self.reporting[REVOKED] = False
        await asyncio.sleep(0.6)  # its last report finishes
        st = await self.status(REVOKED)
        if st is None:
            raise Failure(f"{self.ids[REVOKED]} did not answer before its revocation")
        self.revoked_at = st["version_vector"].get(self.ids[REVOKED], 0)
        await self.run_ctl("member", "revoke", self.ids[REVOKED], "--dir", f"{self.work}/admin")
        for k in range(NODES):
            if self.alive(k):
                await self.push_roster(k)
        self.note(f"revoke {self.ids[REVOKED]} at its seq {self.revoked_at}; roster pushed")

    # ---------------------------------------------------------------- check
    async def settle(self, timeout):
        """Heals everything and waits until the live members agree."""
        for link in self.links.values():
            link.heal()
        for k in range(NODES):
            if not self.alive(k):
                await self.start_node(k)
        live = [k for k in range(NODES) if k != REVOKED]
        for k in range(NODES):
            await self.wait_serving(k)
            await self.push_roster(k)
        want = {}
        for (i, seq) in self.acked:
            if i != REVOKED:
                want[self.ids[i]] = max(want.get(self.ids[i], 0), seq)
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            states = [await self.status(k) for k in live]
            last = states
            if all(s is not None for s in states):
                prints = {s["model_fingerprint"] for s in states}
                heads_ok = all(s["version_vector"].get(o, 0) >= n for s in states
                               for o, n in want.items())
                if len(prints) == 1 and heads_ok:
                    return states
            await asyncio.sleep(0.5)
        detail = json.dumps([{"member": s and s["member"], "vv": s and s["version_vector"],
                              "fp": s and s["model_fingerprint"][:12]} for s in last])
        raise Failure(f"the live nodes did not converge within {timeout} s (want heads {want}): "
                      f"{detail}")

    async def check_replays(self):
        """Every acknowledged report of a live member is known to its origin."""
        lost = []
        for (i, seq), (key, serial) in sorted(self.acked.items()):
            if i == REVOKED:
                continue
            rc, out, err = await self.run_ctl(
                "report", "--node", self.api(i), "--kind", "counterfeit_suspected", "--gtin", GTIN,
                "--serial", serial, "--idempotency-key", key, "--json", check=False)
            answer = json.loads(out) if rc == 0 else {"error": err.strip()}
            if answer.get("replayed") is not True or answer.get("seq") != seq:
                lost.append(f"{self.ids[i]} seq {seq} ({serial}): {answer}")
        if lost:
            raise Failure(f"{len(lost)} acknowledged reports are not what their origin holds:\n  " +
                          "\n  ".join(lost[:20]))

    async def check_revoked(self):
        rc, _, err = await self.run_ctl(
            "report", "--node", self.api(REVOKED), "--kind", "counterfeit_suspected", "--gtin",
            GTIN, "--serial", "AFTER-REVOKE", check=False)
        if rc == 0:
            raise Failure(f"the revoked {self.ids[REVOKED]} acknowledged a report")

    async def stop_all(self):
        for k in range(NODES):
            if self.alive(k):
                self.procs[k].send_signal(signal.SIGTERM)
        for k in range(NODES):
            rc = await self.procs[k].wait()
            if rc != 0:
                raise Failure(f"{self.ids[k]} exited {rc} on SIGTERM")
        for link in self.links.values():
            await link.stop()

    def check_stores(self):
        """Each store's batches per origin run 1..head with no overlap or gap;
        the live members store the same batches; the revoked member's after
        its revocation are nowhere."""
        stored = {}
        for k in range(NODES):
            db = sqlite3.connect(f"file:{self.work}/{self.ids[k]}-data/authnet.db?mode=ro", uri=True)
            rows = db.execute(
                "SELECT origin, first_seq, last_seq, body FROM batches ORDER BY origin, first_seq"
            ).fetchall()
            db.close()
            nxt = {}
            mine = set()
            for origin, first, last, body in rows:
                if first != nxt.get(origin, 1) or last < first:
                    raise Failure(f"{self.ids[k]} stores {origin} {first}..{last} after "
                                  f"{origin} ..{nxt.get(origin, 1) - 1}: a record twice or a gap")
                nxt[origin] = last + 1
                if origin == self.ids[REVOKED] and k != REVOKED and last > self.revoked_at:
                    raise Failure(f"{self.ids[k]} stores {origin} {first}..{last}, signed after "
                                  f"its revocation at seq {self.revoked_at}")
                if origin != self.ids[REVOKED]:
                    mine.add((origin, first, last, hashlib.sha256(body).hexdigest()))
            stored[k] = mine
        live = [k for k in range(NODES) if k != REVOKED]
        for k in live[1:]:
            if stored[k] != stored[live[0]]:
                diff = sorted(stored[k] ^ stored[live[0]])[:10]
                raise Failure(f"{self.ids[k]} and {self.ids[live[0]]} store different batches: "
                              f"{diff}")
        return sum(len(s) for s in stored.values())


async def main_async(args):
    work = tempfile.mkdtemp(prefix="authnet-chaos-")
    chaos = Chaos(os.path.abspath(args.bin_dir), work, args.seed, args.duration)
    log(f"chaos: seed {args.seed}, {args.duration:.0f} s, {NODES} nodes, work dir {work}")
    ok = False
    reporters = []
    try:
        await chaos.setup()
        reporters = [asyncio.create_task(chaos.reporter(i)) for i in range(NODES)]
        await chaos.run_schedule()
        for t in reporters:
            t.cancel()
        await asyncio.gather(*reporters, return_exceptions=True)
        log(f"schedule done: {len(chaos.acked)} reports acknowledged; healing and checking")
        states = await chaos.settle(timeout=120)
        log(f"converged: fingerprint {states[0]['model_fingerprint'][:16]}, "
            f"heads {states[0]['version_vector']}")
        await chaos.check_replays()
        await chaos.check_revoked()
        await chaos.stop_all()
        batches = chaos.check_stores()
        log(f"PASS: {len(chaos.acked)} acknowledged reports on every live node, equal "
            f"fingerprints, {batches} stored batches each stored once, nothing of the revoked "
            f"member after seq {chaos.revoked_at}")
        ok = True
    except Failure as e:
        log(f"FAIL: {e}")
    finally:
        for t in reporters:
            t.cancel()
        for p in chaos.procs:
            if p is not None and p.returncode is None:
                p.kill()
                await p.wait()
        print(f"\nseed {args.seed}; replay with: tests/chaos/chaos_test.py BIN_DIR --seed "
              f"{args.seed} --duration {args.duration:.0f}")
        print("schedule:")
        for at, event in chaos.schedule:
            print(f"  t={at:5.1f}s {event}")
        if not ok:
            for i, member in enumerate(chaos.ids):
                path = f"{work}/{member}.log"
                if os.path.exists(path):
                    with open(path, errors="replace") as f:
                        tail = f.readlines()[-15:]
                    print(f"--- last lines of {member}'s log:\n" + "".join(tail))
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work dir kept: {work}")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bin_dir")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the work dir")
    args = parser.parse_args()
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
