// A real alerting stack for tests: a Tsdb in a temp dir, the PromQL engine, the state
// store, the notifier and the alert manager (no background thread: tests call
// RunOnce), all on one ManualClock, with a real webhook receiver. Restart() closes and
// reopens everything on the same directories, as a collector restart does.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collector/alerts/alert_manager.h"
#include "collector/notify/notifier.h"
#include "collector/query/engine.h"
#include "collector/state/state_store.h"
#include "collector/storage/tsdb.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/collector/alerts/webhook_sink.h"

namespace vigil::alerts::testing {

class ManagerFixture {
 public:
  // `alerting_yaml`: the body of the `alerting:` section; "$RULES" is replaced by the
  // rule file written from `rules_yaml`, "$HOOK" by the webhook receiver's URL (path
  // /hook), "$HOOK2" by a second path (/hook2) of the same receiver.
  ManagerFixture(const std::string& rules_yaml, const std::string& alerting_yaml);
  ~ManagerFixture();

  void Restart();
  // Stores one sample per series of `host` at the clock's now, and tells the manager.
  void Sample(const std::string& host, const std::string& metric, double value,
              const std::vector<Label>& labels = {});
  void Advance(absl::Duration d) { clock_.Advance(d); }
  void Run() { manager_->RunOnce(); }

  AlertManager& manager() { return *manager_; }
  notify::Notifier& notifier() { return *notifier_; }
  WebhookSink& sink() { return sink_; }
  ManualClock& clock() { return clock_; }
  vigil::testing::TempDir& dir() { return dir_; }

  // The one alert of `rule` (fails the test if there is not exactly one), or null.
  const Alert* Find(const std::string& rule);
  std::vector<Alert> alerts_;  // of the last Find

 private:
  void Open();
  void Close();

  vigil::testing::TempDir dir_;
  ManualClock clock_;
  WebhookSink sink_;
  AlertingConfig config_;
  std::unique_ptr<storage::Tsdb> tsdb_;
  std::unique_ptr<MetricsRegistry> metrics_;
  std::unique_ptr<query::Engine> engine_;
  std::unique_ptr<state::StateStore> state_;
  std::unique_ptr<notify::Notifier> notifier_;
  std::unique_ptr<AlertManager> manager_;
  uint64_t sequence_ = 0;
};

}  // namespace vigil::alerts::testing
