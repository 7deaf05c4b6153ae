#include "tests/testing/faulty_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>

namespace authnet::testing {

std::atomic<bool> FaultyDisk::full_{false};
std::atomic<int> FaultyDisk::refused_{0};

namespace {

sqlite3_vfs* base = nullptr;
sqlite3_vfs faulty;

// A file of the faulty VFS: the base VFS's file follows this header in the
// same allocation (szOsFile covers both).
struct FaultyFile {
  sqlite3_file header;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

FaultyFile* Of(sqlite3_file* f) { return reinterpret_cast<FaultyFile*>(f); }

bool Refuse() {
  if (!FaultyDisk::full_.load()) {
    return false;
  }
  ++FaultyDisk::refused_;
  return true;
}

int Close(sqlite3_file* f) { return Of(f)->real()->pMethods->xClose(Of(f)->real()); }
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return Of(f)->real()->pMethods->xRead(Of(f)->real(), buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  if (Refuse()) {
    return SQLITE_FULL;
  }
  return Of(f)->real()->pMethods->xWrite(Of(f)->real(), buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Of(f)->real()->pMethods->xTruncate(Of(f)->real(), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (Refuse()) {
    return SQLITE_IOERR_FSYNC;
  }
  return Of(f)->real()->pMethods->xSync(Of(f)->real(), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Of(f)->real()->pMethods->xFileSize(Of(f)->real(), size);
}
int Lock(sqlite3_file* f, int level) {
  return Of(f)->real()->pMethods->xLock(Of(f)->real(), level);
}
int Unlock(sqlite3_file* f, int level) {
  return Of(f)->real()->pMethods->xUnlock(Of(f)->real(), level);
}
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Of(f)->real()->pMethods->xCheckReservedLock(Of(f)->real(), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Of(f)->real()->pMethods->xFileControl(Of(f)->real(), op, arg);
}
int SectorSize(sqlite3_file* f) { return Of(f)->real()->pMethods->xSectorSize(Of(f)->real()); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Of(f)->real()->pMethods->xDeviceCharacteristics(Of(f)->real());
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Of(f)->real()->pMethods->xShmMap(Of(f)->real(), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Of(f)->real()->pMethods->xShmLock(Of(f)->real(), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Of(f)->real()->pMethods->xShmBarrier(Of(f)->real()); }
int ShmUnmap(sqlite3_file* f, int del) {
  return Of(f)->real()->pMethods->xShmUnmap(Of(f)->real(), del);
}
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return Of(f)->real()->pMethods->xFetch(Of(f)->real(), off, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return Of(f)->real()->pMethods->xUnfetch(Of(f)->real(), off, p);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

// kMethods as each io_methods version, so a file never advertises methods
// its base file lacks.
const sqlite3_io_methods* MethodsFor(int version) {
  static const std::array<sqlite3_io_methods, 3> tables = [] {
    std::array<sqlite3_io_methods, 3> t{kMethods, kMethods, kMethods};
    for (int v = 0; v < 3; ++v) {
      t[v].iVersion = v + 1;
    }
    return t;
  }();
  return &tables[std::clamp(version, 1, 3) - 1];
}

int Open(sqlite3_vfs* /*vfs*/, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  FaultyFile* file = Of(f);
  std::memset(file, 0, sizeof(FaultyFile));
  int rc = base->xOpen(base, name, file->real(), flags, out_flags);
  // SQLite calls xClose whenever pMethods is set, even after a failed open:
  // set it exactly when the base file needs closing.
  const sqlite3_io_methods* real = file->real()->pMethods;
  file->header.pMethods = real != nullptr ? MethodsFor(real->iVersion) : nullptr;
  return rc;
}

}  // namespace

FaultyDisk::FaultyDisk() {
  full_ = false;
  refused_ = 0;
  base = sqlite3_vfs_find(nullptr);
  faulty = *base;
  faulty.zName = "authnet-faulty-disk";
  faulty.szOsFile = static_cast<int>(sizeof(FaultyFile)) + base->szOsFile;
  faulty.pNext = nullptr;
  faulty.xOpen = Open;
  if (sqlite3_vfs_register(&faulty, /*makeDflt=*/1) != SQLITE_OK) {
    std::abort();
  }
}

FaultyDisk::~FaultyDisk() {
  full_ = false;
  sqlite3_vfs_unregister(&faulty);
  sqlite3_vfs_register(base, 1);
}

}  // namespace authnet::testing
