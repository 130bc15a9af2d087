// A real HTTP receiver on 127.0.0.1 (a free port) for the alert tests: it keeps the
// JSON body of every POST (Alertmanager's webhook payload) and lets tests wait for them
// by polling with a deadline.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace vigil::alerts::testing {

class WebhookSink {
 public:
  WebhookSink() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      absl::MutexLock lock(&mu_);
      bodies_.push_back(nlohmann::json::parse(req.body, nullptr, false));
      paths_.push_back(req.path);
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!server_.is_running() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  }
  ~WebhookSink() {
    server_.stop();
    thread_.join();
  }

  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<nlohmann::json> Bodies() const {
    absl::MutexLock lock(&mu_);
    return bodies_;
  }
  std::vector<std::string> Paths() const {
    absl::MutexLock lock(&mu_);
    return paths_;
  }
  size_t Count() const {
    absl::MutexLock lock(&mu_);
    return bodies_.size();
  }
  // Polls until at least `n` messages arrived or 10 s passed; the count then.
  size_t WaitFor(size_t n) const {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (Count() < n && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
    return Count();
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::vector<nlohmann::json> bodies_;
  std::vector<std::string> paths_;
};

}  // namespace vigil::alerts::testing
