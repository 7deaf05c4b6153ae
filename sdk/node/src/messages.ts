// The authnet.v1 wire messages (proto/authnet/v1/types.proto and
// checkout.proto) as @grpc/proto-loader hands them over with the options
// this SDK loads them with (client.ts, LOAD_OPTIONS): field names in
// lowerCamelCase (keepCase: false), enums as their value names
// (enums: String), 64-bit integers as decimal strings (longs: String), and
// unset fields filled with their defaults (defaults: true).
//
// Enum-typed fields of responses are typed `Name | number`: a value this SDK
// version does not know yet (a newer node) arrives as its number.
//
// Subjects is part of the SDK's API as it is; client.ts maps the rest to and
// from the SDK's own types (Decision "deny" for DECISION_DENY, and so on).

export type WireDecision =
  | "DECISION_UNSPECIFIED"
  | "DECISION_ALLOW"
  | "DECISION_REVIEW"
  | "DECISION_DENY";

export type WireSignalKind =
  | "SIGNAL_KIND_UNSPECIFIED"
  | "SIGNAL_KIND_COUNTERFEIT_CONFIRMED"
  | "SIGNAL_KIND_COUNTERFEIT_SUSPECTED"
  | "SIGNAL_KIND_VERIFICATION_FAILED"
  | "SIGNAL_KIND_VERIFICATION_PASSED"
  | "SIGNAL_KIND_UNIT_SOLD"
  | "SIGNAL_KIND_RETURN_NOT_GENUINE"
  | "SIGNAL_KIND_UNIT_COMMISSIONED"
  | "SIGNAL_KIND_UNIT_DECOMMISSIONED"
  | "SIGNAL_KIND_GTIN_SERIALIZED";

export type WireSubjectType =
  | "SUBJECT_TYPE_UNSPECIFIED"
  | "SUBJECT_TYPE_GTIN"
  | "SUBJECT_TYPE_UNIT"
  | "SUBJECT_TYPE_LOT"
  | "SUBJECT_TYPE_SUPPLIER"
  | "SUBJECT_TYPE_SELLER"
  | "SUBJECT_TYPE_NFC_UID"
  | "SUBJECT_TYPE_IMAGE_PHASH";

/**
 * Subjects names what a check or report is about. Leave unknown fields out;
 * at least one must be set. serial and lot need gtin (or a gs1 that has one).
 * Values are raw identifiers: the node digests them on arrival and never
 * stores, logs or forwards them.
 */
export interface Subjects {
  /** GTIN-8/12/13/14 with a valid GS1 check digit */
  gtin?: string | undefined;
  /** GS1 AI (21): case-sensitive, 1..20 characters of GS1 set 82; needs gtin */
  serial?: string | undefined;
  /** GS1 AI (10): same rules as serial; needs gtin */
  lot?: string | undefined;
  /** supplier name or id: free text, Unicode-normalized by the node */
  supplier?: string | undefined;
  /** seller (store) name or id: free text, Unicode-normalized by the node */
  seller?: string | undefined;
  /** NFC tag UID, hex */
  nfcUid?: string | undefined;
  /** perceptual hash of a product image, hex */
  imagePhash?: string | undefined;
  /**
   * What a scanner or a label gives: a bracketed GS1 element string
   * "(01)09506000134352(21)ABC123(17)261231", raw scan data with GS (0x1D)
   * separators and an optional symbology identifier ("]d2", "]Q3", "]C1",
   * "]e0"), or a GS1 Digital Link URI. Its (01), (21) and (10) become gtin,
   * serial and lot; an explicit gtin/serial/lot must agree with them.
   */
  gs1?: string | undefined;
}

/** Reason explains one piece of evidence behind a decision. */
export interface WireReason {
  subjectType: WireSubjectType | number;
  kind: WireSignalKind | number;
  members: number;
  newestAgeDays: number;
  score: number;
  local: boolean;
  summary: string;
  code: string;
}

export interface CheckRequest {
  subjects: Subjects;
}

export interface CheckResponse {
  decision: WireDecision | number;
  /** 0..1 */
  risk: number;
  /** distinct members with adverse evidence on any subject */
  reporters: number;
  reasons: WireReason[];
}

export interface CheckBatchRequest {
  checks: CheckRequest[];
}

export interface CheckBatchResponse {
  /** one per check, same order */
  results: CheckResponse[];
}

export interface ReportRequest {
  subjects: Subjects;
  kind: WireSignalKind;
  /** 0..1; unset means 1 */
  weight?: number;
  idempotencyKey: string;
  /**
   * unit_commissioned and unit_decommissioned only: more serials of
   * subjects.gtin, reported together (up to 10,000 per report; subjects.serial
   * may then be empty).
   */
  serials?: string[];
}

export interface ReportResponse {
  /** records created (one per subject digested) */
  accepted: number;
  /** uint64: seq of the first record; the rest follow contiguously */
  seq: string;
  /** true when an earlier report with this key answered */
  replayed: boolean;
}

export interface RetractRequest {
  /** uint64: first record to retract (a ReportResponse.seq) */
  seq: string;
  /** how many consecutive records; 0 means 1 */
  count: number;
}

export interface RetractResponse {
  /** records newly retracted (already retracted ones are skipped) */
  retracted: number;
  /** uint64: seq of the first retraction record, "0" if none */
  seq: string;
}
