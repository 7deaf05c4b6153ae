#pragma once

// File names inside an admin directory (admin_dir.h) and a member bundle
// (member_bundle.h).

namespace authnet {

inline constexpr char kCaCertFile[] = "ca.crt";
inline constexpr char kCaKeyFile[] = "ca.key";
inline constexpr char kAdminKeyFile[] = "admin.key";
inline constexpr char kAdminPubFile[] = "admin.pub";
inline constexpr char kNetworkKeysFile[] = "network.keys";
inline constexpr char kRosterFile[] = "roster.pb";
inline constexpr char kNodeCertFile[] = "node.crt";
inline constexpr char kNodeKeyFile[] = "node.key";
inline constexpr char kSigningKeyFile[] = "signing.key";

}  // namespace authnet
