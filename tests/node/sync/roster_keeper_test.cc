#include "node/sync/roster_keeper.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "node/bundle/admin_dir.h"
#include "node/bundle/sealed_keys.h"
#include "node/bundle/secure_file.h"
#include "spdlog/sinks/null_sink.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

class RosterKeeperTest : public ::testing::Test {
 protected:
  RosterKeeperTest() : admin_(*AdminDir::Init(dir_.path() / "admin", "testnet")) {
    start_ = std::make_unique<Roster>(admin_.roster());  // version 1
    EXPECT_TRUE(admin_.RefreshRoster(absl::Hours(24)).ok());
    next_ = std::make_unique<Roster>(admin_.roster());  // version 2
    std::filesystem::create_directory(dir_.path() / "data");
  }

  absl::StatusOr<std::unique_ptr<RosterKeeper>> Keeper(uint64_t floor = 0,
                                                       RosterKeeper::Validator validator = nullptr,
                                                       const Roster* start = nullptr) {
    return RosterKeeper::Create(
        start != nullptr ? *start : *start_, dir_.path() / "data", floor,
        std::make_shared<spdlog::logger>("roster", std::make_shared<spdlog::sinks::null_sink_mt>()),
        std::move(validator));
  }

  testing::TempDir dir_;
  AdminDir admin_;
  std::unique_ptr<Roster> start_;
  std::unique_ptr<Roster> next_;
};

TEST_F(RosterKeeperTest, AnOfferHandedOverIsAdoptedOnTheKeepersThreadAndAnswered) {
  auto keeper = Keeper();
  ASSERT_TRUE(keeper.ok()) << keeper.status();
  std::promise<std::pair<absl::StatusOr<bool>, std::thread::id>> answered;
  (*keeper)->OfferAsync(next_->signed_roster(), [&](absl::StatusOr<bool> adopted) {
    answered.set_value({adopted, std::this_thread::get_id()});
  });
  auto [adopted, thread] = answered.get_future().get();
  ASSERT_TRUE(adopted.ok()) << adopted.status();
  EXPECT_TRUE(*adopted);
  EXPECT_NE(thread, std::this_thread::get_id());
  EXPECT_EQ((*keeper)->Current()->version(), next_->version());
}

TEST_F(RosterKeeperTest, OffersBeyondWhatMayWaitAreRefusedAtOnce) {
  auto keeper = Keeper();
  ASSERT_TRUE(keeper.ok()) << keeper.status();
  // The first adoption holds the keeper's thread in a listener.
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  (*keeper)->AddListener([&entered, released](const std::shared_ptr<const Roster>&) {
    entered.set_value();
    released.wait();
  });
  std::atomic<int> answers{0};
  auto count = [&](absl::StatusOr<bool>) { ++answers; };
  (*keeper)->OfferAsync(next_->signed_roster(), count);
  entered.get_future().wait();  // taken off the queue: 16 places free
  for (int i = 0; i < 16; ++i) {
    (*keeper)->OfferAsync(next_->signed_roster(), count);
  }
  absl::Status refused;
  (*keeper)->OfferAsync(next_->signed_roster(),
                        [&](absl::StatusOr<bool> r) { refused = r.status(); });
  EXPECT_TRUE(absl::IsResourceExhausted(refused)) << refused;  // answered on this thread
  release.set_value();
  keeper->reset();  // answers every offer still waiting, then stops
  EXPECT_EQ(answers.load(), 17);
}

TEST_F(RosterKeeperTest, AStoppedKeeperAnswersOffersWithoutAdopting) {
  auto keeper = Keeper();
  ASSERT_TRUE(keeper.ok()) << keeper.status();
  bool listened = false;
  (*keeper)->AddListener([&](const std::shared_ptr<const Roster>&) { listened = true; });
  (*keeper)->Stop();
  absl::Status answer;
  (*keeper)->OfferAsync(next_->signed_roster(),
                        [&](absl::StatusOr<bool> r) { answer = r.status(); });
  EXPECT_TRUE(absl::IsUnavailable(answer)) << answer;  // at once, on this thread
  EXPECT_FALSE(listened);
  EXPECT_EQ((*keeper)->Current()->version(), start_->version());
  (*keeper)->Stop();  // idempotent
}

TEST_F(RosterKeeperTest, ANodeDoesNotStartBelowTheRosterItAdoptedBefore) {
  auto keeper = Keeper(/*floor=*/next_->version());
  ASSERT_FALSE(keeper.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(keeper.status()));
  EXPECT_NE(keeper.status().message().find("this node adopted roster version 2 before, but"),
            std::string::npos)
      << keeper.status();
  EXPECT_TRUE(Keeper(/*floor=*/start_->version()).ok());
}

TEST_F(RosterKeeperTest, ARosterShortOfTheAdminThresholdIsRefusedUntilSigned) {
  AdminInit init;
  init.admins = 3;
  init.threshold = 2;
  absl::StatusOr<AdminDir> admins = AdminDir::Init(dir_.path() / "m-of-n", "testnet", init);
  ASSERT_TRUE(admins.ok());
  Roster first = admins->roster();
  std::filesystem::rename(dir_.path() / "m-of-n" / "admin-2.key", dir_.path() / "admin-2.key");
  std::filesystem::rename(dir_.path() / "m-of-n" / "admin-3.key", dir_.path() / "admin-3.key");
  absl::StatusOr<AdminDir> one = AdminDir::Open(dir_.path() / "m-of-n");
  absl::StatusOr<Publication> proposed = one->RefreshRoster(absl::Hours(48));
  ASSERT_TRUE(proposed.ok());
  ASSERT_FALSE(proposed->complete);
  v1::SignedRoster proposal;
  ASSERT_TRUE(proposal.ParseFromString(*ReadFile(dir_.path() / "m-of-n" / "roster.proposed.pb")));

  auto keeper = Keeper(0, nullptr, &first);
  ASSERT_TRUE(keeper.ok()) << keeper.status();
  absl::StatusOr<bool> refused = (*keeper)->Offer(proposal);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  EXPECT_NE(refused.status().message().find("has 1 valid signature"), std::string::npos);
  EXPECT_EQ((*keeper)->Current()->version(), 1u);

  ASSERT_TRUE(Roster::AddSignature(
                  proposal, *crypto::Ed25519Key::FromPem(*ReadFile(dir_.path() / "admin-3.key")))
                  .ok());
  absl::StatusOr<bool> adopted = (*keeper)->Offer(proposal);
  ASSERT_TRUE(adopted.ok()) << adopted.status();
  EXPECT_TRUE(*adopted);
  EXPECT_EQ((*keeper)->Current()->version(), 2u);
  // The persisted roster is what a restart starts from.
  auto restarted = Keeper(2, nullptr, &first);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  EXPECT_EQ((*restarted)->Current()->version(), 2u);
}

TEST_F(RosterKeeperTest, TheValidatorHasTheLastWord) {
  auto keeper = Keeper(0, [](const Roster& r) {
    return r.version() == 2 ? absl::FailedPreconditionError("my keys do not open")
                            : absl::OkStatus();
  });
  ASSERT_TRUE(keeper.ok());
  absl::StatusOr<bool> refused = (*keeper)->Offer(next_->signed_roster());
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status()));
  EXPECT_NE(refused.status().message().find("my keys do not open"), std::string::npos);
  EXPECT_EQ((*keeper)->Current()->version(), 1u);
}

// A restart trusts DATA_DIR/roster.pb only through signatures: of the
// bundle's admin set, or of a set it handed over to in a roster this node
// adopted (kept as roster-chain-V.pb).
TEST_F(RosterKeeperTest, ARestartVerifiesTheStoredRosterThroughTheAdminChain) {
  // An admin-set change: a new key replaces admin-1.
  absl::StatusOr<crypto::Ed25519Key> fresh = crypto::Ed25519Key::Generate();
  admin_.AddSigningKey(*fresh);
  absl::StatusOr<Publication> changed =
      admin_.ChangeAdmins({fresh->PublicKey()}, {KeyFingerprint(admin_.admin_public_key())}, 0);
  ASSERT_TRUE(changed.ok() && changed->complete) << changed.status();
  Roster handed_over = admin_.roster();  // version 3, admins {fresh}
  ASSERT_TRUE(admin_.RefreshRoster(absl::Hours(24)).ok());
  Roster after = admin_.roster();  // version 4, signed by fresh alone
  {
    auto keeper = Keeper();
    ASSERT_TRUE(keeper.ok());
    ASSERT_TRUE(*(*keeper)->Offer(next_->signed_roster()));
    ASSERT_TRUE(*(*keeper)->Offer(handed_over.signed_roster()));
    ASSERT_TRUE(*(*keeper)->Offer(after.signed_roster()));
  }
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "data" / "roster-chain-3.pb"));
  auto restarted = Keeper(4);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  EXPECT_EQ((*restarted)->Current()->version(), 4u);

  // Without the link, version 4 does not verify from the bundle's set.
  std::filesystem::remove(dir_.path() / "data" / "roster-chain-3.pb");
  EXPECT_FALSE(Keeper().ok());
  // A roster written there by someone with a key of their own: refused.
  absl::StatusOr<AdminDir> stranger = AdminDir::Init(dir_.path() / "stranger", "testnet");
  ASSERT_TRUE(stranger.ok());
  ASSERT_TRUE(stranger->RefreshRoster(absl::Hours(24)).ok());
  ASSERT_TRUE(WriteFileAtomically(dir_.path() / "data" / "roster.pb",
                                  stranger->roster().signed_roster().SerializeAsString(), 0600)
                  .ok());
  auto refused = Keeper();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("valid signature"), std::string::npos)
      << refused.status();
}

}  // namespace
}  // namespace authnet
