// AuthnetError: the one error type the SDK rejects (or throws) with.

/** The gRPC status code names (https://grpc.io/docs/guides/status-codes/). */
export type StatusCodeName =
  | "OK"
  | "CANCELLED"
  | "UNKNOWN"
  | "INVALID_ARGUMENT"
  | "DEADLINE_EXCEEDED"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "PERMISSION_DENIED"
  | "RESOURCE_EXHAUSTED"
  | "FAILED_PRECONDITION"
  | "ABORTED"
  | "OUT_OF_RANGE"
  | "UNIMPLEMENTED"
  | "INTERNAL"
  | "UNAVAILABLE"
  | "DATA_LOSS"
  | "UNAUTHENTICATED";

/** STATUS_CODE_NAMES[n] is the name of gRPC status code n. */
export const STATUS_CODE_NAMES: readonly StatusCodeName[] = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/**
 * AuthnetError is what every SDK call rejects with (and what the Client
 * constructor throws for bad options). `code` is the gRPC status code name;
 * `message` is the node's status message as it sent it. For bad input it
 * starts with the field it is about, e.g. "subjects.gtin: bad check digit":
 * the text before the first ": " names the field.
 */
export class AuthnetError extends Error {
  /** The gRPC status code name, e.g. "INVALID_ARGUMENT", "UNAVAILABLE". */
  readonly code: StatusCodeName;
  /**
   * Set when report() fails after reaching the node (or trying to): the
   * idempotency key its attempts carried, yours or the one it generated.
   * After UNAVAILABLE or DEADLINE_EXCEEDED the report may or may not have
   * counted; only a retry with this same key is sure to count once.
   */
  readonly idempotencyKey: string | undefined;

  constructor(code: StatusCodeName, message: string, idempotencyKey?: string) {
    super(message);
    this.name = "AuthnetError";
    this.code = code;
    this.idempotencyKey = idempotencyKey;
  }
}

/** statusCodeName maps a numeric gRPC status code to its name. */
export function statusCodeName(code: unknown): StatusCodeName {
  if (typeof code === "number" && Number.isInteger(code)) {
    const name = STATUS_CODE_NAMES[code];
    if (name !== undefined) {
      return name;
    }
  }
  return "UNKNOWN";
}
