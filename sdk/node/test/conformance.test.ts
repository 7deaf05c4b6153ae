// The shared conformance vectors (sdk/conformance/vectors.json) through this
// SDK: every case of `cases`, in order, against the real node at
// AUTHNET_TARGET, then every case of `offline` against AUTHNET_DOWN_TARGET,
// where no node listens. Requests are protobuf canonical JSON, translated
// here to the SDK's calls; nothing is skipped.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";

import { AuthnetError, Client, type CheckResult, type SignalKind, type Subjects } from "../src";
import { PACKAGE_DIR, requireEnv } from "./env";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Call = "check" | "check_batch" | "report" | "retract";

interface Step {
  call: Call;
  request: JsonObject;
  expect: JsonObject;
}

interface Vectors {
  version: number;
  cases: Array<{ name: string; steps: Step[] }>;
  offline: {
    cases: Array<Step & { name: string; policy: "fail_open" | "fail_closed" }>;
  };
}

const VECTORS_PATH = path.resolve(PACKAGE_DIR, "..", "conformance", "vectors.json");
const vectors = JSON.parse(fs.readFileSync(VECTORS_PATH, "utf8")) as Vectors;

// The deadline of the live cases. The vectors are about what the node
// answers, not how fast: a generous deadline keeps a loaded machine from
// turning an answer into a degraded one (which fails the case: live results
// must not be degraded).
const LIVE_DEADLINE_MS = 5000;

// "nfc_uid" and "nfcUid" are both proto JSON names of one field.
function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// substitute replaces every string "${N.field}" in `value` with `field` of
// step N's result.
function substitute(value: Json, results: unknown[]): Json {
  if (typeof value === "string") {
    const m = /^\$\{(\d+)\.([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
    if (!m) {
      return value;
    }
    const result = results[Number(m[1])];
    const field = camel(m[2]!);
    assert.ok(
      result !== null && typeof result === "object" && field in result,
      `${value}: step ${m[1]} has no result field ${field} (result: ${JSON.stringify(result)})`,
    );
    return (result as Record<string, Json>)[field]!;
  }
  if (Array.isArray(value)) {
    return value.map((v) => substitute(v, results));
  }
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, results)]));
  }
  return value;
}

// takeFields reads a request object's fields by their proto JSON names,
// failing on any field this runner does not know how to translate (so a new
// vector cannot be passed by ignoring part of it).
function takeFields(object: Json | undefined, known: string[], where: string): Map<string, Json> {
  if (object === undefined) {
    return new Map();
  }
  assert.ok(isObject(object), `${where}: not an object: ${JSON.stringify(object)}`);
  const out = new Map<string, Json>();
  for (const [key, value] of Object.entries(object)) {
    const name = camel(key);
    assert.ok(known.includes(name), `${where}.${key}: this runner cannot translate it`);
    out.set(name, value);
  }
  return out;
}

function toSubjects(json: Json | undefined, where: string): Subjects {
  const fields = takeFields(
    json,
    ["gtin", "serial", "lot", "supplier", "seller", "nfcUid", "imagePhash", "gs1"],
    where,
  );
  const subjects: Record<string, string> = {};
  for (const [name, value] of fields) {
    assert.equal(typeof value, "string", `${where}.${name}: not a string`);
    subjects[name] = value as string;
  }
  return subjects as Subjects;
}

function toNumber(value: Json | undefined, where: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  // Proto JSON may spell numbers as strings.
  const n = typeof value === "string" ? Number(value) : value;
  assert.equal(typeof n, "number", `${where}: not a number: ${JSON.stringify(value)}`);
  return n as number;
}

// run makes the SDK call a step describes. It resolves to the SDK's result;
// rejections are the SDK's own.
async function run(client: Client, step: Step): Promise<unknown> {
  const request = takeFields(
    step.request,
    step.call === "check"
      ? ["subjects"]
      : step.call === "check_batch"
        ? ["checks"]
        : step.call === "report"
          ? ["subjects", "kind", "weight", "idempotencyKey"]
          : ["seq", "count"],
    "request",
  );
  switch (step.call) {
    case "check":
      return client.check(toSubjects(request.get("subjects"), "request.subjects"));
    case "check_batch": {
      const checks = request.get("checks") ?? [];
      assert.ok(Array.isArray(checks), "request.checks: not an array");
      return client.checkBatch(
        checks.map((check, i) => {
          const fields = takeFields(check, ["subjects"], `request.checks[${i}]`);
          return toSubjects(fields.get("subjects"), `request.checks[${i}].subjects`);
        }),
      );
    }
    case "report": {
      const kind = request.get("kind") ?? "SIGNAL_KIND_UNSPECIFIED";
      assert.equal(typeof kind, "string", "request.kind: this runner takes enum names");
      const key = request.get("idempotencyKey");
      assert.ok(key === undefined || typeof key === "string", "request.idempotencyKey: not a string");
      return client.report(
        toSubjects(request.get("subjects"), "request.subjects"),
        // SIGNAL_KIND_COUNTERFEIT_CONFIRMED is the SDK's "counterfeit_confirmed".
        // SIGNAL_KIND_UNSPECIFIED becomes "unspecified", which is no SignalKind:
        // the SDK refuses it as the node would (INVALID_ARGUMENT, "kind: ...").
        (kind as string).replace(/^SIGNAL_KIND_/, "").toLowerCase() as SignalKind,
        { weight: toNumber(request.get("weight"), "request.weight"), idempotencyKey: key },
      );
    }
    case "retract": {
      const seq = request.get("seq") ?? 0;
      assert.ok(typeof seq === "number" || typeof seq === "string", "request.seq: not a number");
      const count = toNumber(request.get("count"), "request.count");
      return count === undefined ? client.retract(seq) : client.retract(seq, count);
    }
    default:
      return assert.fail(`unknown call ${String(step.call)}`);
  }
}

const EXPECTATIONS: Record<Call, string[]> = {
  check: ["decision", "reasonCodes", "noReasonCodes", "degraded"],
  check_batch: ["decisions", "degraded"],
  report: ["accepted", "replayed", "seq"],
  retract: ["retracted"],
};

// wireDecision: the SDK's "deny" is the vectors' (the proto's) DECISION_DENY.
function wireDecision(decision: string): string {
  return `DECISION_${decision.toUpperCase()}`;
}

// verify checks one step's outcome against its `expect`.
function verify(step: Step, outcome: { value: unknown } | { error: unknown }): void {
  const expect = step.expect;
  if (expect["error"] !== undefined) {
    for (const key of Object.keys(expect)) {
      assert.ok(["error", "field"].includes(key), `expect.${key}: unknown beside error`);
    }
    assert.ok(
      "error" in outcome,
      `expected ${String(expect["error"])}, the call succeeded: ${JSON.stringify("value" in outcome ? outcome.value : null)}`,
    );
    const error = outcome.error;
    assert.ok(error instanceof AuthnetError, `rejected with a non-AuthnetError: ${String(error)}`);
    const codes = String(expect["error"]).split("|");
    assert.ok(
      codes.includes(error.code),
      `expected ${codes.join(" or ")}, got ${error.code}: ${error.message}`,
    );
    if (expect["field"] !== undefined) {
      const colon = error.message.indexOf(": ");
      const field = colon < 0 ? error.message : error.message.slice(0, colon);
      assert.equal(
        field,
        expect["field"],
        `${error.code} names field "${field}", want "${String(expect["field"])}" (message: ${error.message})`,
      );
    }
    return;
  }
  for (const key of Object.keys(expect)) {
    assert.ok(EXPECTATIONS[step.call].includes(key), `expect.${key}: unknown for ${step.call}`);
  }
  if ("error" in outcome) {
    const e = outcome.error;
    assert.fail(
      e instanceof AuthnetError
        ? `expected success, got ${e.code}: ${e.message}`
        : `expected success, got ${String(e)}`,
    );
  }
  const value = outcome.value;
  const wantDegraded = expect["degraded"] ?? false;
  switch (step.call) {
    case "check": {
      const r = value as CheckResult;
      assert.equal(r.degraded, wantDegraded, `degraded: ${r.nodeError?.code}: ${r.nodeError?.message}`);
      if (expect["decision"] !== undefined) {
        assert.equal(wireDecision(r.decision), expect["decision"], `reasons: ${JSON.stringify(r.reasons)}`);
      }
      const codes = r.reasons.map((reason) => reason.code);
      for (const code of (expect["reasonCodes"] ?? []) as string[]) {
        assert.ok(codes.includes(code), `reason code ${code} missing from [${codes.join(", ")}]`);
      }
      for (const code of (expect["noReasonCodes"] ?? []) as string[]) {
        assert.ok(!codes.includes(code), `reason code ${code} present in [${codes.join(", ")}]`);
      }
      break;
    }
    case "check_batch": {
      const results = value as CheckResult[];
      for (const [i, r] of results.entries()) {
        assert.equal(r.degraded, wantDegraded, `results[${i}].degraded: ${r.nodeError?.message}`);
      }
      if (expect["decisions"] !== undefined) {
        assert.deepEqual(
          results.map((r) => wireDecision(r.decision)),
          expect["decisions"],
        );
      }
      break;
    }
    case "report":
    case "retract": {
      const r = value as Record<string, unknown>;
      for (const key of ["accepted", "replayed", "seq", "retracted"]) {
        if (expect[key] !== undefined) {
          assert.equal(r[key], expect[key], `${key} of ${JSON.stringify(r)}`);
        }
      }
      break;
    }
  }
}

async function runStep(client: Client, step: Step, index: number, results: unknown[]): Promise<void> {
  const resolved: Step = {
    call: step.call,
    request: substitute(step.request, results) as JsonObject,
    expect: substitute(step.expect, results) as JsonObject,
  };
  let outcome: { value: unknown } | { error: unknown };
  try {
    outcome = { value: await run(client, resolved) };
  } catch (error) {
    if (error instanceof assert.AssertionError) {
      throw error;
    }
    outcome = { error };
  }
  results[index] = "value" in outcome ? outcome.value : outcome.error;
  try {
    verify(resolved, outcome);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    assert.fail(`step ${index} (${step.call} ${JSON.stringify(resolved.request)}): ${message}`);
  }
}

describe(`conformance vectors v${vectors.version}: cases against a fresh node`, () => {
  let client: Client | undefined;
  const live = (): Client => {
    client ??= new Client({ target: requireEnv("AUTHNET_TARGET"), deadlineMs: LIVE_DEADLINE_MS });
    return client;
  };
  after(() => client?.close());

  for (const vector of vectors.cases) {
    it(vector.name, async () => {
      const c = live();
      const results: unknown[] = [];
      // Every step runs, so that a failure lists all the steps that fail;
      // a step that names a failed step's result fails on its own.
      const failures: string[] = [];
      for (const [i, step] of vector.steps.entries()) {
        try {
          await runStep(c, step, i, results);
        } catch (e) {
          failures.push(e instanceof Error ? e.message : String(e));
        }
      }
      if (failures.length > 0) {
        assert.fail(`${failures.length} of ${vector.steps.length} steps failed:\n${failures.join("\n")}`);
      }
    });
  }
});

describe(`conformance vectors v${vectors.version}: offline, where no node listens`, () => {
  for (const vector of vectors.offline.cases) {
    it(vector.name, async () => {
      const client = new Client({
        target: requireEnv("AUTHNET_DOWN_TARGET"),
        deadlineMs: 50,
        reportAttempts: 1,
        failurePolicy: vector.policy === "fail_closed" ? "fail-closed" : "fail-open",
      });
      assert.ok(["fail_open", "fail_closed"].includes(vector.policy), `policy ${vector.policy}`);
      try {
        await runStep(client, vector, 0, []);
      } finally {
        await client.close();
      }
    });
  }
});

it("the vectors file has cases and offline cases", () => {
  assert.ok(vectors.cases.length > 0);
  assert.ok(vectors.offline.cases.length > 0);
});
