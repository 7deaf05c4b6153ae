#pragma once

// Names, help texts and known label values of the node's metrics. The code
// that counts and RegisterKnownSeries (known_series.h), which exports every
// family from start, use the same constants.
namespace authnet {

// Listener names, the `listener` label of the api and peer listeners' metrics.
inline constexpr char kApiListener[] = "api";
inline constexpr char kPeerListener[] = "peer";
inline constexpr const char* kGrpcListeners[] = {kApiListener, kPeerListener};

inline constexpr char kBatchesRefused[] = "authnet_batches_refused_total";
inline constexpr char kRosterKeyChanges[] = "authnet_roster_key_changes_total";
inline constexpr char kRosterKeyChangesHelp[] =
    "Rosters adopted that replace an existing member's certificate, signing key or sealing key, "
    "by member and key.";
inline constexpr char kRateLimited[] = "authnet_rate_limited_total";
inline constexpr char kRateLimitedHelp[] =
    "Calls refused RESOURCE_EXHAUSTED by a per-client rate limit, by listener.";
inline constexpr char kBatchesRefusedHelp[] =
    "Batches from peers refused, by reason (malformed, unverified: bad signature or not an "
    "active member; out_of_range: a record dated more than a day ahead or with a ttl out of range; "
    "role: an observer's batch, or lifecycle records from a non-brand or outside its company "
    "prefixes; key_epoch: under a network key epoch not held yet; "
    "gap, conflict, unreadable: refused by the store).";
// authnet_batches_refused_total's reasons: by the peer link (node/sync)...
inline constexpr char kBatchRefusedMalformed[] = "malformed";
inline constexpr char kBatchRefusedUnverified[] = "unverified";
inline constexpr char kBatchRefusedOutOfRange[] = "out_of_range";
inline constexpr char kBatchRefusedRole[] = "role";
inline constexpr char kBatchRefusedKeyEpoch[] = "key_epoch";
// ... and by the store's writer (node/write/peer_ingest.cc).
inline constexpr char kBatchRefusedGap[] = "gap";
inline constexpr char kBatchRefusedConflict[] = "conflict";
inline constexpr char kBatchRefusedUnreadable[] = "unreadable";
inline constexpr const char* kBatchRefusedReasons[] = {
    kBatchRefusedMalformed, kBatchRefusedUnverified, kBatchRefusedOutOfRange,
    kBatchRefusedRole,      kBatchRefusedKeyEpoch,   kBatchRefusedGap,
    kBatchRefusedConflict,  kBatchRefusedUnreadable};

// Connections closed by a listener's ConnectionGate (node/admission).
inline constexpr char kConnectionsRefused[] = "authnet_connections_refused_total";
inline constexpr char kConnectionsRefusedHelp[] =
    "Connections closed on arrival, by listener and reason (listener_full, host_full: over "
    "[limits] max_connections / max_connections_per_host; banned: the host was cut off for "
    "abuse within [limits] abuse_ban_seconds).";
inline constexpr char kConnectionRefusedListenerFull[] = "listener_full";
inline constexpr char kConnectionRefusedHostFull[] = "host_full";
inline constexpr char kConnectionRefusedBanned[] = "banned";
inline constexpr const char* kConnectionRefusedReasons[] = {
    kConnectionRefusedListenerFull, kConnectionRefusedHostFull, kConnectionRefusedBanned};
inline constexpr char kConnectionsEvicted[] = "authnet_connections_evicted_total";
inline constexpr char kConnectionsEvictedHelp[] =
    "Connections that were never served (a handshake left hanging, an idle socket), closed to "
    "make room for a new one when the listener or its client's host was at its limit.";
// Labelled by listener and, on the peer listener, member (when known).
inline constexpr char kAbusiveConnectionsClosed[] = "authnet_abusive_connections_closed_total";
inline constexpr char kAbusiveConnectionsClosedHelp[] =
    "Connections closed for abuse (calls reset before their request, requests that do not parse "
    "or calls refused for identity, beyond [limits] abusive_calls_per_second), by listener and, "
    "on the peer listener, member.";

// Per api client (node/api/api_gate.cc): open-ended, so exported from start
// without series.
inline constexpr char kApiChecks[] = "authnet_api_checks_total";
inline constexpr char kApiChecksHelp[] =
    "Checks answered on the api listener (a CheckBatch counts each of its checks), by "
    "client: a token name, uid:N or a local address.";
inline constexpr char kApiReports[] = "authnet_api_reports_total";
inline constexpr char kApiReportsHelp[] =
    "Reports accepted on the api listener, by client: a token name, uid:N or a local "
    "address.";

// Histograms: every call by listener, method and status code (gRPC and
// HTTP), and the store's group commits.
inline constexpr char kRpcDuration[] = "authnet_rpc_duration_seconds";
inline constexpr char kRpcDurationHelp[] =
    "Time from a call's arrival to its status, by listener, method and status code.";
inline constexpr char kStoreCommitSeconds[] = "authnet_store_commit_seconds";
inline constexpr char kStoreCommitSecondsHelp[] =
    "Store group commit latency (write, fsync or replication), per transaction.";

// 1, labelled with the release, commit and libraries (node/core/build_info.h).
inline constexpr char kBuildInfo[] = "authnet_build_info";
inline constexpr char kBuildInfoHelp[] =
    "Always 1; the labels say what this node runs: its version and git commit, and the gRPC, "
    "protobuf, OpenSSL and SQLite versions.";

}  // namespace authnet
