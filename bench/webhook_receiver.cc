#include "bench/webhook_receiver.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace vigil::bench {

absl::StatusOr<std::vector<WebhookAlert>> ParseWebhookAlerts(absl::string_view body) {
  const nlohmann::json payload =
      nlohmann::json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (payload.is_discarded()) return absl::InvalidArgumentError("the body is not JSON");
  if (!payload.is_object()) return absl::InvalidArgumentError("the body is not a JSON object");
  const auto alerts = payload.find("alerts");
  if (alerts == payload.end() || !alerts->is_array()) {
    return absl::InvalidArgumentError("the payload has no `alerts` array");
  }
  std::vector<WebhookAlert> out;
  out.reserve(alerts->size());
  for (size_t i = 0; i < alerts->size(); ++i) {
    const nlohmann::json& a = (*alerts)[i];
    if (!a.is_object())
      return absl::InvalidArgumentError(absl::StrCat("alerts[", i, "] is not an object"));
    const auto labels = a.find("labels");
    if (labels == a.end() || !labels->is_object()) {
      return absl::InvalidArgumentError(absl::StrCat("alerts[", i, "] has no `labels` object"));
    }
    WebhookAlert alert;
    for (const auto& [name, value] : labels->items()) {
      if (!value.is_string()) {
        return absl::InvalidArgumentError(
            absl::StrCat("alerts[", i, "].labels.", name, " is not a string"));
      }
      alert.labels.emplace(name, value.get<std::string>());
    }
    const auto status = a.find("status");
    const std::string text =
        status != a.end() && status->is_string() ? status->get<std::string>() : "";
    if (text != "firing" && text != "resolved") {
      return absl::InvalidArgumentError(
          absl::StrCat("alerts[", i, "].status is '", text, "', not firing or resolved"));
    }
    alert.firing = text == "firing";
    out.push_back(std::move(alert));
  }
  return out;
}

struct WebhookReceiver::State {
  std::string alertname;
  std::string key_label;
  httplib::Server server;
  int port = 0;
  std::thread thread;

  mutable absl::Mutex mu;
  std::map<std::string, absl::Time> first_firing ABSL_GUARDED_BY(mu);
  Counts counts ABSL_GUARDED_BY(mu);

  void Handle(const httplib::Request& request, httplib::Response& response) {
    const absl::Time received = absl::Now();
    absl::StatusOr<std::vector<WebhookAlert>> alerts = ParseWebhookAlerts(request.body);
    absl::MutexLock lock(&mu);
    ++counts.posts;
    if (!alerts.ok()) {
      ++counts.bad_posts;
      response.status = 400;
      response.set_content(std::string(alerts.status().message()), "text/plain");
      return;
    }
    for (const WebhookAlert& alert : *alerts) {
      const auto name = alert.labels.find("alertname");
      if (name == alert.labels.end() || name->second != alertname) {
        ++counts.other_alerts;
        continue;
      }
      if (!alert.firing) {
        ++counts.resolved;
        continue;
      }
      ++counts.firing;
      const auto key = alert.labels.find(key_label);
      if (key != alert.labels.end()) first_firing.emplace(key->second, received);
    }
    response.status = 200;
  }
};

WebhookReceiver::WebhookReceiver(std::unique_ptr<State> state) : state_(std::move(state)) {}

absl::StatusOr<std::unique_ptr<WebhookReceiver>> WebhookReceiver::Start(std::string alertname,
                                                                        std::string key_label) {
  auto state = std::make_unique<State>();
  state->alertname = std::move(alertname);
  state->key_label = std::move(key_label);
  State* raw = state.get();
  state->server.Post("/hook", [raw](const httplib::Request& request, httplib::Response& response) {
    raw->Handle(request, response);
  });
  state->port = state->server.bind_to_any_port("127.0.0.1");
  if (state->port <= 0) {
    return absl::UnavailableError("the webhook receiver cannot bind a port on 127.0.0.1");
  }
  state->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  return std::unique_ptr<WebhookReceiver>(new WebhookReceiver(std::move(state)));
}

WebhookReceiver::~WebhookReceiver() {
  state_->server.stop();
  if (state_->thread.joinable()) state_->thread.join();
}

std::string WebhookReceiver::url() const {
  return absl::StrCat("http://127.0.0.1:", state_->port, "/hook");
}

std::optional<absl::Time> WebhookReceiver::WaitFiring(const std::string& key,
                                                      absl::Time deadline) const {
  absl::MutexLock lock(&state_->mu);
  auto arrived = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu) {
    return state_->first_firing.contains(key);
  };
  state_->mu.AwaitWithDeadline(absl::Condition(&arrived), deadline);
  const auto it = state_->first_firing.find(key);
  if (it == state_->first_firing.end()) return std::nullopt;
  return it->second;
}

WebhookReceiver::Counts WebhookReceiver::counts() const {
  absl::MutexLock lock(&state_->mu);
  return state_->counts;
}

}  // namespace vigil::bench
