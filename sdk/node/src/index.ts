// @authnet/sdk: the TypeScript SDK of authnet. See README.md.
export { Client } from "./client";
export type {
  CheckResult,
  ClientOptions,
  Decision,
  FailurePolicy,
  Reason,
  ReasonCode,
  ReportOptions,
  ReportResult,
  RetractResult,
  SignalKind,
  SubjectType,
  TlsOptions,
} from "./client";
export { AuthnetError } from "./errors";
export type { StatusCodeName } from "./errors";
export type { Subjects } from "./messages";
