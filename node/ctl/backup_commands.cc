#include "node/ctl/backup_commands.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "node/bundle/directory_lock.h"
#include "node/bundle/secure_file.h"
#include "node/ctl/cli_output.h"
#include "node/store/backup_file.h"
#include "node/store/data_dir.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;
using cli::Failure;
using cli::Print;
using cli::RequiredFlag;
using cli::Usage;

constexpr absl::string_view kBackup = "backup";
constexpr absl::string_view kRestore = "restore";
constexpr char kMovedAsidePrefix[] = "pre-restore-";

std::string Utc(int64_t unix_seconds, const char* format = "%Y-%m-%d %H:%M:%S UTC") {
  return absl::FormatTime(format, absl::FromUnixSeconds(unix_seconds), absl::UTCTimeZone());
}

std::string Describe(const BackupSummary& s) {
  return absl::StrCat("member ", s.member, " of network ", s.network, ", its own log up to seq ",
                      s.own_head, ", ", s.batches, s.batches == 1 ? " batch" : " batches",
                      " of all origins, ", s.files, s.files == 1 ? " file" : " files",
                      " besides the database");
}

// MoveAside moves everything in `dir` but the lock file and earlier
// moved-aside directories into dir/pre-restore-TIME; nullopt when `dir`
// held nothing to move.
absl::StatusOr<std::optional<fs::path>> MoveAside(const fs::path& dir, int64_t now) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name != "authnetd.lock" && name.rfind(kMovedAsidePrefix, 0) != 0) {
      entries.push_back(e.path());
    }
  }
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir.string(), ": cannot list it: ", ec.message()));
  }
  if (entries.empty()) {
    return std::nullopt;
  }
  fs::path aside = dir / absl::StrCat(kMovedAsidePrefix, Utc(now, "%Y%m%dT%H%M%SZ"));
  if (absl::Status st = CreatePrivateDirectory(aside); !st.ok()) {
    return st;
  }
  for (const fs::path& p : entries) {
    fs::rename(p, aside / p.filename(), ec);
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot move ", p.string(), " into ", aside.string(), ": ", ec.message()));
    }
  }
  return aside;
}

// LockStopped takes the data directory's lock, which a running node holds.
absl::StatusOr<DirectoryLock> LockStopped(const fs::path& dir) {
  if (absl::Status st = CreatePrivateDirectory(dir); !st.ok()) {
    return st;
  }
  absl::StatusOr<DirectoryLock> lock = DirectoryLock::Acquire(dir, "authnetd.lock");
  if (!lock.ok() && absl::IsFailedPrecondition(lock.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("an authnetd runs on ", dir.string(), ": stop it first"));
  }
  return lock;
}

// CheckSameMember refuses to restore one member's backup over another's
// data directory.
absl::Status CheckSameMember(const fs::path& dir, const BackupSummary& backup) {
  std::error_code ec;
  if (!fs::exists(dir / "authnet.db", ec)) {
    return absl::OkStatus();
  }
  // A backup of the directory as it is tells whose it is.
  absl::StatusOr<BackupSummary> held = ReadDataDir(dir);
  if (!held.ok() || (held->member == backup.member && held->network == backup.network)) {
    return absl::OkStatus();  // unreadable: it is moved aside, not judged
  }
  return absl::FailedPreconditionError(
      absl::StrCat(dir.string(), " holds member ", held->member, " of network ", held->network,
                   "'s data, but the backup is of member ", backup.member, " of network ",
                   backup.network, "; restore it into that member's data directory"));
}

}  // namespace

int RunBackup(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"data", "out"}, {});
  if (!flags.ok()) {
    return Usage(kBackup, flags.status().message());
  }
  std::optional<std::string> data = RequiredFlag(kBackup, *flags, "data");
  if (!data) {
    return cli::kExitUsage;
  }
  std::optional<std::string> out = RequiredFlag(kBackup, *flags, "out");
  if (!out) {
    return cli::kExitUsage;
  }
  // A data dir others could write to is one the node refuses to run on:
  // what is in it may not be its own.
  if (absl::Status st = CheckPrivateDirectory(*data); !st.ok()) {
    return Failure(kBackup, "no backup written",
                   absl::FailedPreconditionError(absl::StrCat("--data: data dir ", st.message())));
  }
  Print(absl::StrCat("copying ", *data, " to ", *out,
                     " (a consistent snapshot; the node may run)\n"));
  absl::StatusOr<BackupSummary> s = WriteBackup(*data, *out, absl::ToUnixSeconds(absl::Now()));
  if (!s.ok()) {
    return Failure(kBackup, "no backup written", s.status());
  }
  Print(absl::StrCat("backed up ", Describe(*s), " to ", *out,
                     " (mode 0600: it holds api token hashes; keep it as a secret)\n"));
  return cli::kExitOk;
}

int RunRestore(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"data", "from"}, {"from-peers"});
  if (!flags.ok()) {
    return Usage(kRestore, flags.status().message());
  }
  std::optional<std::string> data = RequiredFlag(kRestore, *flags, "data");
  if (!data) {
    return cli::kExitUsage;
  }
  std::optional<std::string> from = flags->Get("from");
  if (from.has_value() == flags->Has("from-peers")) {
    return Usage(kRestore,
                 "give --from FILE (a backup from authnetctl backup) or --from-peers (no backup: "
                 "the node gets its own log back from the network)");
  }
  std::optional<BackupSummary> backup;
  if (from) {
    absl::StatusOr<BackupSummary> read = ReadBackup(*from);
    if (!read.ok()) {
      return Failure(kRestore, "nothing changed", read.status());
    }
    backup = *read;
    Print(absl::StrCat("backup ", *from, " taken ", Utc(backup->taken_unix), ": ",
                       Describe(*backup), "\n"));
  }
  absl::StatusOr<DirectoryLock> lock = LockStopped(*data);
  if (!lock.ok()) {
    return Failure(kRestore, "nothing changed", lock.status());
  }
  if (backup) {
    if (absl::Status st = CheckSameMember(*data, *backup); !st.ok()) {
      return Failure(kRestore, "nothing changed", st);
    }
  }
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  absl::StatusOr<std::optional<fs::path>> aside = MoveAside(*data, now);
  if (!aside.ok()) {
    return Failure(kRestore, "stopped part way; see the message", aside.status());
  }
  if (*aside) {
    Print(absl::StrCat("moved what ", *data, " held into ", (*aside)->string(), "\n"));
  }
  // The marker first: a restore cut short still keeps the node from signing.
  std::string marker = absl::StrCat(
      "restored ", Utc(now), from ? absl::StrCat(" from ", *from) : " from the network alone",
      backup ? absl::StrCat(" (own log up to seq ", backup->own_head, ")") : "", "\n");
  if (absl::Status st = WriteFileAtomically(fs::path(*data) / kRestoredMarkerFile, marker, 0600);
      !st.ok()) {
    return Failure(kRestore, "nothing restored", st);
  }
  if (from) {
    if (absl::Status st = ExtractBackup(*from, *data); !st.ok()) {
      return Failure(kRestore, "the backup could not be written into the data directory", st);
    }
  }
  Print(absl::StrCat(
      "restored ", *data, from ? absl::StrCat(" from ", *from) : " empty (--from-peers)",
      ". On start the node signs no report until a peer confirms how much of its own log the "
      "network holds; it adopts its batches beyond ",
      backup ? absl::StrCat("seq ", backup->own_head) : std::string("its empty log"),
      " from peers first (authnetctl status shows why it is NOT_SERVING meanwhile).\n"));
  return cli::kExitOk;
}

}  // namespace authnet
