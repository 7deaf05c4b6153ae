// Node's state on the store: the store itself, the roster, the model rebuilt
// from the store, the writer, the pull reader, the sync feed and, on a shared
// store, the follower of other replicas' commits (docs/architecture.md §5, §6).
#include <google/protobuf/arena.h>
#include <unistd.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "node/batch/batch_signing.h"
#include "node/bundle/file_names.h"
#include "node/bundle/sealed_keys.h"
#include "node/bundle/secure_file.h"
#include "node/core/hex.h"
#include "node/core/log_text.h"
#include "node/daemon/log_setup.h"
#include "node/daemon/node.h"
#include "node/store/data_dir.h"

namespace authnet {
namespace {

absl::Status RebuildModel(LogStore& store, Model& model, const std::string& network) {
  return store.ForEachBatch([&](const StoredBatch& stored) -> absl::Status {
    // An arena per batch: one allocation for its records instead of two each.
    google::protobuf::Arena arena;
    v1::BatchBody& body = *google::protobuf::Arena::CreateMessage<v1::BatchBody>(&arena);
    if (absl::Status st = ParseStoredBatch(stored, network, &body); !st.ok()) {
      return st;
    }
    return model.ApplyBatch(body);
  });
}

// ReplicaName is --replica, or the host name.
std::string ReplicaName(const NodeOptions& options) {
  if (!options.replica.empty()) {
    return options.replica;
  }
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return host;
}

// The store's meta key holding the highest roster version this node adopted
// (SQLite: the floor below which the data dir's roster may not go back).
constexpr char kRosterFloorKey[] = "roster_floor";
// On a shared store, the newest roster a replica adopted: the replicas' floor,
// which a replica that starts (or restarts with a fresh data dir) adopts.
constexpr char kSharedRosterKey[] = "roster";

absl::StatusOr<uint64_t> RosterFloor(LogStore& store, const char* key) {
  absl::StatusOr<std::optional<std::string>> floor = store.GetMeta(key);
  if (!floor.ok()) {
    return floor.status();
  }
  uint64_t version = 0;
  if (floor->has_value() && !absl::SimpleAtoi(**floor, &version)) {
    return absl::DataLossError("the store's roster_floor is damaged");
  }
  return version;
}

// CheckOwnKeys vets a roster for this node: while it lists the member as
// active, the network keys it seals to the member must open with the
// bundle's sealing key (a revoked or suspended member keeps what it holds).
absl::Status CheckOwnKeys(const Roster& roster, const MemberBundle& bundle) {
  const v1::RosterMember* self = roster.Find(bundle.member_id());
  if (self == nullptr || self->status() != v1::MEMBER_STATUS_ACTIVE) {
    return absl::OkStatus();
  }
  return OpenNetworkKeys(roster, bundle.member_id(), bundle.sealing_key()).status();
}

// Room a Pull response keeps for everything but its batches.
constexpr size_t kPullSlackBytes = 64 << 10;

}  // namespace

absl::Status Node::OpenState(const NodeOptions& options, const Clock& clock,
                             const std::shared_ptr<spdlog::sinks::sink>& sink) {
  const MemberBundle& b = *bundle_;
  StoreLocation where{options.data_dir, options.store_url, ReplicaName(options)};
  absl::StatusOr<std::unique_ptr<LogStore>> store =
      LogStore::Open(where, b.network(), b.member_id());
  if (!store.ok()) {
    return store.status();
  }
  store_ = *std::move(store);
  replica_ = where.replica;
  if (absl::Status st = OpenRoster(options, sink); !st.ok()) {
    return st;
  }
  absl::StatusOr<std::string> mac_key = b.signing_key().DeriveSecret("idempotency-mac");
  if (!mac_key.ok()) {
    return mac_key.status();
  }
  mac_key_ = *std::move(mac_key);
  keys_ = std::make_unique<KeyRing>(std::make_shared<const Digester>(b.network_keys(), mac_key_));
  UpdateNetworkKeys(*roster_->Current());
  if (absl::Status st = BuildModel(options, clock, sink); !st.ok()) {
    return st;
  }
  return StartWriter(options, sink);
}

absl::Status Node::OpenRoster(const NodeOptions& options,
                              const std::shared_ptr<spdlog::sinks::sink>& sink) {
  const MemberBundle& b = *bundle_;
  // A shared store's floor is the roster stored in it (AdoptSharedRoster).
  absl::StatusOr<uint64_t> floor =
      store_->Shared() ? absl::StatusOr<uint64_t>(0) : RosterFloor(*store_, kRosterFloorKey);
  if (!floor.ok()) {
    return floor.status();
  }
  absl::StatusOr<std::unique_ptr<RosterKeeper>> roster =
      RosterKeeper::Create(b.roster(), options.data_dir, *floor, MakeLogger("roster", sink),
                           [&b](const Roster& r) { return CheckOwnKeys(r, b); });
  if (!roster.ok()) {
    return roster.status();
  }
  roster_ = *std::move(roster);
  if (absl::Status st = CheckOwnKeys(*roster_->Current(), b); !st.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(options.data_dir.string(), "/", kRosterFile, ": ", st.message()));
  }
  if (store_->Shared()) {
    return AdoptSharedRoster(options);
  }
  if (uint64_t now = roster_->Current()->version(); now > *floor) {
    return store_->PutMeta(kRosterFloorKey, std::to_string(now));
  }
  return absl::OkStatus();
}

absl::Status Node::AdoptSharedRoster(const NodeOptions& options) {
  absl::StatusOr<std::optional<std::string>> stored = store_->GetMeta(kSharedRosterKey);
  if (!stored.ok()) {
    return stored.status();
  }
  v1::SignedRoster roster;
  v1::RosterBody body;
  if (!stored->has_value()) {
    return store_->PutMeta(kSharedRosterKey,
                           roster_->Current()->signed_roster().SerializeAsString());
  }
  if (!roster.ParseFromString(**stored) || !body.ParseFromString(roster.body())) {
    return absl::DataLossError(
        absl::StrCat(store_->Describe(), ": the roster the replicas stored does not parse"));
  }
  // Verified like a peer's offer: only a newer roster the admins signed.
  absl::StatusOr<bool> adopted = roster_->Offer(roster);
  if (uint64_t held = roster_->Current()->version(); held < body.version()) {
    // Going on with an older roster could re-admit a member revoked since.
    return absl::FailedPreconditionError(absl::StrCat(
        "the member's replicas adopted roster version ", body.version(), " (stored in ",
        store_->Describe(), ") but this replica cannot verify it from its roster version ", held,
        adopted.ok() ? "" : absl::StrCat(" (", adopted.status().message(), ")"),
        "; copy roster.pb and roster-chain-*.pb from another replica's data dir into ",
        options.data_dir.string()));
  }
  return absl::OkStatus();
}

absl::Status Node::BuildModel(const NodeOptions& options, const Clock& clock,
                              const std::shared_ptr<spdlog::sinks::sink>& sink) {
  auto started = std::chrono::steady_clock::now();
  alerts_ = std::make_unique<AlertHub>();
  model_ = std::make_unique<Model>(options.model, clock, bundle_->member_id());
  model_->SetRoster(*roster_->Current());
  model_->SetAlertSink(
      [hub = alerts_.get(), log = MakeLogger("model", sink)](const v1::SupplierAlert& a) {
        log->warn(
            "ALERT supplier {}: adverse rate {:.3f} -> {:.3f} over the last {} ({}, {}; {} "
            "before)",
            HexEncode(a.supplier_digest()).substr(0, 16), a.rate_before(), a.rate_after(),
            Counted(a.window_days(), "day"), Counted(a.records_after(), "record"),
            Counted(a.members(), "member"), Counted(a.records_before(), "record"));
        hub->Publish(a);
      });
  if (absl::Status st = RebuildModel(*store_, *model_, bundle_->network()); !st.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(store_->Describe(), ": ", st.message()));
  }
  log_->info("model rebuilt from {} in {} ms ({})", Counted(model_->Records(), "record"),
             std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now() - started)
                 .count(),
             store_->Describe());
  return LoadLocalState();
}

absl::Status Node::LoadLocalState() {
  overrides_ = std::make_unique<OverrideTable>();
  usage_ = std::make_unique<UsageMeter>();
  const std::string usage_key = UsageMetaKey(store_->Shared(), replica_);
  for (const auto& [key, load] :
       {std::pair<std::string, std::function<bool(const std::string&)>>{
            kOverridesMetaKey, [o = overrides_.get()](const std::string& v) { return o->Load(v); }},
        {usage_key, [u = usage_.get()](const std::string& v) { return u->Load(v); }}}) {
    absl::StatusOr<std::optional<std::string>> stored = store_->GetMeta(key);
    if (!stored.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(store_->Describe(), ": cannot read ", key, ": ", stored.status().message()));
    }
    if (stored->has_value() && !load(**stored)) {
      return absl::FailedPreconditionError(
          absl::StrCat(store_->Describe(), ": the stored ", key,
                       " does not parse (written by a newer authnetd?)"));
    }
  }
  if (!overrides_->List().empty()) {
    log_->info("{} local overrides apply to this node's checks (authnetctl override list)",
               overrides_->List().size());
  }
  return absl::OkStatus();
}

void Node::FlushUsage() {
  if (usage_ && writer_ && usage_->Dirty()) {
    writer_->SubmitMeta(UsageMetaKey(store_->Shared(), replica_),
                        usage_->Serialized(model_->Today()));
  }
}

absl::Status Node::StartWriter(const NodeOptions& options,
                               const std::shared_ptr<spdlog::sinks::sink>& sink) {
  const MemberBundle& b = *bundle_;
  if (absl::Status st = OpenSigningGate(options, sink); !st.ok()) {
    return st;
  }
  ReportWriter::Options writer_options = options.writer;
  writer_options.metrics = metrics_.get();
  writer_options.gate = gate_.get();
  absl::StatusOr<std::unique_ptr<ReportWriter>> writer = ReportWriter::Create(
      writer_options, *store_, b.signing_key(), b.network(), b.member_id(),
      [m = model_.get()](const std::string& origin, uint64_t seq) {
        return m->IsRetracted(origin, seq);
      },
      MakeLogger("store", sink));
  if (!writer.ok()) {
    return writer.status();
  }
  writer_ = *std::move(writer);
  absl::StatusOr<std::unique_ptr<LogReader>> reader = LogReader::Open(
      *store_, static_cast<size_t>(options.limits.peer.max_message_bytes) - kPullSlackBytes);
  if (!reader.ok()) {
    return reader.status();
  }
  reader_ = *std::move(reader);
  feed_ = std::make_unique<SyncFeed>();
  writer_->AddCommitListener(
      [this](const std::vector<v1::BatchBody>& bodies) { ApplyCommitted(bodies, true); });
  if (store_->Shared()) {
    absl::StatusOr<std::unique_ptr<LogFollower>> follower = LogFollower::Start(
        *store_, b.network(), [m = model_.get()] { return m->VersionVector(); },
        [this](const std::vector<v1::BatchBody>& bodies) { ApplyCommitted(bodies, false); },
        absl::Milliseconds(250), MakeLogger("store", sink));
    if (!follower.ok()) {
      return follower.status();
    }
    follower_ = *std::move(follower);
    // Overrides added through another replica apply here too.
    follower_->WatchMeta(kOverridesMetaKey, [this](const std::string& value) {
      if (!overrides_->Load(value)) {
        log_->warn("the overrides another replica stored do not parse; keeping these");
      }
    });
    // A roster another replica adopted (and stored) reaches this one too.
    follower_->WatchMeta(kSharedRosterKey, [this](const std::string& value) {
      v1::SignedRoster roster;
      if (!roster.ParseFromString(value)) {
        return;
      }
      roster_->OfferAsync(std::move(roster), [this](absl::StatusOr<bool> adopted) {
        if (!adopted.ok()) {
          log_->warn("the roster another replica stored is refused: {}",
                     std::string(adopted.status().message()));
        }
      });
    });
  }
  usage_flusher_ =
      std::make_unique<PeriodicThread>(std::chrono::seconds(10), [this] { FlushUsage(); });
  // Raise the floor with every adoption (RosterKeeper::Create).
  roster_->AddListener(
      [w = writer_.get(), shared = store_->Shared()](const std::shared_ptr<const Roster>& r) {
        if (shared) {
          w->SubmitMeta(kSharedRosterKey, r->signed_roster().SerializeAsString());
        } else {
          w->SubmitMeta(kRosterFloorKey, std::to_string(r->version()));
        }
      });
  return absl::OkStatus();
}

namespace {

// OthersHoldingTheLog counts the roster's active members besides `self`:
// the nodes that may hold this member's log.
size_t OthersHoldingTheLog(const Roster& roster, const std::string& self) {
  size_t n = 0;
  for (const v1::RosterMember& m : roster.body().members()) {
    n += m.id() != self && m.status() == v1::MEMBER_STATUS_ACTIVE ? 1 : 0;
  }
  return n;
}

bool Revoked(const Roster& roster, const std::string& self) {
  const v1::RosterMember* m = roster.Find(self);
  return m == nullptr || m->status() != v1::MEMBER_STATUS_ACTIVE;
}

}  // namespace

absl::Status Node::OpenSigningGate(const NodeOptions& options,
                                   const std::shared_ptr<spdlog::sinks::sink>& sink) {
  const std::filesystem::path marker = options.data_dir / kRestoredMarkerFile;
  SigningGate::LogHead log_head;
  if (store_->Shared()) {
    // Other replicas append to the same log: the store, not this replica's
    // model, says where it ends (its own connection, for the gate alone).
    absl::StatusOr<std::unique_ptr<BatchReader>> reader = store_->OpenReader();
    if (!reader.ok()) {
      return reader.status();
    }
    log_head = [reader = std::shared_ptr<BatchReader>(*std::move(reader)),
                mu = std::make_shared<absl::Mutex>(),
                origin = bundle_->member_id()]() -> std::optional<uint64_t> {
      absl::MutexLock lock(mu.get());
      absl::StatusOr<std::map<std::string, uint64_t>> heads = reader->Heads();
      if (!heads.ok()) {
        return std::nullopt;
      }
      auto it = heads->find(origin);
      return it == heads->end() ? 0 : it->second;
    };
  }
  gate_ = std::make_unique<SigningGate>(
      bundle_->member_id(), MakeLogger("node", sink),
      [marker, log = log_] {
        std::error_code ec;
        if (std::filesystem::remove(marker, ec)) {
          log->info("removed the restore marker {}", marker.string());
        }
      },
      std::move(log_head));
  std::shared_ptr<const Roster> roster = roster_->Current();
  std::error_code ec;
  if (std::filesystem::exists(marker, ec)) {
    if (OthersHoldingTheLog(*roster, bundle_->member_id()) == 0) {
      log_->info("{}: restored, and no other active member holds this node's log", marker.string());
      std::filesystem::remove(marker, ec);
    } else {
      absl::StatusOr<std::string> said = ReadFile(marker);
      std::string what = said.ok() ? std::string(absl::StripAsciiWhitespace(*said)) : "restored";
      gate_->AwaitPeers(
          absl::StrCat(options.data_dir.string(), ": ", what, " (authnetctl restore)"));
    }
  }
  gate_->SetRevoked(Revoked(*roster, bundle_->member_id()), roster->version());
  roster_->AddListener(
      [g = gate_.get(), self = bundle_->member_id()](const std::shared_ptr<const Roster>& r) {
        g->SetRevoked(Revoked(*r, self), r->version());
      });
  return absl::OkStatus();
}

void Node::ApplyCommitted(const std::vector<v1::BatchBody>& bodies, bool may_catch_up) {
  for (const v1::BatchBody& b : bodies) {
    absl::Status applied = model_->ApplyBatch(b);
    if (applied.ok()) {
      continue;
    }
    if (may_catch_up && follower_ && absl::IsFailedPrecondition(applied)) {
      // Another replica committed before this one: read its batches (and
      // this one after them) from the store.
      if (absl::Status st = follower_->CatchUp(); !st.ok()) {
        log_->error("cannot catch up with {}: {}", store_->Describe(), std::string(st.message()));
      }
      continue;
    }
    log_->critical("committed batch {} {}..{} did not apply to the model: {}", b.origin(),
                   b.first_seq(), b.last_seq(), std::string(applied.message()));
  }
  feed_->Notify();
}

v1::StoreStatus Node::StoreStatus() const {
  v1::StoreStatus s;
  s.set_engine(store_->Shared() ? "postgresql" : "sqlite");
  s.set_replica(replica_);
  if (follower_) {
    LogFollower::Lag lag = follower_->lag();
    s.set_lag_records(lag.records);
    s.set_lag_seconds(lag.seconds);
  }
  return s;
}

}  // namespace authnet
