#include "collector/alerts/silences.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "collector/state/state_store.h"
#include "common/clock.h"
#include "common/labels.h"
#include "tests/support/temp_dir.h"

namespace vigil::alerts {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1780000000);

struct Fixture {
  testing::TempDir dir;
  ManualClock clock{kStart};
  std::unique_ptr<state::StateStore> store;
  std::unique_ptr<Silences> silences;

  Fixture() { Open(); }
  void Open() {
    silences.reset();
    store.reset();
    absl::StatusOr<std::unique_ptr<state::StateStore>> s =
        state::StateStore::Open(dir.Path("state"));
    REQUIRE(s.ok());
    store = *std::move(s);
    absl::StatusOr<std::unique_ptr<Silences>> loaded = Silences::Load(store.get(), &clock);
    INFO(loaded.status().ToString());
    REQUIRE(loaded.ok());
    silences = *std::move(loaded);
  }
  Silence CreateOk(const std::string& matchers, absl::Duration from_now, absl::Duration length) {
    const absl::Time starts = clock.Now() + from_now;
    absl::StatusOr<Silence> s =
        silences->Create(matchers, starts, starts + length, "zhang", "RMAN restore test");
    INFO(s.status().ToString());
    REQUIRE(s.ok());
    return *s;
  }
};

LabelSet DbAlert(const std::string& instance) {
  return LabelSet({{"alertname", "HisDbSlow"}, {"instance", instance}, {"severity", "critical"}});
}

TEST_CASE("a silence silences matching alerts while active, and only those", "[silence]") {
  Fixture f;
  const Silence s = f.CreateOk(R"({instance=~"his-db[12]"})", absl::ZeroDuration(), absl::Hours(2));
  CHECK(s.id.size() == 16);
  CHECK(s.id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(s.created_by == "zhang");
  CHECK(s.created_at == kStart);
  const absl::Time now = f.clock.Now();
  CHECK(f.silences->Silencing(DbAlert("his-db1"), now) == s.id);
  CHECK(f.silences->Silencing(DbAlert("his-db2"), now + absl::Minutes(119)) == s.id);
  CHECK(f.silences->Silencing(DbAlert("his-db2"), now + absl::Hours(2)) == std::nullopt);
  CHECK(f.silences->Silencing(DbAlert("his-db3"), now) == std::nullopt);
}

TEST_CASE("a pending silence starts later; matchers may name the alert rule", "[silence]") {
  Fixture f;
  const Silence s = f.CreateOk(R"(HisDbSlow{instance="his-db1"})", absl::Hours(1), absl::Hours(1));
  const absl::Time now = f.clock.Now();
  CHECK(f.silences->Silencing(DbAlert("his-db1"), now) == std::nullopt);
  CHECK(f.silences->Silencing(DbAlert("his-db1"), now + absl::Hours(1)) == s.id);
  LabelSet other = DbAlert("his-db1");
  other.Set("alertname", "HisDbDown");
  CHECK(f.silences->Silencing(other, now + absl::Hours(1)) == std::nullopt);
  // Listed while pending.
  REQUIRE(f.silences->List(false).size() == 1);
}

TEST_CASE("creating a silence validates it with clear reasons", "[silence]") {
  Fixture f;
  const absl::Time now = f.clock.Now();
  struct Case {
    std::string matchers;
    absl::Time starts, ends;
    std::string by, comment, want;
  };
  const std::vector<Case> cases = {
      {R"({instance=~".*"})", now, now + absl::Hours(1), "zhang", "c", "would silence every alert"},
      {R"({instance!="x"})", now, now + absl::Hours(1), "zhang", "c", "would silence every alert"},
      {"", now, now + absl::Hours(1), "zhang", "c", "no matchers"},
      {R"({instance=~"("})", now, now + absl::Hours(1), "zhang", "c", "matchers"},
      {R"(instance="a")", now + absl::Hours(2), now + absl::Hours(1), "zhang", "c",
       "before it starts"},
      {R"(instance="a")", now - absl::Hours(2), now - absl::Hours(1), "zhang", "c",
       "ends in the past"},
      {R"(instance="a")", now, now + absl::Hours(24 * 366), "zhang", "c", "at most"},
      {R"(instance="a")", now, now + absl::Hours(1), "", "c", "who creates the silence"},
      {R"(instance="a")", now, now + absl::Hours(1), "zhang", "", "a comment is required"},
  };
  for (const Case& c : cases) {
    INFO(c.matchers << " / " << c.want);
    absl::StatusOr<Silence> s = f.silences->Create(c.matchers, c.starts, c.ends, c.by, c.comment);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(s.status().message()), Catch::Contains(c.want));
  }
  CHECK(f.silences->List(true).empty());
}

TEST_CASE("expiring a silence ends it now and records who", "[silence]") {
  Fixture f;
  const Silence s = f.CreateOk(R"(instance="his-db1")", absl::ZeroDuration(), absl::Hours(4));
  f.clock.Advance(absl::Minutes(30));
  absl::StatusOr<Silence> expired = f.silences->Expire(s.id, "li");
  REQUIRE(expired.ok());
  CHECK(expired->expired_early);
  CHECK(expired->expired_by == "li");
  CHECK(expired->ends_at == f.clock.Now());
  CHECK(f.silences->Silencing(DbAlert("his-db1"), f.clock.Now()) == std::nullopt);
  CHECK(f.silences->List(false).empty());
  REQUIRE(f.silences->List(true).size() == 1);

  absl::StatusOr<Silence> again = f.silences->Expire(s.id, "li");
  CHECK(again.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(f.silences->Expire("0123456789abcdef", "li").status().code() ==
        absl::StatusCode::kNotFound);
}

TEST_CASE("silences survive a restart", "[silence]") {
  Fixture f;
  const Silence kept = f.CreateOk(R"({instance=~"his-db.*",severity="critical"})",
                                  absl::ZeroDuration(), absl::Hours(8));
  const Silence ended = f.CreateOk(R"(instance="his-db9")", absl::ZeroDuration(), absl::Hours(8));
  f.clock.Advance(absl::Minutes(1));
  REQUIRE(f.silences->Expire(ended.id, "li").ok());

  f.Open();  // destroys the silences and the store, then loads them again

  std::optional<Silence> k = f.silences->Get(kept.id);
  REQUIRE(k.has_value());
  CHECK(k->matchers_text == kept.matchers_text);
  CHECK(k->matchers.size() == 2);
  CHECK(k->starts_at == kept.starts_at);
  CHECK(k->ends_at == kept.ends_at);
  CHECK(k->created_by == "zhang");
  CHECK(k->comment == "RMAN restore test");
  CHECK(f.silences->Silencing(DbAlert("his-db4"), f.clock.Now()) == kept.id);
  std::optional<Silence> e = f.silences->Get(ended.id);
  REQUIRE(e.has_value());
  CHECK(e->expired_early);
  CHECK(e->expired_by == "li");
  CHECK(f.silences->List(false).size() == 1);
  CHECK(f.silences->List(true).size() == 2);
}

TEST_CASE("silences are purged a week after they ended, from memory and the store", "[silence]") {
  Fixture f;
  const Silence s = f.CreateOk(R"(instance="a")", absl::ZeroDuration(), absl::Hours(1));
  f.clock.Advance(absl::Hours(1) + kSilenceRetention);
  absl::StatusOr<int> purged = f.silences->Purge();
  REQUIRE(purged.ok());
  CHECK(*purged == 0);  // ended exactly a week ago: still kept
  f.clock.Advance(absl::Seconds(1));
  purged = f.silences->Purge();
  REQUIRE(purged.ok());
  CHECK(*purged == 1);
  CHECK(f.silences->List(true).empty());
  absl::StatusOr<std::optional<std::string>> stored =
      f.store->Get(state::Keyspace::kSilences, s.id);
  REQUIRE(stored.ok());
  CHECK_FALSE(stored->has_value());
}

TEST_CASE("load skips an unreadable record and purges old ones", "[silence]") {
  Fixture f;
  const Silence old = f.CreateOk(R"(instance="a")", absl::ZeroDuration(), absl::Hours(1));
  const Silence fresh = f.CreateOk(R"(instance="b")", absl::ZeroDuration(), absl::Hours(24 * 30));
  REQUIRE(f.store->Put(state::Keyspace::kSilences, "garbage", "{not json").ok());
  f.clock.Advance(absl::Hours(24 * 9));
  f.Open();
  CHECK_FALSE(f.silences->Get(old.id).has_value());
  CHECK(f.silences->Get(fresh.id).has_value());
  CHECK_FALSE(f.silences->Get("garbage").has_value());
}

TEST_CASE("silences can be created and consulted from several threads", "[silence]") {
  Fixture f;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&f, i] {
      for (int j = 0; j < 10; ++j) {
        const std::string instance = "db" + std::to_string(i * 10 + j);
        const absl::Time now = f.clock.Now();
        absl::StatusOr<Silence> s = f.silences->Create("instance=\"" + instance + "\"", now,
                                                       now + absl::Hours(1), "t", "c");
        if (s.ok()) (void)f.silences->Silencing(DbAlert(instance), now);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(f.silences->List(false).size() == 40);
  for (int n = 0; n < 40; ++n) {
    CHECK(f.silences->Silencing(DbAlert("db" + std::to_string(n)), f.clock.Now()).has_value());
  }
}

}  // namespace
}  // namespace vigil::alerts
