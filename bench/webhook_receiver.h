// The local webhook receiver of `vigil-bench alert`: an HTTP server on 127.0.0.1 (a
// kernel-chosen port) that takes the collector's webhook notifications (Alertmanager's
// webhook payload, version 4) and records when each firing alert of one rule first
// arrived, keyed by one of its labels (the benchmark's trial number).
//
// ParseWebhookAlerts is the pure part (tested on inline payloads); WebhookReceiver is
// thread-safe: the server thread records, any thread waits.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vigil::bench {

// One entry of a payload's `alerts` array.
struct WebhookAlert {
  std::map<std::string, std::string> labels;
  bool firing = false;  // status "firing" (else "resolved")
};

// The alerts of an Alertmanager webhook payload. InvalidArgument, saying what is wrong,
// if the body is not such a payload (not JSON, no `alerts` array, an alert without
// labels or with a status other than firing or resolved).
absl::StatusOr<std::vector<WebhookAlert>> ParseWebhookAlerts(absl::string_view body);

class WebhookReceiver {
 public:
  struct Counts {
    uint64_t posts = 0;         // requests to the hook
    uint64_t bad_posts = 0;     // of them, not a webhook payload (answered 400)
    uint64_t firing = 0;        // firing alerts of the watched rule (repeats included)
    uint64_t resolved = 0;      // resolved alerts of the watched rule
    uint64_t other_alerts = 0;  // alerts of other rules, firing or resolved
  };

  // Serves POST /hook on 127.0.0.1 and watches firing alerts whose alertname is
  // `alertname`, keyed by the value of their label `key_label`.
  static absl::StatusOr<std::unique_ptr<WebhookReceiver>> Start(std::string alertname,
                                                                std::string key_label);
  ~WebhookReceiver();  // stops the server

  // http://127.0.0.1:PORT/hook
  std::string url() const;
  // When the first firing alert with key_label=`key` arrived; nullopt if none has by
  // `deadline`.
  std::optional<absl::Time> WaitFiring(const std::string& key, absl::Time deadline) const;
  Counts counts() const;

 private:
  struct State;
  explicit WebhookReceiver(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace vigil::bench
