#pragma once

// Names and help texts of the metrics counted in more than one place.
namespace authnet {

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
    "gap, conflict, own_origin, unreadable: refused by the store).";

}  // namespace authnet
