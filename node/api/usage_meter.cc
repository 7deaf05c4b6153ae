#include "node/api/usage_meter.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace authnet {
namespace {

// ParseMonth reads "YYYY-MM" into the day numbers [first, end).
absl::StatusOr<std::pair<uint32_t, uint32_t>> ParseMonth(const std::string& month) {
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "month: \"", month.substr(0, 16), "\" is not YYYY-MM (a month like 2026-12, UTC)"));
  };
  if (month.size() != 7 || month[4] != '-') {
    return bad();
  }
  for (size_t i : {0, 1, 2, 3, 5, 6}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(month[i]))) {
      return bad();
    }
  }
  const int year = std::stoi(month.substr(0, 4));
  const int mon = std::stoi(month.substr(5, 2));
  if (year < 1970 || mon < 1 || mon > 12) {
    return bad();
  }
  absl::CivilMonth first(year, mon);
  auto day_of = [](absl::CivilMonth m) {
    return static_cast<uint32_t>(
        absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(m), absl::UTCTimeZone())) / 86400);
  };
  return std::make_pair(day_of(first), day_of(first + 1));
}

}  // namespace

std::string DayText(uint32_t day) {
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(int64_t{day} * 86400),
                          absl::UTCTimeZone());
}

std::string UsageMetaKey(bool shared, const std::string& replica) {
  return shared ? absl::StrCat("usage/", replica) : "usage";
}

void UsageMeter::Count(const std::string& client, uint32_t day, uint64_t checks, uint64_t reports) {
  absl::MutexLock lock(&mu_);
  Counts& c = counts_[{day, client}];
  c.checks += checks;
  c.reports += reports;
  dirty_ = true;
}

bool UsageMeter::Load(const std::string& stored) {
  v1::UsageResponse saved;
  if (!saved.ParseFromString(stored)) {
    return false;
  }
  absl::MutexLock lock(&mu_);
  for (const v1::UsageRow& row : saved.rows()) {
    absl::CivilDay civil;
    if (!absl::ParseCivilTime(row.day(), &civil)) {
      continue;
    }
    const auto day = static_cast<uint32_t>(
        absl::ToUnixSeconds(absl::FromCivil(civil, absl::UTCTimeZone())) / 86400);
    Counts& c = counts_[{day, row.client()}];
    c.checks += row.checks();
    c.reports += row.reports();
  }
  return true;
}

std::string UsageMeter::Serialized(uint32_t today) {
  v1::UsageResponse saved;
  absl::MutexLock lock(&mu_);
  const uint32_t oldest = today > kKeptDays ? today - kKeptDays : 0;
  counts_.erase(counts_.begin(), counts_.lower_bound({oldest, std::string()}));
  for (const auto& [key, c] : counts_) {
    v1::UsageRow* row = saved.add_rows();
    row->set_day(DayText(key.first));
    row->set_client(key.second);
    row->set_checks(c.checks);
    row->set_reports(c.reports);
  }
  dirty_ = false;
  return saved.SerializeAsString();
}

bool UsageMeter::Dirty() const {
  absl::MutexLock lock(&mu_);
  return dirty_;
}

absl::StatusOr<v1::UsageResponse> UsageMeter::Month(const std::string& month,
                                                    uint32_t today) const {
  std::string name = month.empty() ? DayText(today).substr(0, 7) : month;
  absl::StatusOr<std::pair<uint32_t, uint32_t>> days = ParseMonth(name);
  if (!days.ok()) {
    return days.status();
  }
  v1::UsageResponse out;
  out.set_month(name);
  absl::MutexLock lock(&mu_);
  for (auto it = counts_.lower_bound({days->first, std::string()});
       it != counts_.end() && it->first.first < days->second; ++it) {
    v1::UsageRow* row = out.add_rows();
    row->set_day(DayText(it->first.first));
    row->set_client(it->first.second);
    row->set_checks(it->second.checks);
    row->set_reports(it->second.reports);
  }
  return out;
}

}  // namespace authnet
