// Unit tests of the SDK's own logic against a stand-in node (fake-node.ts):
// options, the failure policy, report retries with one idempotency key,
// deadlines, error mapping, TLS with a bearer token.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

import * as grpc from "@grpc/grpc-js";

import { AuthnetError, Client, type ClientOptions, type StatusCodeName } from "../src";
import { startFakeNode, type FakeNode, type Handler, type MethodName } from "./fake-node";

const UNIT = { gtin: "8712345678906", serial: "UT-1" };

const ALLOW = { response: { decision: "DECISION_ALLOW", risk: 0, reporters: 0, reasons: [] } };

function status(code: grpc.status, details: string, delayMs?: number) {
  return delayMs === undefined ? { code, details } : { code, details, delayMs };
}

async function withFakeNode(
  handlers: Partial<Record<MethodName, Handler>>,
  options: Omit<ClientOptions, "target">,
  body: (client: Client, node: FakeNode) => Promise<void>,
): Promise<void> {
  const node = await startFakeNode(handlers);
  // A generous deadline unless the test is about deadlines: parallel test
  // files on a small machine can make a stand-in node slow to answer.
  const client = new Client({ target: node.target, deadlineMs: 5000, ...options });
  try {
    await body(client, node);
  } finally {
    await client.close();
    node.stop();
  }
}

// assertAuthnetError awaits `promise` and checks it rejects with an
// AuthnetError with `code` (and, if given, exactly `message`).
async function assertAuthnetError(
  promise: Promise<unknown>,
  code: StatusCodeName,
  message?: string | RegExp,
): Promise<AuthnetError> {
  const error = await promise.then(
    (value) => assert.fail(`expected ${code}, got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof AuthnetError, `not an AuthnetError: ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.name, "AuthnetError");
  if (typeof message === "string") {
    assert.equal(error.message, message);
  } else if (message !== undefined) {
    assert.match(error.message, message);
  }
  return error;
}

function assertThrowsInvalid(options: ClientOptions, field: string): void {
  assert.throws(
    () => new Client(options),
    (e: unknown) =>
      e instanceof AuthnetError &&
      e.code === "INVALID_ARGUMENT" &&
      e.message.startsWith(`${field}: `),
  );
}

describe("options", () => {
  it("refuses bad options naming the option", () => {
    assertThrowsInvalid({ target: "" }, "target");
    assertThrowsInvalid({ target: "unix:/x", deadlineMs: 0 }, "deadlineMs");
    assertThrowsInvalid({ target: "unix:/x", deadlineMs: -5 }, "deadlineMs");
    assertThrowsInvalid({ target: "unix:/x", deadlineMs: Number.NaN }, "deadlineMs");
    assertThrowsInvalid({ target: "unix:/x", reportAttempts: 0 }, "reportAttempts");
    assertThrowsInvalid({ target: "unix:/x", reportAttempts: 11 }, "reportAttempts");
    assertThrowsInvalid({ target: "unix:/x", reportAttempts: 2.5 }, "reportAttempts");
    assertThrowsInvalid(
      { target: "unix:/x", failurePolicy: "open" as unknown as "fail-open" },
      "failurePolicy",
    );
  });

  it("refuses a token without TLS, as the C++ SDK does", () => {
    assert.throws(
      () => new Client({ target: "10.1.2.3:7701", token: "secret" }),
      (e: unknown) =>
        e instanceof AuthnetError &&
        e.code === "INVALID_ARGUMENT" &&
        e.message ===
          "token: sent only over TLS; set tls (the node's remote api listener is TLS)",
    );
    // With TLS it is accepted.
    const client = new Client({ target: "127.0.0.1:1", token: "secret", tls: {} });
    void client.close();
  });

  it("defaults: a 50 ms deadline and fail-open", async () => {
    await withFakeNode(
      { Check: () => ({ ...ALLOW, delayMs: 1000 }) },
      { deadlineMs: undefined, failurePolicy: undefined },
      async (client) => {
        const started = Date.now();
        const result = await client.check(UNIT);
        const elapsed = Date.now() - started;
        assert.equal(result.degraded, true);
        assert.equal(result.decision, "allow");
        assert.equal(result.nodeError?.code, "DEADLINE_EXCEEDED");
        assert.ok(elapsed < 800, `check took ${elapsed} ms with a 50 ms deadline`);
      },
    );
  });

  it("defaults: 3 report attempts", async () => {
    await withFakeNode(
      { Report: () => status(grpc.status.UNAVAILABLE, "not durable") },
      { reportAttempts: undefined },
      async (client, node) => {
        await assertAuthnetError(client.report(UNIT, "unit_sold"), "UNAVAILABLE");
        assert.equal(node.calls.length, 3);
      },
    );
  });
});

describe("check and checkBatch", () => {
  const couldNotAnswer: Array<[grpc.status, StatusCodeName]> = [
    [grpc.status.UNAVAILABLE, "UNAVAILABLE"],
    [grpc.status.DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED"],
    [grpc.status.RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED"],
    [grpc.status.ABORTED, "ABORTED"],
    [grpc.status.INTERNAL, "INTERNAL"],
    [grpc.status.UNKNOWN, "UNKNOWN"],
    [grpc.status.CANCELLED, "CANCELLED"],
  ];
  for (const [code, name] of couldNotAnswer) {
    it(`${name} from the node gives the failure policy's decision, degraded`, async () => {
      const handler: Handler = () => status(code, `node says ${name}`);
      for (const policy of ["fail-open", "fail-closed"] as const) {
        await withFakeNode(
          { Check: handler, CheckBatch: handler },
          { failurePolicy: policy },
          async (client) => {
            const want = policy === "fail-open" ? "allow" : "deny";
            const result = await client.check(UNIT);
            assert.equal(result.decision, want);
            assert.equal(result.degraded, true);
            assert.ok(result.nodeError instanceof AuthnetError);
            assert.equal(result.nodeError.code, name);
            assert.equal(result.nodeError.message, `node says ${name}`);
            assert.deepEqual(result.reasons, []);
            const batch = await client.checkBatch([UNIT, { seller: "s" }, { supplier: "t" }]);
            assert.equal(batch.length, 3);
            for (const r of batch) {
              assert.equal(r.decision, want);
              assert.equal(r.degraded, true);
              assert.equal(r.nodeError?.code, name);
            }
          },
        );
      }
    });
  }

  const refused: Array<[grpc.status, StatusCodeName]> = [
    [grpc.status.INVALID_ARGUMENT, "INVALID_ARGUMENT"],
    [grpc.status.PERMISSION_DENIED, "PERMISSION_DENIED"],
    [grpc.status.UNAUTHENTICATED, "UNAUTHENTICATED"],
    [grpc.status.FAILED_PRECONDITION, "FAILED_PRECONDITION"],
    [grpc.status.UNIMPLEMENTED, "UNIMPLEMENTED"],
  ];
  for (const [code, name] of refused) {
    it(`${name} from the node rejects with AuthnetError, under either policy`, async () => {
      const handler: Handler = () => status(code, "subjects.gtin: bad check digit");
      for (const policy of ["fail-open", "fail-closed"] as const) {
        await withFakeNode(
          { Check: handler, CheckBatch: handler },
          { failurePolicy: policy },
          async (client) => {
            await assertAuthnetError(client.check(UNIT), name, "subjects.gtin: bad check digit");
            await assertAuthnetError(client.checkBatch([UNIT]), name, "subjects.gtin: bad check digit");
          },
        );
      }
    });
  }

  it("maps the response to the SDK's names; DECISION_UNSPECIFIED is allow, as in C++", async () => {
    const reason = {
      subjectType: "SUBJECT_TYPE_UNIT",
      kind: "SIGNAL_KIND_COUNTERFEIT_CONFIRMED",
      members: 2,
      newestAgeDays: 3,
      score: 0.75,
      local: true,
      summary: "unit: counterfeit_confirmed by 2 members",
      code: "counterfeit_confirmed",
    };
    const decisions = ["DECISION_DENY", "DECISION_REVIEW", "DECISION_ALLOW", "DECISION_UNSPECIFIED"];
    await withFakeNode(
      {
        Check: (_call, n) => ({
          response: {
            decision: decisions[n],
            risk: 0.9,
            reporters: 2,
            // A subject type from a newer node: this SDK does not know 99.
            reasons: [reason, { ...reason, subjectType: 99, code: "reputation" }],
          },
        }),
      },
      {},
      async (client) => {
        const deny = await client.check(UNIT);
        assert.deepEqual(deny, {
          decision: "deny",
          risk: 0.9,
          reporters: 2,
          reasons: [
            {
              subjectType: "unit",
              code: "counterfeit_confirmed",
              members: 2,
              newestAgeDays: 3,
              score: 0.75,
              local: true,
              summary: "unit: counterfeit_confirmed by 2 members",
            },
            {
              subjectType: "",
              code: "reputation",
              members: 2,
              newestAgeDays: 3,
              score: 0.75,
              local: true,
              summary: "unit: counterfeit_confirmed by 2 members",
            },
          ],
          degraded: false,
        });
        assert.equal((await client.check(UNIT)).decision, "review");
        assert.equal((await client.check(UNIT)).decision, "allow");
        assert.equal((await client.check(UNIT)).decision, "allow");
      },
    );
  });

  it("sends the subjects as given, in camelCase proto fields", async () => {
    await withFakeNode(
      { Check: () => ALLOW, CheckBatch: () => ({ response: { results: [ALLOW.response, ALLOW.response] } }) },
      {},
      async (client, node) => {
        const all = {
          gtin: "8712345678906",
          serial: "S",
          lot: "L",
          supplier: "Sup",
          seller: "Sel",
          nfcUid: "04a22b",
          imagePhash: "ff00",
          gs1: "(01)08712345678906(21)S",
        };
        await client.check({ ...all, lot: undefined });
        assert.deepEqual(node.calls[0]?.request["subjects"], { ...all, lot: "" });
        await client.checkBatch([{ seller: "a" }, { nfcUid: "04" }]);
        const checks = node.calls[1]?.request["checks"] as Array<{ subjects: Record<string, string> }>;
        assert.equal(checks.length, 2);
        assert.equal(checks[0]?.subjects["seller"], "a");
        assert.equal(checks[1]?.subjects["nfcUid"], "04");
      },
    );
  });

  it("checkBatch refuses a node that answers a different number of checks", async () => {
    await withFakeNode(
      { CheckBatch: () => ({ response: { results: [ALLOW.response] } }) },
      {},
      async (client) => {
        await assertAuthnetError(
          client.checkBatch([UNIT, UNIT]),
          "INTERNAL",
          "node answered 1 of 2 checks",
        );
      },
    );
  });

  it("refuses subjects that are not strings or not subject fields, without a call", async () => {
    await withFakeNode({ Check: () => ALLOW, CheckBatch: () => ALLOW }, {}, async (client, node) => {
      await assertAuthnetError(
        client.check({ gtin: 4006381333931 } as unknown as { gtin: string }),
        "INVALID_ARGUMENT",
        "subjects.gtin: must be a string",
      );
      await assertAuthnetError(
        client.check({ nfc_uid: "04" } as unknown as { gtin: string }),
        "INVALID_ARGUMENT",
        /^subjects\.nfc_uid: not a subject field/,
      );
      await assertAuthnetError(
        client.checkBatch([UNIT, { imagePhash: 7 } as unknown as { gtin: string }]),
        "INVALID_ARGUMENT",
        "checks[1].subjects.image_phash: must be a string",
      );
      assert.equal(node.calls.length, 0);
    });
  });

  it("a closed client rejects every call with FAILED_PRECONDITION", async () => {
    await withFakeNode({ Check: () => ALLOW }, { failurePolicy: "fail-open" }, async (client, node) => {
      await client.close();
      await assertAuthnetError(client.check(UNIT), "FAILED_PRECONDITION", "client: closed");
      await assertAuthnetError(client.checkBatch([UNIT]), "FAILED_PRECONDITION", "client: closed");
      await assertAuthnetError(
        client.report(UNIT, "unit_sold", { idempotencyKey: "k" }),
        "FAILED_PRECONDITION",
        "client: closed",
      );
      await assertAuthnetError(client.retract(1), "FAILED_PRECONDITION", "client: closed");
      await client.close(); // twice is fine
      assert.equal(node.calls.length, 0);
    });
  });
});

describe("report", () => {
  const OK = { response: { accepted: 1, seq: "41", replayed: false } };

  it("retries UNAVAILABLE and DEADLINE_EXCEEDED with the caller's key, once each attempt", async () => {
    await withFakeNode(
      {
        Report: (_call, n) =>
          n === 0
            ? status(grpc.status.UNAVAILABLE, "not durable")
            : n === 1
              ? { ...OK, delayMs: 3000 } // answers after the deadline
              : OK,
      },
      { reportAttempts: 3, deadlineMs: 1000 },
      async (client, node) => {
        const result = await client.report(UNIT, "counterfeit_confirmed", {
          weight: 0.5,
          idempotencyKey: "return-77",
        });
        assert.deepEqual(result, { accepted: 1, seq: 41, replayed: false });
        assert.equal(node.calls.length, 3);
        for (const call of node.calls) {
          assert.equal(call.request["idempotencyKey"], "return-77");
          assert.equal(call.request["kind"], "SIGNAL_KIND_COUNTERFEIT_CONFIRMED");
          assert.equal(call.request["weight"], 0.5);
        }
      },
    );
  });

  it("generates one key for all attempts and names it in the error", async () => {
    await withFakeNode(
      { Report: () => status(grpc.status.UNAVAILABLE, "store unavailable") },
      { reportAttempts: 4 },
      async (client, node) => {
        const started = Date.now();
        const error = await assertAuthnetError(
          client.report(UNIT, "counterfeit_suspected"),
          "UNAVAILABLE",
          /^store unavailable \(retry with idempotency key sdk-[0-9a-f-]{36}\)$/,
        );
        const elapsed = Date.now() - started;
        assert.equal(node.calls.length, 4);
        const key = node.calls[0]?.request["idempotencyKey"];
        assert.equal(typeof key, "string");
        assert.ok(error.message.includes(`key ${String(key)})`));
        assert.equal(error.idempotencyKey, key);
        for (const call of node.calls) {
          assert.equal(call.request["idempotencyKey"], key);
        }
        // Backoff 10 + 20 + 40 ms between the four attempts: bounded.
        assert.ok(elapsed >= 60, `four attempts took only ${elapsed} ms`);
        assert.ok(elapsed < 2000, `four attempts took ${elapsed} ms`);
      },
    );
  });

  it("a caller's key is not repeated in the message, but is on the error", async () => {
    await withFakeNode(
      { Report: () => status(grpc.status.DEADLINE_EXCEEDED, "Deadline exceeded") },
      { reportAttempts: 2 },
      async (client, node) => {
        const error = await assertAuthnetError(
          client.report(UNIT, "unit_sold", { idempotencyKey: "sale-9" }),
          "DEADLINE_EXCEEDED",
          "Deadline exceeded",
        );
        assert.equal(error.idempotencyKey, "sale-9");
        assert.equal(node.calls.length, 2);
      },
    );
  });

  it("does not retry other failures, and passes the node's message on unchanged", async () => {
    for (const [code, name] of [
      [grpc.status.INVALID_ARGUMENT, "INVALID_ARGUMENT"],
      [grpc.status.RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED"],
      [grpc.status.PERMISSION_DENIED, "PERMISSION_DENIED"],
    ] as const) {
      await withFakeNode(
        { Report: () => status(code, "weight: must be in [0, 1]") },
        { reportAttempts: 5 },
        async (client, node) => {
          await assertAuthnetError(
            client.report(UNIT, "unit_sold", { weight: 1.5 }),
            name,
            "weight: must be in [0, 1]",
          );
          assert.equal(node.calls.length, 1);
        },
      );
    }
  });

  it("sends each kind by its proto name, and refuses others without a call", async () => {
    const kinds = [
      "counterfeit_confirmed",
      "counterfeit_suspected",
      "verification_failed",
      "verification_passed",
      "unit_sold",
      "return_not_genuine",
      "unit_commissioned",
      "unit_decommissioned",
      "gtin_serialized",
    ] as const;
    await withFakeNode({ Report: () => OK }, {}, async (client, node) => {
      for (const [i, kind] of kinds.entries()) {
        await client.report(UNIT, kind, { idempotencyKey: `kind-${i}` });
      }
      assert.deepEqual(
        node.calls.map((c) => c.request["kind"]),
        kinds.map((k) => `SIGNAL_KIND_${k.toUpperCase()}`),
      );
      await assertAuthnetError(
        client.report(UNIT, "SIGNAL_KIND_UNIT_SOLD" as never),
        "INVALID_ARGUMENT",
        'kind: "SIGNAL_KIND_UNIT_SOLD" is not a signal kind; one of counterfeit_confirmed, ' +
          "counterfeit_suspected, verification_failed, verification_passed, unit_sold, return_not_genuine, " +
          "unit_commissioned, unit_decommissioned, gtin_serialized",
      );
      await assertAuthnetError(client.report(UNIT, "unspecified" as never), "INVALID_ARGUMENT", /^kind: /);
      assert.equal(node.calls.length, kinds.length);
    });
  });

  it("sends serials as given, with the same key on every attempt", async () => {
    await withFakeNode(
      { Report: (_call, n) => (n === 0 ? status(grpc.status.UNAVAILABLE, "not durable") : OK) },
      { reportAttempts: 2 },
      async (client, node) => {
        const serials = ["C-1", "C-2", "c-2"];
        await client.report({ gtin: UNIT.gtin }, "unit_commissioned", {
          serials,
          idempotencyKey: "commission-1",
        });
        assert.equal(node.calls.length, 2);
        for (const call of node.calls) {
          assert.deepEqual(call.request["serials"], serials);
          assert.equal(call.request["kind"], "SIGNAL_KIND_UNIT_COMMISSIONED");
          assert.equal(call.request["idempotencyKey"], "commission-1");
        }
        // Without serials none are sent; which kinds take them is the node's to say.
        await client.report(UNIT, "unit_sold", { idempotencyKey: "no-serials" });
        assert.deepEqual(node.calls[2]?.request["serials"], []);
        await client.report(UNIT, "unit_sold", { serials: ["X"], idempotencyKey: "sold-serials" });
        assert.deepEqual(node.calls[3]?.request["serials"], ["X"]);
      },
    );
  });

  it("refuses more than 10,000 serials, or serials that are not strings, without a call", async () => {
    await withFakeNode({ Report: () => OK }, {}, async (client, node) => {
      const serials = Array.from({ length: 10_001 }, (_, i) => `S${i}`);
      await assertAuthnetError(
        client.report({ gtin: UNIT.gtin }, "unit_commissioned", { serials }),
        "INVALID_ARGUMENT",
        "serials: 10001 in one report, at most 10000",
      );
      await assertAuthnetError(
        client.report({ gtin: UNIT.gtin }, "unit_decommissioned", { serials: "S1" as never }),
        "INVALID_ARGUMENT",
        /^serials: must be an array/,
      );
      await assertAuthnetError(
        client.report({ gtin: UNIT.gtin }, "unit_decommissioned", { serials: ["S1", 2] as never }),
        "INVALID_ARGUMENT",
        "serials[1]: must be a string",
      );
      assert.equal(node.calls.length, 0);
      // 10,000 is allowed.
      await client.report({ gtin: UNIT.gtin }, "unit_commissioned", {
        serials: serials.slice(0, 10_000),
        idempotencyKey: "ten-thousand",
      });
      assert.equal(node.calls.length, 1);
      assert.equal((node.calls[0]?.request["serials"] as string[]).length, 10_000);
    });
  });

  it("leaves weight unset when not given (the node's default, 1)", async () => {
    await withFakeNode({ Report: () => OK }, {}, async (client, node) => {
      await client.report(UNIT, "unit_sold", { idempotencyKey: "w-1" });
      assert.equal(node.calls[0]?.request["weight"], undefined);
    });
  });

  it("refuses a seq it cannot represent as a number exactly", async () => {
    await withFakeNode(
      { Report: () => ({ response: { accepted: 1, seq: "9007199254740993", replayed: false } }) },
      {},
      async (client) => {
        await assertAuthnetError(
          client.report(UNIT, "unit_sold", { idempotencyKey: "big-1" }),
          "OUT_OF_RANGE",
          /^seq: 9007199254740993 /,
        );
      },
    );
  });
});

describe("retract", () => {
  it("sends seq exactly, as number, bigint or string, and count (default 1)", async () => {
    await withFakeNode(
      { Retract: () => ({ response: { retracted: 1, seq: "12" } }) },
      {},
      async (client, node) => {
        assert.deepEqual(await client.retract(7), { retracted: 1, seq: 12 });
        await client.retract(18446744073709551615n, 3);
        await client.retract("9007199254740993");
        const sent = node.calls.map((c) => [c.request["seq"], c.request["count"]]);
        assert.deepEqual(sent, [
          ["7", 1],
          ["18446744073709551615", 3],
          ["9007199254740993", 1],
        ]);
      },
    );
  });

  it("refuses a seq or count out of range without a call", async () => {
    await withFakeNode({}, {}, async (client, node) => {
      await assertAuthnetError(client.retract(-1), "INVALID_ARGUMENT", /^seq: /);
      await assertAuthnetError(client.retract(1.5), "INVALID_ARGUMENT", /^seq: /);
      await assertAuthnetError(client.retract(1n << 64n), "INVALID_ARGUMENT", /^seq: /);
      await assertAuthnetError(client.retract("12a"), "INVALID_ARGUMENT", /^seq: /);
      await assertAuthnetError(client.retract(1, 0), "INVALID_ARGUMENT", /^count: /);
      await assertAuthnetError(client.retract(1, 2 ** 32), "INVALID_ARGUMENT", /^count: /);
      assert.equal(node.calls.length, 0);
    });
  });
});

describe("TLS and bearer token", () => {
  // A throwaway certificate for authnet.test, made with openssl.
  function makeCertificate(): { key: Buffer; cert: Buffer } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "authnet-sdk-tls-"));
    try {
      execFileSync(
        "openssl",
        [
          "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"),
          "-days", "1", "-subj", "/CN=authnet.test", "-addext", "subjectAltName=DNS:authnet.test",
        ],
        { stdio: "pipe" },
      );
      return {
        key: fs.readFileSync(path.join(dir, "key.pem")),
        cert: fs.readFileSync(path.join(dir, "cert.pem")),
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it("sends authorization: Bearer TOKEN over TLS, verifying the node's certificate", async () => {
    const tls = makeCertificate();
    const node = await startFakeNode({ Check: () => ALLOW }, { tls });
    try {
      const client = new Client({
        target: node.target,
        deadlineMs: 5000,
        tls: { rootCerts: tls.cert.toString(), serverName: "authnet.test" },
        token: "tok-123",
      });
      const result = await client.check(UNIT);
      assert.equal(result.degraded, false, result.nodeError?.message);
      assert.deepEqual(node.calls[0]?.metadata.get("authorization"), ["Bearer tok-123"]);
      await client.close();

      // TLS without a token: no authorization header.
      const anonymous = new Client({
        target: node.target,
        deadlineMs: 5000,
        tls: { rootCerts: tls.cert, serverName: "authnet.test" },
      });
      assert.equal((await anonymous.check(UNIT)).degraded, false);
      assert.deepEqual(node.calls[1]?.metadata.get("authorization"), []);
      await anonymous.close();

      // A certificate the roots do not vouch for: the node "cannot answer".
      const untrusting = new Client({
        target: node.target,
        deadlineMs: 5000,
        failurePolicy: "fail-closed",
        tls: { rootCerts: makeCertificate().cert, serverName: "authnet.test" },
        token: "tok-123",
      });
      const refused = await untrusting.check(UNIT);
      assert.equal(refused.degraded, true);
      assert.equal(refused.decision, "deny");
      assert.equal(refused.nodeError?.code, "UNAVAILABLE");
      assert.equal(node.calls.length, 2);
      await untrusting.close();
    } finally {
      node.stop();
    }
  });
});
