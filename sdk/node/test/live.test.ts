// The SDK's API against the real node at AUTHNET_TARGET, and the README's
// checkout example (examples/checkout.ts) run as a program against it.
// Identifiers here are not in the conformance vectors, which share the node.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

import { AuthnetError, Client } from "../src";
import { PACKAGE_DIR, requireEnv } from "./env";

const GTIN = "7612345678900";
// Serials and keys of this run, so that the tests can run again against the
// same node.
const RUN = randomBytes(4).toString("hex");

function liveClient(): Client {
  // A generous deadline: these tests are about answers, not speed.
  return new Client({ target: requireEnv("AUTHNET_TARGET"), deadlineMs: 5000 });
}

describe("the checkout example", () => {
  const source = path.join(PACKAGE_DIR, "examples", "checkout.ts");

  it("runs against the node: sells, reports the counterfeit return, then blocks", () => {
    const target = requireEnv("AUTHNET_TARGET");
    const run = spawnSync(process.execPath, [path.join(PACKAGE_DIR, "dist", "examples", "checkout.js")], {
      env: { ...process.env, AUTHNET_TARGET: target },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(run.status, 0, `exit ${run.status}; stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    assert.match(run.stdout, /^reported 1 record\(s\) from seq [1-9][0-9]*( \(already recorded\))?$/m);
    // The last checkout of the reported serial is blocked, with its reason.
    assert.match(
      run.stdout,
      /blocked 5901234123457\/EX-4711:\n {2}unit: counterfeit_confirmed by 1 member[^\n]*\n$/,
    );
  });

  it("is what README.md quotes", () => {
    const readme = fs.readFileSync(path.join(PACKAGE_DIR, "README.md"), "utf8");
    const example = fs.readFileSync(source, "utf8");
    assert.ok(
      readme.includes("```ts\n" + example + "```\n"),
      "README.md must quote examples/checkout.ts whole, in a ```ts block",
    );
  });
});

describe("the API against a real node", () => {
  it("report, replay, check, retract: typed results", async () => {
    const client = liveClient();
    try {
      const unit = { gtin: GTIN, serial: `L1-${RUN}` };
      const first = await client.report(unit, "counterfeit_confirmed", {
        weight: 1,
        idempotencyKey: `live-report-${RUN}`,
      });
      assert.deepEqual([first.accepted, first.replayed], [1, false]);
      assert.equal(typeof first.seq, "number");
      assert.ok(first.seq > 0);
      const again = await client.report(unit, "counterfeit_confirmed", {
        weight: 1,
        idempotencyKey: `live-report-${RUN}`,
      });
      assert.deepEqual(again, { accepted: 1, seq: first.seq, replayed: true });

      const denied = await client.check(unit);
      assert.equal(denied.decision, "deny");
      assert.equal(denied.degraded, false);
      assert.equal(denied.nodeError, undefined);
      assert.ok(denied.risk > 0 && denied.risk <= 1);
      assert.equal(denied.reporters, 1);
      const reason = denied.reasons.find((r) => r.code === "counterfeit_confirmed");
      assert.ok(reason, JSON.stringify(denied.reasons));
      assert.equal(reason.subjectType, "unit");
      assert.equal(reason.members, 1);
      assert.equal(reason.local, true);
      assert.equal(typeof reason.newestAgeDays, "number");
      assert.equal(typeof reason.score, "number");
      assert.match(reason.summary, /counterfeit_confirmed/);

      const retracted = await client.retract(first.seq); // count defaults to 1
      assert.equal(retracted.retracted, 1);
      assert.equal(typeof retracted.seq, "number");
      assert.ok(retracted.seq > first.seq);
      // Already retracted: nothing new, and seq 0. A bigint seq works too.
      assert.deepEqual(await client.retract(BigInt(first.seq), 1), { retracted: 0, seq: 0 });
      assert.equal((await client.check(unit)).decision, "allow");
    } finally {
      await client.close();
    }
  });

  it("checkBatch answers in order", async () => {
    const client = liveClient();
    try {
      await client.report({ gtin: GTIN, serial: `B2-${RUN}` }, "counterfeit_confirmed", {
        idempotencyKey: `live-batch-${RUN}`,
      });
      const results = await client.checkBatch([
        { gtin: GTIN, serial: `B1-${RUN}` },
        { gtin: GTIN, serial: `B2-${RUN}` },
        { supplier: `live batch supplier ${RUN}` },
      ]);
      assert.deepEqual(
        results.map((r) => [r.decision, r.degraded]),
        [
          ["allow", false],
          ["deny", false],
          ["allow", false],
        ],
      );
      assert.deepEqual(await client.checkBatch([]), []);
    } finally {
      await client.close();
    }
  });

  it("the node's refusals are AuthnetErrors with its code and message", async () => {
    const client = liveClient();
    try {
      const error = await client.check({ gtin: "7612345678901" }).then(
        () => assert.fail("a bad check digit was accepted"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof AuthnetError);
      assert.equal(error.code, "INVALID_ARGUMENT");
      // The message is the node's, field first ("subjects.gtin" from the
      // nodes that name the full path, "gtin" from older ones).
      assert.match(error.message, /^(subjects\.)?gtin: /);
      // Nothing of grpc-js leaks: no numeric code, details or metadata.
      assert.ok(!("details" in error) && !("metadata" in error));

      const missing = await client.retract(Number.MAX_SAFE_INTEGER).then(
        () => assert.fail("retracting records that do not exist succeeded"),
        (e: unknown) => e,
      );
      assert.ok(missing instanceof AuthnetError);
      assert.equal(missing.code, "NOT_FOUND");
      assert.match(missing.message, /^seq: /);
    } finally {
      await client.close();
    }
  });

  // The node with_node.sh starts is a single platform member: lifecycle
  // kinds are a brand's to report.
  it("a lifecycle report with serials is the node's PERMISSION_DENIED: brands only", async () => {
    const client = liveClient();
    try {
      for (const [kind, serials] of [
        ["unit_commissioned", [`LC1-${RUN}`, `LC2-${RUN}`, `LC3-${RUN}`]],
        ["unit_decommissioned", [`LC4-${RUN}`]],
        ["gtin_serialized", undefined],
      ] as const) {
        const error = await client
          .report({ gtin: GTIN }, kind, {
            serials: serials === undefined ? undefined : [...serials],
            idempotencyKey: `live-${kind}-${RUN}`,
          })
          .then(
            () => assert.fail(`${kind} was accepted from a platform member`),
            (e: unknown) => e,
          );
        assert.ok(error instanceof AuthnetError, String(error));
        assert.equal(error.code, "PERMISSION_DENIED", error.message);
        assert.match(error.message, new RegExp(`^kind: ${kind} .*brand`));
        assert.equal(error.idempotencyKey, `live-${kind}-${RUN}`);
      }
    } finally {
      await client.close();
    }
  });

  it("serials on another kind than unit_(de)commissioned: the node's INVALID_ARGUMENT", async () => {
    const client = liveClient();
    try {
      const error = await client
        .report({ gtin: GTIN, serial: `S1-${RUN}` }, "unit_sold", { serials: [`S2-${RUN}`] })
        .then(
          () => assert.fail("serials on unit_sold were accepted"),
          (e: unknown) => e,
        );
      assert.ok(error instanceof AuthnetError, String(error));
      assert.equal(error.code, "INVALID_ARGUMENT");
      assert.match(error.message, /^serials: only /);
    } finally {
      await client.close();
    }
  });

  it("a report rejected by the node is not retried and keeps its key", async () => {
    const client = liveClient();
    try {
      const error = await client
        .report({ gtin: GTIN }, "counterfeit_suspected", {
          weight: 2,
          idempotencyKey: `live-bad-weight-${RUN}`,
        })
        .then(
          () => assert.fail("weight 2 was accepted"),
          (e: unknown) => e,
        );
      assert.ok(error instanceof AuthnetError);
      assert.equal(error.code, "INVALID_ARGUMENT");
      assert.match(error.message, /^weight: /);
      assert.equal(error.idempotencyKey, `live-bad-weight-${RUN}`);
    } finally {
      await client.close();
    }
  });
});

describe("a node that is down", () => {
  it("check is degraded by policy and report fails with the generated key", async () => {
    const target = requireEnv("AUTHNET_DOWN_TARGET");
    const closed = new Client({ target, failurePolicy: "fail-closed", reportAttempts: 2 });
    try {
      const result = await closed.check({ gtin: GTIN });
      assert.equal(result.decision, "deny");
      assert.equal(result.degraded, true);
      assert.ok(result.nodeError instanceof AuthnetError);
      assert.ok(["UNAVAILABLE", "DEADLINE_EXCEEDED"].includes(result.nodeError.code));
      const error = await closed.report({ gtin: GTIN }, "unit_sold").then(
        () => assert.fail("a report to a node that is down succeeded"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof AuthnetError);
      assert.ok(["UNAVAILABLE", "DEADLINE_EXCEEDED"].includes(error.code), error.code);
      assert.match(error.message, / \(retry with idempotency key sdk-[0-9a-f-]{36}\)$/);
    } finally {
      await closed.close();
    }
  });
});
