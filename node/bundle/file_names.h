#pragma once

// File names inside an admin directory (admin_dir.h) and a member bundle
// (member_bundle.h).

namespace authnet {

inline constexpr char kCaCertFile[] = "ca.crt";
inline constexpr char kCaKeyFile[] = "ca.key";
// Admin keys are admin-1.key ... admin-N.key (AdminKeyFileName).
inline constexpr char kAdminKeyPrefix[] = "admin-";
inline constexpr char kAdminKeySuffix[] = ".key";
// The admin keys' public halves, as a member bundle holds them.
inline constexpr char kAdminPubFile[] = "admin.pub";
// A roster waiting for more admin signatures (authnetctl roster sign).
inline constexpr char kRosterProposalFile[] = "roster.proposed.pb";
inline constexpr char kNetworkKeysFile[] = "network.keys";
inline constexpr char kRosterFile[] = "roster.pb";
inline constexpr char kNodeCertFile[] = "node.crt";
inline constexpr char kNodeKeyFile[] = "node.key";
inline constexpr char kSigningKeyFile[] = "signing.key";
inline constexpr char kSealingKeyFile[] = "sealing.key";
inline constexpr char kEnrollRequestFile[] = "enroll-request.pb";

}  // namespace authnet
