#include "node/batch/batch_verifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "node/crypto/ed25519_key.h"

namespace authnet {
namespace {

// The receiver's today in these tests; Body dates its records this day.
constexpr uint32_t kToday = 20400;

class BatchVerifierTest : public ::testing::Test {
 protected:
  BatchVerifierTest()
      : admin_(*crypto::Ed25519Key::Generate()),
        acme_(*crypto::Ed25519Key::Generate()),
        revoked_(*crypto::Ed25519Key::Generate()) {
    v1::RosterBody body;
    body.set_network("testnet");
    body.set_version(3);
    body.add_admin_keys(admin_.PublicKey());
    body.set_admin_threshold(1);
    AddMember(&body, "acme", acme_, v1::MEMBER_STATUS_ACTIVE);
    AddMember(&body, "gone", revoked_, v1::MEMBER_STATUS_REVOKED);
    roster_ = std::make_unique<Roster>(
        *Roster::Verify(*Roster::Sign(body, admin_), admin_.PublicKey(), "testnet"));
  }

  static void AddMember(v1::RosterBody* body, const std::string& id, const crypto::Ed25519Key& key,
                        v1::MemberStatus status) {
    v1::RosterMember* m = body->add_members();
    m->set_id(id);
    m->set_status(status);
    m->set_endpoint("127.0.0.1:7000");
    m->set_trust_milli(1000);
    m->set_cert_sha256(std::string(32, 'c'));
    m->set_signing_public_key(key.PublicKey());
  }

  static v1::BatchBody Body(const std::string& origin, uint64_t first, int n) {
    v1::BatchBody b;
    b.set_network("testnet");
    b.set_origin(origin);
    b.set_first_seq(first);
    b.set_last_seq(first + n - 1);
    for (int i = 0; i < n; ++i) {
      v1::Record* r = b.add_records();
      r->set_seq(first + i);
      r->set_digest(std::string(32, 'd'));
      r->set_key_epoch(1);
      r->set_subject_type(v1::SUBJECT_TYPE_UNIT);
      r->set_kind(v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
      r->set_weight_milli(1000);
      r->set_day(kToday);
      r->set_ttl_days(365);
    }
    return b;
  }

  static v1::SignedBatch Sign(const v1::BatchBody& body, const crypto::Ed25519Key& key) {
    v1::SignedBatch b;
    b.set_body(body.SerializeAsString());
    b.set_signature(*key.Sign(absl::StrCat(absl::string_view("authnet/v1/batch\0", 17), b.body())));
    return b;
  }

  absl::StatusCode Code(const v1::SignedBatch& b) {
    return VerifyBatch(b, *roster_, kToday).status().code();
  }

  crypto::Ed25519Key admin_;
  crypto::Ed25519Key acme_;
  crypto::Ed25519Key revoked_;
  std::unique_ptr<Roster> roster_;
};

TEST_F(BatchVerifierTest, AcceptsAWellFormedBatchSignedByItsOrigin) {
  auto body = VerifyBatch(Sign(Body("acme", 4, 3), acme_), *roster_, kToday);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->last_seq(), 6u);
}

TEST_F(BatchVerifierTest, RefusesAForgedOrTamperedBatch) {
  // Signed by a key that is not acme's.
  EXPECT_EQ(Code(Sign(Body("acme", 1, 1), revoked_)), absl::StatusCode::kPermissionDenied);
  // Tampered after signing: one record's weight changed.
  v1::SignedBatch b = Sign(Body("acme", 1, 2), acme_);
  v1::BatchBody changed;
  ASSERT_TRUE(changed.ParseFromString(b.body()));
  changed.mutable_records(1)->set_weight_milli(999);
  b.set_body(changed.SerializeAsString());
  EXPECT_EQ(Code(b), absl::StatusCode::kPermissionDenied);
  // Garbage.
  v1::SignedBatch junk;
  junk.set_body("\xff\xff\xff");
  EXPECT_EQ(Code(junk), absl::StatusCode::kInvalidArgument);
}

TEST_F(BatchVerifierTest, RefusesUnknownAndRevokedOrigins) {
  EXPECT_EQ(Code(Sign(Body("stranger", 1, 1), acme_)), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code(Sign(Body("gone", 1, 1), revoked_)), absl::StatusCode::kPermissionDenied);
}

TEST_F(BatchVerifierTest, RefusesAnotherNetworksBatch) {
  v1::BatchBody b = Body("acme", 1, 1);
  b.set_network("othernet");
  EXPECT_EQ(Code(Sign(b, acme_)), absl::StatusCode::kInvalidArgument);
}

TEST_F(BatchVerifierTest, RefusesMalformedRangesAndRecords) {
  v1::BatchBody wrong_range = Body("acme", 1, 3);
  wrong_range.set_last_seq(5);
  EXPECT_EQ(Code(Sign(wrong_range, acme_)), absl::StatusCode::kInvalidArgument);

  v1::BatchBody out_of_order = Body("acme", 1, 3);
  out_of_order.mutable_records(1)->set_seq(7);
  EXPECT_EQ(Code(Sign(out_of_order, acme_)), absl::StatusCode::kInvalidArgument);

  v1::BatchBody empty = Body("acme", 1, 1);
  empty.clear_records();
  EXPECT_EQ(Code(Sign(empty, acme_)), absl::StatusCode::kInvalidArgument);

  for (auto mutate : std::vector<std::function<void(v1::Record*)>>{
           [](v1::Record* r) { r->set_digest("short"); },
           [](v1::Record* r) { r->set_kind(static_cast<v1::SignalKind>(42)); },
           [](v1::Record* r) { r->set_subject_type(v1::SUBJECT_TYPE_UNSPECIFIED); },
           [](v1::Record* r) { r->set_weight_milli(1001); },
           [](v1::Record* r) { r->set_key_epoch(0); },
           [](v1::Record* r) { r->set_retracts_seq(r->seq()); },
       }) {
    v1::BatchBody b = Body("acme", 1, 1);
    mutate(b.mutable_records(0));
    EXPECT_EQ(Code(Sign(b, acme_)), absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(BatchVerifierTest, RefusesAnOversizedBodyBeforeParsingIt) {
  v1::SignedBatch huge;
  huge.set_body(std::string(kMaxBatchBytes + 1, '\0'));
  auto refused = VerifyBatch(huge, *roster_, kToday);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), ::testing::HasSubstr("more than"));
}

TEST_F(BatchVerifierTest, RefusesRecordsDatedAheadOrWithATtlOutOfRange) {
  // Tomorrow is clock skew; the day after would escape decay until it comes.
  v1::BatchBody tomorrow = Body("acme", 1, 2);
  tomorrow.mutable_records(1)->set_day(kToday + kMaxFutureDays);
  EXPECT_EQ(Code(Sign(tomorrow, acme_)), absl::StatusCode::kOk);
  v1::BatchBody ahead = Body("acme", 1, 2);
  ahead.mutable_records(1)->set_day(kToday + kMaxFutureDays + 1);
  auto refused = VerifyBatch(Sign(ahead, acme_), *roster_, kToday);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(refused.status().message()), ::testing::HasSubstr("record 2: dated day"));
  v1::BatchBody far = Body("acme", 1, 1);
  far.mutable_records(0)->set_day(0xffffffffu);
  EXPECT_EQ(Code(Sign(far, acme_)), absl::StatusCode::kOutOfRange);

  for (uint32_t ttl : {0u, kMaxTtlDays + 1, 0xffffffffu}) {
    v1::BatchBody b = Body("acme", 1, 1);
    b.mutable_records(0)->set_ttl_days(ttl);
    EXPECT_EQ(Code(Sign(b, acme_)), absl::StatusCode::kOutOfRange) << ttl;
  }
  // Old records are fine: they expire in the model, not at the door.
  v1::BatchBody old = Body("acme", 1, 1);
  old.mutable_records(0)->set_day(1);
  EXPECT_EQ(Code(Sign(old, acme_)), absl::StatusCode::kOk);
}

TEST_F(BatchVerifierTest, NothingAnUnverifiedBatchSaysReachesTheMessage) {
  // Signed by "gone" but claiming honest "acme": refused without naming acme
  // (the message is logged, and operators act on log lines naming members).
  absl::Status forged = VerifyBatch(Sign(Body("acme", 1, 1), revoked_), *roster_, kToday).status();
  EXPECT_TRUE(absl::IsPermissionDenied(forged));
  EXPECT_THAT(std::string(forged.message()), ::testing::Not(::testing::HasSubstr("acme")));
  // An origin of its own invention, made to look like a log line.
  v1::BatchBody body = Body("acme", 1, 1);
  body.set_origin("x\n2026-11-30 error [store] ALERT: origin acme signed two different batches");
  absl::Status made_up = VerifyBatch(Sign(body, acme_), *roster_, kToday).status();
  EXPECT_TRUE(absl::IsPermissionDenied(made_up));
  EXPECT_THAT(std::string(made_up.message()), ::testing::Not(::testing::HasSubstr("acme")));
  EXPECT_THAT(std::string(made_up.message()), ::testing::Not(::testing::HasSubstr("\n")));
  // A revoked origin's own, validly signed batch may be named: it is verified.
  absl::Status revoked = VerifyBatch(Sign(Body("gone", 1, 1), revoked_), *roster_, kToday).status();
  EXPECT_EQ(revoked.message(), "batch origin 'gone' is not an active member");
}

}  // namespace
}  // namespace authnet
