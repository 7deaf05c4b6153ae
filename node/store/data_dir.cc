#include "node/store/data_dir.h"

#include "absl/strings/str_cat.h"
#include "node/bundle/secure_file.h"

namespace authnet {
namespace {

absl::Status Precondition(const std::filesystem::path& dir, absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat("data dir ", dir.string(), ": ", what));
}

}  // namespace

absl::StatusOr<DirectoryLock> OpenDataDir(const std::filesystem::path& data_dir) {
  std::error_code ec;
  bool created = std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return Precondition(data_dir, absl::StrCat("cannot create it: ", ec.message()));
  }
  if (created) {
    // A directory we make is private; an existing one keeps the mode its
    // owner chose (the files in it are 0600 either way).
    std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
    if (ec) {
      return Precondition(data_dir, absl::StrCat("cannot make it private: ", ec.message()));
    }
  }
  if (absl::Status st = CheckPrivateDirectory(data_dir); !st.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("data dir ", st.message()));
  }
  absl::StatusOr<DirectoryLock> lock = DirectoryLock::Acquire(data_dir, "authnetd.lock");
  if (absl::IsFailedPrecondition(lock.status())) {
    return Precondition(data_dir,
                        "another authnetd is using it; stop that one or pick another --data");
  }
  if (!lock.ok()) {
    return Precondition(data_dir, lock.status().message());
  }
  return lock;
}

}  // namespace authnet
