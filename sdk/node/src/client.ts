// Client: what checkout and inspection services use to ask their own authnet
// node about products, units, suppliers and sellers, and to report what they
// find. It mirrors the C++ SDK (sdk/include/authnet/client.h, sdk/client.cc)
// call for call: a deadline on every call, a failure policy for checks the
// node cannot answer, and retried reports that carry one idempotency key.

import { randomUUID } from "node:crypto";
import * as path from "node:path";

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

import { AuthnetError, statusCodeName, type StatusCodeName } from "./errors";
import type {
  CheckBatchRequest,
  CheckBatchResponse,
  CheckRequest,
  CheckResponse,
  ReportRequest,
  ReportResponse,
  RetractRequest,
  RetractResponse,
  Subjects,
  WireReason,
  WireSignalKind,
} from "./messages";

// The SDK's vocabulary is that of the C++ and Python SDKs and of
// `authnetctl ... --json`: short lower-case names ("deny",
// "counterfeit_confirmed", "unit"), the proto's enum value names without
// their prefix. The wire's names (DECISION_DENY, ...) stay inside.

/** Decision is the node's answer to a check. */
export type Decision = "allow" | "review" | "deny";

/** SignalKind is what a report says about its subjects. */
export type SignalKind =
  | "counterfeit_confirmed"
  | "counterfeit_suspected"
  | "verification_failed"
  | "verification_passed"
  /** a serialized unit was sold or activated */
  | "unit_sold"
  | "return_not_genuine"
  // Unit lifecycle: reported only by a node whose member has the roster role
  // "brand", for GTINs under its GS1 company prefixes (any other node answers
  // PERMISSION_DENIED). The unit_* kinds take more serials in ReportOptions.
  /** the brand registered this genuine unit */
  | "unit_commissioned"
  /** the unit was destroyed, recalled or stolen: any later sale is suspect */
  | "unit_decommissioned"
  /** every genuine unit of this GTIN is commissioned */
  | "gtin_serialized";

const SIGNAL_KINDS: readonly SignalKind[] = [
  "counterfeit_confirmed",
  "counterfeit_suspected",
  "verification_failed",
  "verification_passed",
  "unit_sold",
  "return_not_genuine",
  "unit_commissioned",
  "unit_decommissioned",
  "gtin_serialized",
];

/** The most serials one report takes (the node's limit too). */
const MAX_REPORT_SERIALS = 10_000;

/** SubjectType is which subject a piece of evidence is about. */
export type SubjectType =
  | "gtin"
  /** gtin + serial */
  | "unit"
  /** gtin + lot */
  | "lot"
  | "supplier"
  | "seller"
  | "nfc_uid"
  | "image_phash";

/**
 * ReasonCode: the documented values of Reason.code (the proto's ReasonCode
 * names in lower case, without "REASON_CODE_"). Codes are only ever added,
 * so a newer node may send one not listed here; branch on those you know.
 */
export type ReasonCode =
  /** evidence of that signal kind, reported by members */
  | "counterfeit_confirmed"
  | "counterfeit_suspected"
  | "verification_failed"
  | "verification_passed"
  | "unit_sold"
  | "return_not_genuine"
  /** the same unit sold by two members, or more often than a unit can be */
  | "clone_suspected"
  /** a supplier's or seller's record of failed against passed verifications */
  | "reputation"
  /** the GS1 expiry date (AI 17) of the unit checked is in the past; informational */
  | "expired"
  /**
   * a unit of a GTIN its brand declared serialized that the brand never
   * commissioned (review by default)
   */
  | "not_commissioned"
  /** the unit's brand decommissioned it (destroyed, recalled, stolen): deny */
  | "decommissioned"
  /** the unit's brand commissioned it: a positive reason, e.g. a brand-verified badge */
  | "commissioned"
  /** an override this node's operators set decided; the summary names it */
  | "local_override"
  | (string & {});

/** Reason explains one piece of evidence behind a decision. */
export interface Reason {
  /** which subject it is about; "" for a type this SDK version does not know */
  subjectType: SubjectType | "";
  /** what the evidence amounts to; clients may branch on it */
  code: ReasonCode;
  /** distinct members behind it */
  members: number;
  /** age of the newest such evidence */
  newestAgeDays: number;
  /** its decayed, trust-weighted strength */
  score: number;
  /** true when this platform's own member reported it */
  local: boolean;
  /** one line for people, e.g. "unit: counterfeit_confirmed by 2 members" */
  summary: string;
}

/**
 * FailurePolicy says what check() and checkBatch() answer when the node
 * cannot (unavailable, deadline exceeded, overloaded, ...):
 * - "fail-open": "allow", marked degraded: sales go on, unchecked;
 * - "fail-closed": "deny", marked degraded: nothing sells unchecked.
 */
export type FailurePolicy = "fail-open" | "fail-closed";

/** TLS for a remote node (an api listener on a non-loopback address). */
export interface TlsOptions {
  /**
   * PEM roots that verify the node's api certificate (default: the
   * system's): a string, or bytes (a Buffer, as from fs.readFileSync).
   */
  rootCerts?: Uint8Array | string | undefined;
  /** The name the node's certificate carries, if not the target's host. */
  serverName?: string | undefined;
}

export interface ClientOptions {
  /** The node's api listener: "unix:/run/authnet/api.sock" or "127.0.0.1:7701". */
  target: string;
  /** Deadline of every call (each attempt, for retried reports), in ms. Default 50. */
  deadlineMs?: number | undefined;
  /** What check() and checkBatch() answer when the node cannot. Default "fail-open". */
  failurePolicy?: FailurePolicy | undefined;
  /**
   * Attempts per report() when the node is unavailable or slow, 1 to 10;
   * every attempt carries the same idempotency key, so the report counts
   * once. Default 3.
   */
  reportAttempts?: number | undefined;
  /**
   * Reach the node over TLS (`tls: {}` verifies it against the system's
   * roots). Without it the channel is plain text, for a unix socket or
   * loopback address.
   */
  tls?: TlsOptions | undefined;
  /**
   * A bearer token from `authnetctl token create`, sent as
   * "authorization: Bearer TOKEN" on every call. Needs `tls`.
   */
  token?: string | undefined;
}

/** CheckResult is the answer to one check. */
export interface CheckResult {
  decision: Decision;
  /** 0..1 */
  risk: number;
  /** distinct members with adverse evidence */
  reporters: number;
  reasons: Reason[];
  /**
   * True when the node did not answer and the decision comes from the
   * failure policy; nodeError then says why.
   */
  degraded: boolean;
  nodeError?: AuthnetError;
}

export interface ReportOptions {
  /** The signal's weight in [0, 1]. Default 1. */
  weight?: number | undefined;
  /**
   * Identifies the report across retries (e.g. "return-8812"); pass one, so
   * that your own retries count once too. If left out, one is generated
   * for this call's retries and named in the error.
   */
  idempotencyKey?: string | undefined;
  /**
   * unit_commissioned and unit_decommissioned only: more serials of
   * subjects.gtin in the same report (subjects.serial may then be empty), at
   * most 10,000 (more is refused INVALID_ARGUMENT without a call). Other
   * kinds take none: the node refuses them (INVALID_ARGUMENT, "serials: only
   * ...").
   */
  serials?: readonly string[] | undefined;
}

/**
 * ReportResult says which records a report made: seq .. seq + accepted - 1.
 * seq is a uint64 on the wire, a JavaScript number here: a node's record
 * counter stays far below Number.MAX_SAFE_INTEGER (2^53 - 1); should a node
 * ever send a larger one the call rejects with OUT_OF_RANGE rather than
 * round it.
 */
export interface ReportResult {
  accepted: number;
  seq: number;
  /** true when an earlier attempt with the same idempotency key counted */
  replayed: boolean;
}

/** RetractResult says how many records were newly retracted. */
export interface RetractResult {
  retracted: number;
  /** first retraction record, 0 if none was needed */
  seq: number;
}

// Where `npm run build` copies the protos to: <package>/proto, two levels up
// from this file's compiled form in <package>/dist/src.
const PROTO_DIR = path.resolve(__dirname, "..", "..", "proto");

/** How the protos are loaded; messages.ts describes what this gives. */
const LOAD_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

type MethodName = "Check" | "CheckBatch" | "Report" | "Retract";
type Methods = Record<MethodName, protoLoader.MethodDefinition<object, object>>;

let loadedMethods: Methods | undefined;

function checkoutMethods(): Methods {
  if (loadedMethods === undefined) {
    let definition: protoLoader.PackageDefinition;
    try {
      definition = protoLoader.loadSync("authnet/v1/checkout.proto", {
        ...LOAD_OPTIONS,
        includeDirs: [PROTO_DIR],
      });
    } catch (e) {
      throw new AuthnetError(
        "INTERNAL",
        `proto: cannot load authnet/v1/checkout.proto from ${PROTO_DIR} (run npm run build): ${errorText(e)}`,
      );
    }
    const service = definition["authnet.v1.CheckoutService"] as protoLoader.ServiceDefinition;
    loadedMethods = {
      Check: service["Check"]!,
      CheckBatch: service["CheckBatch"]!,
      Report: service["Report"]!,
      Retract: service["Retract"]!,
    };
    warmUp(loadedMethods);
  }
  return loadedMethods;
}

// warmUp has protobufjs generate its (de)serializers for every message now,
// at load time, rather than in a call's deadline.
function warmUp(methods: Methods): void {
  const subjects = {
    gtin: "0",
    serial: "0",
    lot: "0",
    supplier: "0",
    seller: "0",
    nfcUid: "0",
    imagePhash: "0",
    gs1: "0",
  };
  const reason = {
    subjectType: "SUBJECT_TYPE_UNIT",
    kind: "SIGNAL_KIND_UNIT_SOLD",
    members: 1,
    newestAgeDays: 1,
    score: 1,
    local: true,
    summary: "0",
    code: "0",
  };
  const check = { decision: "DECISION_DENY", risk: 1, reporters: 1, reasons: [reason] };
  const samples: Array<[MethodName, object, object]> = [
    ["Check", { subjects }, check],
    ["CheckBatch", { checks: [{ subjects }] }, { results: [check] }],
    [
      "Report",
      { subjects, kind: "SIGNAL_KIND_UNIT_SOLD", weight: 1, idempotencyKey: "0", serials: ["0"] },
      { accepted: 1, seq: "1", replayed: true },
    ],
    ["Retract", { seq: "1", count: 1 }, { retracted: 1, seq: "1" }],
  ];
  for (const [name, request, response] of samples) {
    const method = methods[name];
    method.requestSerialize(request);
    method.responseDeserialize(method.responseSerialize(response));
  }
}

// Failures that mean "the node could not answer", as opposed to "the request
// is wrong": check() and checkBatch() answer these with the failure policy.
const NODE_COULD_NOT_ANSWER: ReadonlySet<StatusCodeName> = new Set<StatusCodeName>([
  "UNAVAILABLE",
  "DEADLINE_EXCEEDED",
  "RESOURCE_EXHAUSTED",
  "ABORTED",
  "INTERNAL",
  "UNKNOWN",
  "CANCELLED",
]);

// Failures after which report() tries again, with the same idempotency key.
const REPORT_RETRIES_ON: ReadonlySet<StatusCodeName> = new Set<StatusCodeName>([
  "UNAVAILABLE",
  "DEADLINE_EXCEEDED",
]);

// Subject fields, and their names in the proto (which the node's messages use).
const SUBJECT_FIELDS: Readonly<Record<keyof Subjects, string>> = {
  gtin: "gtin",
  serial: "serial",
  lot: "lot",
  supplier: "supplier",
  seller: "seller",
  nfcUid: "nfc_uid",
  imagePhash: "image_phash",
  gs1: "gs1",
};

const UINT64_MAX = (1n << 64n) - 1n;
const UINT32_MAX = 2 ** 32 - 1;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function invalid(message: string): AuthnetError {
  return new AuthnetError("INVALID_ARGUMENT", message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// toWireSubjects checks `subjects` (its fields are strings, and known: a
// misspelt field would otherwise be dropped without a word) and copies the
// set ones. `where` names it in errors: "subjects", "checks[2].subjects".
function toWireSubjects(subjects: Subjects, where: string): Subjects {
  if (subjects === null || typeof subjects !== "object" || Array.isArray(subjects)) {
    throw invalid(`${where}: must be an object such as {gtin: "4006381333931", serial: "SN-1"}`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(subjects)) {
    if (!Object.prototype.hasOwnProperty.call(SUBJECT_FIELDS, key)) {
      throw invalid(`${where}.${key}: not a subject field (${Object.keys(SUBJECT_FIELDS).join(", ")})`);
    }
    if (value === undefined || value === null) {
      continue;
    }
    if (typeof value !== "string") {
      throw invalid(`${where}.${SUBJECT_FIELDS[key as keyof Subjects]}: must be a string`);
    }
    out[key] = value;
  }
  return out;
}

// toSeqNumber turns a uint64 from the wire (a decimal string) into a number,
// refusing to round.
function toSeqNumber(value: string, field: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new AuthnetError(
      "OUT_OF_RANGE",
      `${field}: ${value} is above Number.MAX_SAFE_INTEGER and cannot be a number exactly`,
    );
  }
  return n;
}

// toWireSeq checks a seq given as number, bigint or decimal string and
// returns it as the decimal string the wire takes for a uint64.
function toWireSeq(seq: number | bigint | string): string {
  const bad = invalid("seq: must be an integer from 0 to 2^64 - 1 (a ReportResult.seq)");
  let value: bigint;
  if (typeof seq === "number") {
    if (!Number.isSafeInteger(seq)) {
      throw bad;
    }
    value = BigInt(seq);
  } else if (typeof seq === "bigint") {
    value = seq;
  } else if (typeof seq === "string" && /^[0-9]{1,20}$/.test(seq)) {
    value = BigInt(seq);
  } else {
    throw bad;
  }
  if (value < 0n || value > UINT64_MAX) {
    throw bad;
  }
  return value.toString();
}

// toWireKind: "counterfeit_confirmed" -> "SIGNAL_KIND_COUNTERFEIT_CONFIRMED".
function toWireKind(kind: unknown): WireSignalKind {
  if (typeof kind !== "string" || !(SIGNAL_KINDS as readonly string[]).includes(kind)) {
    throw invalid(`kind: ${JSON.stringify(kind)} is not a signal kind; one of ${SIGNAL_KINDS.join(", ")}`);
  }
  return `SIGNAL_KIND_${kind.toUpperCase()}` as WireSignalKind;
}

// toWireSerials checks a report's serials: an array of strings, at most
// MAX_REPORT_SERIALS. Which kinds take them is the node's to say.
function toWireSerials(serials: unknown): string[] {
  if (!Array.isArray(serials)) {
    throw invalid('serials: must be an array of serials (strings), e.g. ["SN-1", "SN-2"]');
  }
  if (serials.length > MAX_REPORT_SERIALS) {
    throw invalid(`serials: ${serials.length} in one report, at most ${MAX_REPORT_SERIALS}`);
  }
  for (const [i, serial] of serials.entries()) {
    if (typeof serial !== "string") {
      throw invalid(`serials[${i}]: must be a string`);
    }
  }
  return [...(serials as string[])];
}

// fromWireSubjectType: "SUBJECT_TYPE_UNIT" -> "unit", the names the node uses
// in reasons; "" for UNSPECIFIED and for values this SDK does not know.
function fromWireSubjectType(type: WireReason["subjectType"]): SubjectType | "" {
  if (typeof type !== "string" || type === "SUBJECT_TYPE_UNSPECIFIED") {
    return "";
  }
  return type.slice("SUBJECT_TYPE_".length).toLowerCase() as SubjectType;
}

function fromResponse(r: CheckResponse): CheckResult {
  return {
    // As in the C++ SDK: anything but deny or review (DECISION_UNSPECIFIED)
    // is allow.
    decision:
      r.decision === "DECISION_DENY" ? "deny" : r.decision === "DECISION_REVIEW" ? "review" : "allow",
    risk: r.risk,
    reporters: r.reporters,
    reasons: r.reasons.map((reason) => ({
      subjectType: fromWireSubjectType(reason.subjectType),
      code: reason.code,
      members: reason.members,
      newestAgeDays: reason.newestAgeDays,
      score: reason.score,
      local: reason.local,
      summary: reason.summary,
    })),
    degraded: false,
  };
}

/**
 * Client talks to one authnet node. Share one across a process; calls are
 * independent. Every method returns a promise that rejects only with
 * AuthnetError.
 */
export class Client {
  private readonly channel: grpc.Client;
  private readonly methods: Methods;
  private readonly deadlineMs: number;
  private readonly failurePolicy: FailurePolicy;
  private readonly reportAttempts: number;
  private closed = false;

  /**
   * Checks `options` and prepares a channel to the node. It does not wait
   * for the node: a node that is down shows up as calls failing UNAVAILABLE.
   * Throws AuthnetError INVALID_ARGUMENT for bad options: an empty target, a
   * deadline <= 0, reportAttempts outside 1..10, a token without tls.
   */
  constructor(options: ClientOptions) {
    if (options === null || typeof options !== "object") {
      throw invalid('options: required, e.g. {target: "unix:/run/authnet/api.sock"}');
    }
    const { target, tls, token } = options;
    if (typeof target !== "string" || target === "") {
      throw invalid("target: required, e.g. unix:/run/authnet/api.sock");
    }
    const deadlineMs = options.deadlineMs ?? 50;
    if (typeof deadlineMs !== "number" || !Number.isFinite(deadlineMs) || deadlineMs <= 0) {
      throw invalid("deadlineMs: must be positive");
    }
    const reportAttempts = options.reportAttempts ?? 3;
    if (!Number.isInteger(reportAttempts) || reportAttempts < 1 || reportAttempts > 10) {
      throw invalid("reportAttempts: must be 1 to 10");
    }
    const failurePolicy = options.failurePolicy ?? "fail-open";
    if (failurePolicy !== "fail-open" && failurePolicy !== "fail-closed") {
      throw invalid('failurePolicy: must be "fail-open" or "fail-closed"');
    }
    if (tls !== undefined && (tls === null || typeof tls !== "object")) {
      throw invalid("tls: must be an object, e.g. {} or {rootCerts, serverName}");
    }
    if (token !== undefined && typeof token !== "string") {
      throw invalid("token: must be a string");
    }
    if (token && tls === undefined) {
      throw invalid("token: sent only over TLS; set tls (the node's remote api listener is TLS)");
    }

    // Report retries are ours, with one idempotency key: none from gRPC.
    const channelOptions: grpc.ChannelOptions = { "grpc.enable_retries": 0 };
    let credentials = grpc.credentials.createInsecure();
    if (tls !== undefined) {
      const roots =
        tls.rootCerts === undefined
          ? null
          : typeof tls.rootCerts === "string"
            ? Buffer.from(tls.rootCerts)
            : Buffer.from(tls.rootCerts.buffer, tls.rootCerts.byteOffset, tls.rootCerts.byteLength);
      credentials = grpc.credentials.createSsl(roots);
      if (token) {
        const authorization = `Bearer ${token}`;
        credentials = grpc.credentials.combineChannelCredentials(
          credentials,
          grpc.credentials.createFromMetadataGenerator((_params, callback) => {
            const metadata = new grpc.Metadata();
            metadata.set("authorization", authorization);
            callback(null, metadata);
          }),
        );
      }
      if (tls.serverName) {
        channelOptions["grpc.ssl_target_name_override"] = tls.serverName;
        channelOptions["grpc.default_authority"] = tls.serverName;
      }
    }
    this.methods = checkoutMethods();
    this.deadlineMs = deadlineMs;
    this.failurePolicy = failurePolicy;
    this.reportAttempts = reportAttempts;
    try {
      this.channel = new grpc.Client(target, credentials, channelOptions);
    } catch (e) {
      throw invalid(`target: ${errorText(e)}`);
    }
    // Start connecting now, without waiting: the first call then finds the
    // connection made, or nearly, rather than spending its deadline on it.
    this.channel.getChannel().getConnectivityState(true);
    // And warm the call path with the standard health check (an empty
    // grpc.health.v1.HealthCheckRequest; the answer is ignored): a process's
    // first check would otherwise spend much of a 50 ms deadline in code
    // that runs for the first time.
    this.channel.makeUnaryRequest<Buffer, Buffer>(
      "/grpc.health.v1.Health/Check",
      (empty) => empty,
      (answer) => answer,
      Buffer.alloc(0),
      new grpc.Metadata(),
      { deadline: Date.now() + 10_000 },
      () => {},
    );
  }

  /**
   * check asks whether `subjects` look risky. Rejects with INVALID_ARGUMENT
   * (naming the field) for bad input. When the node cannot answer, resolves
   * to the failure policy's decision with degraded: true instead.
   */
  async check(subjects: Subjects): Promise<CheckResult> {
    const request: CheckRequest = { subjects: toWireSubjects(subjects, "subjects") };
    try {
      return fromResponse(await this.call<CheckRequest, CheckResponse>("Check", request));
    } catch (e) {
      return this.fallback(e as AuthnetError);
    }
  }

  /**
   * checkBatch checks many at once; results are in input order. Failures
   * are handled as in check(), for the whole batch.
   */
  async checkBatch(subjectsList: readonly Subjects[]): Promise<CheckResult[]> {
    if (!Array.isArray(subjectsList)) {
      throw invalid("checks: must be an array of subjects");
    }
    const request: CheckBatchRequest = {
      checks: subjectsList.map((s, i) => ({ subjects: toWireSubjects(s, `checks[${i}].subjects`) })),
    };
    let response: CheckBatchResponse;
    try {
      response = await this.call<CheckBatchRequest, CheckBatchResponse>("CheckBatch", request);
    } catch (e) {
      return subjectsList.map(() => this.fallback(e as AuthnetError));
    }
    if (response.results.length !== subjectsList.length) {
      throw new AuthnetError(
        "INTERNAL",
        `node answered ${response.results.length} of ${subjectsList.length} checks`,
      );
    }
    return response.results.map(fromResponse);
  }

  /**
   * report records a signal about `subjects`; it resolves once the node has
   * made it durable. Attempts that fail UNAVAILABLE or DEADLINE_EXCEEDED are
   * retried (reportAttempts in all, 10, 20, 40 ... ms apart, at most 200)
   * with the same idempotency key. Rejects with INVALID_ARGUMENT for bad
   * input (more than 10,000 serials without a call), PERMISSION_DENIED for a
   * lifecycle kind from a node whose member is not the GTIN's brand,
   * FAILED_PRECONDITION from an observer's node, and with UNAVAILABLE /
   * DEADLINE_EXCEEDED when every attempt
   * failed: the report may or may not have counted, so call again with the
   * same key (error.idempotencyKey; a generated one is also named in the
   * message).
   */
  async report(
    subjects: Subjects,
    kind: SignalKind,
    options: ReportOptions = {},
  ): Promise<ReportResult> {
    const request: ReportRequest = {
      subjects: toWireSubjects(subjects, "subjects"),
      kind: toWireKind(kind),
      idempotencyKey: "",
    };
    const { weight, idempotencyKey, serials } = options ?? {};
    if (weight !== undefined) {
      if (typeof weight !== "number") {
        throw invalid("weight: must be a number in [0, 1]");
      }
      request.weight = weight;
    }
    if (serials !== undefined) {
      request.serials = toWireSerials(serials);
    }
    if (idempotencyKey !== undefined && typeof idempotencyKey !== "string") {
      throw invalid("idempotency_key: must be a string");
    }
    const generatedKey = !idempotencyKey;
    request.idempotencyKey = idempotencyKey || `sdk-${randomUUID()}`;

    let last: AuthnetError | undefined;
    for (let attempt = 0; attempt < this.reportAttempts; ++attempt) {
      if (attempt > 0) {
        // 10, 20, 40 ... ms, at most 200 ms between attempts.
        await sleep(Math.min(200, 5 << attempt));
      }
      let response: ReportResponse;
      try {
        response = await this.call<ReportRequest, ReportResponse>("Report", request);
      } catch (e) {
        last = e as AuthnetError;
        if (!REPORT_RETRIES_ON.has(last.code)) {
          break;
        }
        continue;
      }
      return {
        accepted: response.accepted,
        seq: toSeqNumber(response.seq, "seq"),
        replayed: response.replayed,
      };
    }
    const error = last!;
    if (generatedKey && REPORT_RETRIES_ON.has(error.code)) {
      // The node may have committed an attempt after we gave up on it: only
      // a retry with this same key is sure to count once.
      throw new AuthnetError(
        error.code,
        `${error.message} (retry with idempotency key ${request.idempotencyKey})`,
        request.idempotencyKey,
      );
    }
    throw new AuthnetError(error.code, error.message, request.idempotencyKey);
  }

  /**
   * retract withdraws this node's records seq .. seq + count - 1 (as a
   * ReportResult named them) from the model of every node. seq may be a
   * number, a bigint or a decimal string.
   */
  async retract(seq: number | bigint | string, count = 1): Promise<RetractResult> {
    const request: RetractRequest = { seq: toWireSeq(seq), count };
    if (!Number.isInteger(count) || count < 1 || count > UINT32_MAX) {
      throw invalid(`count: must be an integer from 1 to ${UINT32_MAX}`);
    }
    const response = await this.call<RetractRequest, RetractResponse>("Retract", request);
    return { retracted: response.retracted, seq: toSeqNumber(response.seq, "seq") };
  }

  /** close closes the channel; later calls reject with FAILED_PRECONDITION. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.channel.close();
    }
  }

  private fallback(error: AuthnetError): CheckResult {
    if (!(error instanceof AuthnetError) || !NODE_COULD_NOT_ANSWER.has(error.code)) {
      throw error;
    }
    return {
      decision: this.failurePolicy === "fail-open" ? "allow" : "deny",
      risk: 0,
      reporters: 0,
      reasons: [],
      degraded: true,
      nodeError: error,
    };
  }

  // call makes one unary call with the client's deadline. It rejects only
  // with AuthnetError: the node's status code name and message.
  private call<Req extends object, Res extends object>(method: MethodName, request: Req): Promise<Res> {
    if (this.closed) {
      return Promise.reject(new AuthnetError("FAILED_PRECONDITION", "client: closed"));
    }
    const definition = this.methods[method];
    return new Promise<Res>((resolve, reject) => {
      try {
        this.channel.makeUnaryRequest<object, object>(
          definition.path,
          definition.requestSerialize,
          definition.responseDeserialize,
          request,
          new grpc.Metadata(),
          { deadline: Date.now() + this.deadlineMs },
          (error, response) => {
            if (error) {
              reject(new AuthnetError(statusCodeName(error.code), error.details ?? error.message));
            } else if (response === undefined) {
              reject(new AuthnetError("INTERNAL", `${method}: the node sent no response`));
            } else {
              resolve(response as Res);
            }
          },
        );
      } catch (e) {
        // The channel refused to start the call (e.g. closed meanwhile).
        reject(new AuthnetError("FAILED_PRECONDITION", `${method}: ${errorText(e)}`));
      }
    });
  }
}
