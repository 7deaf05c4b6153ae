#include "node/sync/roster_keeper.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "node/bundle/admin_dir.h"
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

  absl::StatusOr<std::unique_ptr<RosterKeeper>> Keeper(uint64_t floor = 0) {
    return RosterKeeper::Create(*start_, admin_.admin_public_key(), dir_.path() / "data", floor,
                                std::make_shared<spdlog::logger>(
                                    "roster", std::make_shared<spdlog::sinks::null_sink_mt>()));
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

TEST_F(RosterKeeperTest, ANodeDoesNotStartBelowTheRosterItAdoptedBefore) {
  auto keeper = Keeper(/*floor=*/next_->version());
  ASSERT_FALSE(keeper.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(keeper.status()));
  EXPECT_NE(keeper.status().message().find("this node adopted roster version 2 before, but"),
            std::string::npos)
      << keeper.status();
  EXPECT_TRUE(Keeper(/*floor=*/start_->version()).ok());
}

}  // namespace
}  // namespace authnet
