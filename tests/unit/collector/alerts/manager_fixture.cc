#include "tests/unit/collector/alerts/manager_fixture.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_replace.h"
#include "common/config_node.h"

namespace vigil::alerts::testing {

ManagerFixture::ManagerFixture(const std::string& rules_yaml, const std::string& alerting_yaml)
    : clock_(absl::FromUnixSeconds(1'790'000'000)) {
  dir_.WriteFile("rules.yaml", rules_yaml);
  const std::string yaml = absl::StrReplaceAll(alerting_yaml, {{"$RULES", dir_.Path("rules.yaml")},
                                                               {"$HOOK2", sink_.url("/hook2")},
                                                               {"$HOOK", sink_.url()}});
  absl::StatusOr<ConfigNode> node = ConfigNode::LoadString(yaml, "alerting.yaml");
  REQUIRE(node.ok());
  absl::StatusOr<AlertingConfig> config = ParseAlertingConfig(*node, dir_.path());
  INFO(config.status().message());
  REQUIRE(config.ok());
  config_ = std::move(*config);
  Open();
}

ManagerFixture::~ManagerFixture() { Close(); }

void ManagerFixture::Open() {
  storage::TsdbOptions o;
  o.dir = dir_.Path("db");
  o.clock = &clock_;
  o.sync_writes = false;
  absl::StatusOr<std::unique_ptr<storage::Tsdb>> tsdb = storage::Tsdb::Open(o);
  REQUIRE(tsdb.ok());
  tsdb_ = std::move(*tsdb);
  metrics_ = std::make_unique<MetricsRegistry>();
  engine_ = std::make_unique<query::Engine>(tsdb_.get(), query::EngineOptions{});
  absl::StatusOr<std::unique_ptr<state::StateStore>> state =
      state::StateStore::Open(dir_.Path("state"));
  REQUIRE(state.ok());
  state_ = std::move(*state);
  notify::NotifierOptions options;
  absl::StatusOr<std::unique_ptr<notify::Notifier>> notifier =
      notify::Notifier::Start(config_.receivers, state_.get(), &clock_, metrics_.get(), options);
  INFO(notifier.status().message());
  REQUIRE(notifier.ok());
  notifier_ = std::move(*notifier);
  AlertManager::Deps deps;
  deps.tsdb = tsdb_.get();
  deps.engine = engine_.get();
  deps.store = state_.get();
  deps.notifier = notifier_.get();
  deps.clock = &clock_;
  deps.metrics = metrics_.get();
  absl::StatusOr<std::unique_ptr<AlertManager>> manager =
      AlertManager::Start(config_, deps, /*background=*/false);
  INFO(manager.status().message());
  REQUIRE(manager.ok());
  manager_ = std::move(*manager);
}

void ManagerFixture::Close() {
  if (manager_ != nullptr) manager_->Stop();
  manager_.reset();
  if (notifier_ != nullptr) notifier_->Stop();
  notifier_.reset();
  state_.reset();
  engine_.reset();
  metrics_.reset();
  tsdb_.reset();
}

void ManagerFixture::Restart() {
  Close();
  Open();
}

void ManagerFixture::Sample(const std::string& host, const std::string& metric, double value,
                            const std::vector<Label>& labels) {
  std::vector<Label> all = labels;
  all.push_back(Label{"__name__", metric});
  all.push_back(Label{"instance", host});
  absl::StatusOr<storage::SeriesId> id = tsdb_->index().GetOrCreate(LabelSet(all));
  REQUIRE(id.ok());
  const int64_t t = clock_.NowMs();
  const double v = value;
  storage::SeriesWrite w{*id, std::span<const int64_t>(&t, 1), std::span<const double>(&v, 1)};
  absl::StatusOr<storage::CommitResult> committed =
      tsdb_->Commit(std::span<const storage::SeriesWrite>(&w, 1), {host, "run", ++sequence_, t});
  REQUIRE(committed.ok());
  manager_->OnBatch(host);
}

const Alert* ManagerFixture::Find(const std::string& rule) {
  alerts_.clear();
  for (const Alert& a : manager_->Alerts()) {
    if (a.rule == rule) alerts_.push_back(a);
  }
  REQUIRE(alerts_.size() <= 1);
  return alerts_.empty() ? nullptr : &alerts_.front();
}

}  // namespace vigil::alerts::testing
