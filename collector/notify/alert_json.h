// The JSON shapes that Prometheus' ecosystem reads, shared by the webhook and
// Alertmanager channels and the outbox: Alertmanager's webhook payload (version "4")
// and the body of Alertmanager's POST /api/v2/alerts.
//
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "absl/time/time.h"
#include "collector/notify/notification.h"

namespace vigil::notify {

// `json` as compact text; invalid UTF-8 in a string is replaced, never thrown about.
std::string DumpJson(const nlohmann::json& json);

// RFC 3339 in UTC with milliseconds; "0001-01-01T00:00:00Z" for InfinitePast (unset), as
// Alertmanager writes a zero time.
std::string Rfc3339(absl::Time t);

nlohmann::json LabelsJson(const LabelSet& labels);
nlohmann::json AnnotationsJson(const AlertItem& alert);

// Alertmanager's webhook payload for `notification` as received by `receiver`.
nlohmann::json WebhookPayload(const Notification& notification, const std::string& receiver);

// [{labels, annotations, startsAt, endsAt, generatorURL}] for POST /api/v2/alerts. A
// resolved alert's endsAt is when it resolved; a firing one's is left out.
nlohmann::json AlertmanagerAlerts(const Notification& notification);

}  // namespace vigil::notify
