#pragma once

#include <string>
#include <vector>

namespace authnet {

// Backup and restore of a node's data directory (docs/ops/backup-and-restore.md).
// They read and write files only, never the node's api, so they work
// whatever the api listener requires; run them as the node's user. Exit
// status: 0 done, 1 failed, 2 bad input.

// authnetctl backup --data DIR --out FILE: an online, consistent copy of a
// data directory (its node may run), mode 0600.
int RunBackup(const std::vector<std::string>& args);
// authnetctl restore --data DIR --from FILE | --from-peers: with the node
// stopped, moves what DIR holds aside, puts the backup in (or nothing, with
// --from-peers) and marks DIR restored, so the node signs no report before
// a peer has confirmed how much of its own log the network holds.
int RunRestore(const std::vector<std::string>& args);

}  // namespace authnet
