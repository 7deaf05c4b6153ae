#pragma once

// Names and help texts of the metrics counted in more than one place.
namespace authnet {

inline constexpr char kBatchesRefused[] = "authnet_batches_refused_total";
inline constexpr char kBatchesRefusedHelp[] =
    "Batches from peers refused, by reason (malformed, unverified: bad signature or not an "
    "active member; gap, conflict, own_origin, unreadable: refused by the store).";

}  // namespace authnet
