#include "node/bundle/secure_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "node/core/hex.h"
#include "node/core/unique_fd.h"

namespace authnet {
namespace {

constexpr size_t kMaxFileBytes = 16 << 20;

absl::Status Errno(absl::string_view what, const std::filesystem::path& path, int error) {
  std::string message = absl::StrCat(what, " ", path.string(), ": ", std::strerror(error));
  if (error == ENOENT) {
    return absl::NotFoundError(message);
  }
  if (error == EACCES || error == EPERM) {
    return absl::PermissionDeniedError(message);
  }
  return absl::InternalError(message);
}

absl::Status WriteAll(int fd, absl::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Errno("writing", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status SyncDirectory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    return Errno("opening directory", dir, errno);
  }
  if (::fsync(fd.get()) != 0) {
    return Errno("syncing directory", dir, errno);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::filesystem::path> TempPathFor(const std::filesystem::path& path) {
  uint8_t random[8];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return absl::InternalError("making a temporary file name: OpenSSL's random generator failed");
  }
  std::filesystem::path dir = path.parent_path();
  std::string name = absl::StrCat(".", path.filename().string(), ".tmp-", HexEncode(random));
  return dir.empty() ? std::filesystem::path(name) : dir / name;
}

}  // namespace

absl::Status WriteFileAtomically(const std::filesystem::path& path, absl::string_view data,
                                 mode_t mode) {
  absl::StatusOr<std::filesystem::path> temp = TempPathFor(path);
  if (!temp.ok()) {
    return temp.status();
  }
  UniqueFd fd(::open(temp->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) {
    return Errno("creating", *temp, errno);
  }
  absl::Status status = absl::OkStatus();
  // The umask may have cleared bits of `mode`; it can only have removed
  // access, so the file was never more open than asked.
  if (::fchmod(fd.get(), mode) != 0) {
    status = Errno("setting the mode of", *temp, errno);
  }
  if (status.ok()) {
    status = WriteAll(fd.get(), data, *temp);
  }
  if (status.ok() && ::fsync(fd.get()) != 0) {
    status = Errno("syncing", *temp, errno);
  }
  if (fd.Close() != 0 && status.ok()) {
    status = Errno("closing", *temp, errno);
  }
  if (status.ok() && ::rename(temp->c_str(), path.c_str()) != 0) {
    status = Errno("renaming a temporary file to", path, errno);
  }
  if (!status.ok()) {
    ::unlink(temp->c_str());
    return status;
  }
  std::filesystem::path dir = path.parent_path();
  return SyncDirectory(dir.empty() ? std::filesystem::path(".") : dir);
}

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return Errno("opening", path, errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return Errno("reading", path, errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path.string(), " is not a regular file"));
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes) {
    return absl::FailedPreconditionError(
        absl::StrCat(path.string(), " is larger than ", kMaxFileBytes, " bytes"));
  }
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Errno("reading", path, errno);
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxFileBytes) {
      return absl::FailedPreconditionError(
          absl::StrCat(path.string(), " is larger than ", kMaxFileBytes, " bytes"));
    }
  }
  return out;
}

absl::Status CreatePrivateDirectory(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) {
    std::filesystem::path parent = dir.parent_path();
    return SyncDirectory(parent.empty() ? std::filesystem::path(".") : parent);
  }
  if (errno != EEXIST) {
    return Errno("creating directory", dir, errno);
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    return Errno("reading", dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(dir.string(), " is not a directory"));
  }
  return absl::OkStatus();
}

absl::Status CheckSecretFileMode(const std::filesystem::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return Errno("reading", path, errno);
  }
  mode_t perms = st.st_mode & 07777;
  if ((perms & 0077) != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s is readable by group or others (mode %04o); chmod 600 it",
                        path.filename().string(), perms));
  }
  return absl::OkStatus();
}

absl::Status CheckPrivateDirectory(const std::filesystem::path& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    return Errno("reading", dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(dir.string(), " is not a directory"));
  }
  if (st.st_uid != ::geteuid()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s belongs to uid %d, not to uid %d that this runs as, who must own it alone; chown it "
        "or run as its owner",
        dir.string(), st.st_uid, ::geteuid()));
  }
  mode_t perms = st.st_mode & 07777;
  if ((perms & (S_IWGRP | S_IWOTH)) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s is writable by group or others (mode %04o), who could replace what is in it; chmod "
        "go-w %s",
        dir.string(), perms, dir.string()));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> IsEmptyOrMissingDirectory(const std::filesystem::path& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return true;
    }
    return Errno("reading", dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(dir.string(), " is not a directory"));
  }
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (d == nullptr) {
    return Errno("listing", dir, errno);
  }
  errno = 0;
  while (const dirent* entry = ::readdir(d.get())) {
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) {
      return false;
    }
  }
  if (errno != 0) {
    return Errno("listing", dir, errno);
  }
  return true;
}

FileWriter::~FileWriter() {
  if (committed_) {
    return;
  }
  for (const std::filesystem::path& p : written_) {
    ::unlink(p.c_str());
  }
}

absl::Status FileWriter::Write(const char* name, absl::string_view data, mode_t mode) {
  std::filesystem::path path = dir_ / name;
  if (absl::Status s = WriteFileAtomically(path, data, mode); !s.ok()) {
    return s;
  }
  written_.push_back(std::move(path));
  return absl::OkStatus();
}

std::map<uint64_t, std::filesystem::path> NumberedFiles(const std::filesystem::path& dir,
                                                        absl::string_view prefix,
                                                        absl::string_view suffix) {
  std::map<uint64_t, std::filesystem::path> found;
  std::error_code ec;
  for (const std::filesystem::directory_entry& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    absl::string_view middle = name;
    uint64_t n = 0;
    if (absl::ConsumePrefix(&middle, prefix) && absl::ConsumeSuffix(&middle, suffix) &&
        !middle.empty() && middle.front() != '0' && absl::SimpleAtoi(middle, &n)) {
      found.emplace(n, e.path());
    }
  }
  return found;
}

}  // namespace authnet
