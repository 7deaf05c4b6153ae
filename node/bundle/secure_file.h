#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authnet {

// File helpers for the admin directory and member bundles, which hold keys:
// nothing is ever half-written, and secrets are never readable by others,
// not even for a moment. Errors name the path and the system's reason.
// Thread-safe (no shared state; concurrent writers to one path race, last
// rename wins).

// kSecretFileMode is the mode of private keys and network keys.
inline constexpr mode_t kSecretFileMode = 0600;
// kPublicFileMode is the mode of certificates, public keys and rosters.
inline constexpr mode_t kPublicFileMode = 0644;

// WriteFileAtomically writes `data` to a new temporary file in the same
// directory, created with O_EXCL and `mode` (and fchmod'ed to exactly
// `mode`), fsyncs it, renames it over `path` and fsyncs the directory.
// On failure the temporary file is removed and `path` is untouched.
[[nodiscard]] absl::Status WriteFileAtomically(const std::filesystem::path& path,
                                               absl::string_view data, mode_t mode);

// ReadFile returns the contents of `path` (at most 16 MiB). NOT_FOUND if it
// does not exist; FAILED_PRECONDITION if it is not a regular file or too
// big; INTERNAL on other I/O errors.
[[nodiscard]] absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path);

// CreatePrivateDirectory creates `dir` with mode 0700 if it is missing (its
// parent must exist). FAILED_PRECONDITION if `dir` exists but is not a
// directory.
[[nodiscard]] absl::Status CreatePrivateDirectory(const std::filesystem::path& dir);

// CheckSecretFileMode fails with FAILED_PRECONDITION "<name> is readable by
// group or others (mode 0644); chmod 600 it" if `path` grants any access to
// group or others. NOT_FOUND if it does not exist.
[[nodiscard]] absl::Status CheckSecretFileMode(const std::filesystem::path& path);

// CheckPrivateDirectory fails with FAILED_PRECONDITION if `dir` is not a
// directory, belongs to another user than the one running, or is writable
// by group or others: whoever can write there can swap the keys, roster or
// data in it. The message says what to run ("chmod go-w DIR"). NOT_FOUND if
// it does not exist.
[[nodiscard]] absl::Status CheckPrivateDirectory(const std::filesystem::path& dir);

// IsEmptyOrMissingDirectory: true if `dir` does not exist or is an empty
// directory; false if it is a non-empty directory; FAILED_PRECONDITION if it
// is something other than a directory.
[[nodiscard]] absl::StatusOr<bool> IsEmptyOrMissingDirectory(const std::filesystem::path& dir);

// NumberedFiles lists the files PREFIX + N + SUFFIX in `dir` by N (e.g.
// admin-1.key, admin-2.key); unreadable directories list nothing.
std::map<uint64_t, std::filesystem::path> NumberedFiles(const std::filesystem::path& dir,
                                                        absl::string_view prefix,
                                                        absl::string_view suffix);

// FileWriter writes files into one directory (WriteFileAtomically each)
// and, unless Commit() is called, removes the ones it wrote when destroyed:
// a failed multi-file operation leaves nothing half-made. Not thread-safe.
class FileWriter {
 public:
  explicit FileWriter(std::filesystem::path dir) : dir_(std::move(dir)) {}
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  ~FileWriter();

  [[nodiscard]] absl::Status Write(const char* name, absl::string_view data, mode_t mode);
  void Commit() { committed_ = true; }

 private:
  std::filesystem::path dir_;
  std::vector<std::filesystem::path> written_;
  bool committed_ = false;
};

}  // namespace authnet
