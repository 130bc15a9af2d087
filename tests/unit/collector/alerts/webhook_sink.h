// The alert tests' view of a real HTTP receiver (notify's HttpReceiver on 127.0.0.1, a
// free port): the JSON body (Alertmanager's webhook payload) and path of every POST,
// and a wait by polling with a deadline.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/unit/collector/notify/test_receivers.h"

namespace vigil::alerts::testing {

class WebhookSink {
 public:
  std::string url(const std::string& path = "/hook") const { return receiver_.Url(path); }
  std::vector<nlohmann::json> Bodies() const {
    std::vector<nlohmann::json> out;
    for (const auto& r : receiver_.Requests()) {
      out.push_back(nlohmann::json::parse(r.body, nullptr, false));
    }
    return out;
  }
  std::vector<std::string> Paths() const {
    std::vector<std::string> out;
    for (const auto& r : receiver_.Requests()) out.push_back(r.path);
    return out;
  }
  size_t Count() const { return receiver_.Requests().size(); }
  // Polls until at least `n` messages arrived or 10 s passed; the count then.
  size_t WaitFor(size_t n) const {
    receiver_.WaitForRequests(n, absl::Seconds(10));
    return Count();
  }

 private:
  vigil::testing::HttpReceiver receiver_;
};

}  // namespace vigil::alerts::testing
