#pragma once

#include <filesystem>

#include "absl/status/statusor.h"
#include "node/bundle/directory_lock.h"

namespace authnet {

// The marker `authnetctl restore` leaves in a data directory: the node
// signs nothing until a peer confirms how much of its own log the network
// holds (SigningGate), then removes it.
inline constexpr char kRestoredMarkerFile[] = "restored";

// OpenDataDir creates `data_dir` private (0700) if it does not exist, checks
// that it is private, and locks it (DATA_DIR/authnetd.lock) for as long as
// the returned lock lives: one authnetd per data directory, whichever store
// it uses. FAILED_PRECONDITION with one line saying what to do.
[[nodiscard]] absl::StatusOr<DirectoryLock> OpenDataDir(const std::filesystem::path& data_dir);

}  // namespace authnet
