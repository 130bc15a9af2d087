// `vigilctl alerts`, `ack`, `silence` and `oncall`, through the collector's gRPC Alerts
// service (proto/vigil/v1/alerts.proto): how requests are built from flags and how
// answers are printed. Pure (the caller passes `now` and the time zone), so tested
// without a server.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "vigil/v1/alerts.pb.h"

namespace vigil::ctl {

// `vigilctl alerts --instance H --since D`: the alerts of host H (all when ""), active
// since D ago or later (all when `since` is "").
absl::StatusOr<v1::ListAlertsResponse> FilterAlerts(const v1::ListAlertsResponse& alerts,
                                                    absl::string_view instance,
                                                    absl::string_view since, absl::Time now);

// `vigilctl alerts --history`: events since `since` ago (default 24h), of host
// `instance` ("" = all).
absl::StatusOr<v1::HistoryRequest> HistoryRequestFor(absl::string_view since,
                                                     absl::string_view instance, absl::Time now);

// `vigilctl silence add MATCHERS (--duration D | --until T) --comment TEXT`. Exactly
// one of duration and until; the comment is required. Errors name the flag.
absl::StatusOr<v1::CreateSilenceRequest> SilenceRequestFor(absl::string_view matchers,
                                                           absl::string_view duration,
                                                           absl::string_view until,
                                                           absl::string_view comment,
                                                           absl::Time now);

// ID STATE SEVERITY ALERT INSTANCE SINCE ACK SUMMARY; STATE notes why an alert is not
// notified (silenced, inhibited, maintenance) and flapping; SINCE is the age of the
// firing (or pending) state; ACK who acknowledged, "-" if nobody.
std::string FormatAlertsTable(const v1::ListAlertsResponse& alerts, absl::Time now);
// TIME ALERT INSTANCE EVENT DETAIL ID, newest first, times in `zone`.
std::string FormatHistoryTable(const v1::HistoryResponse& history, absl::TimeZone zone);
// ID STATE MATCHERS STARTS ENDS CREATED-BY COMMENT, times in `zone`.
std::string FormatSilencesTable(const v1::ListSilencesResponse& silences, absl::TimeZone zone);
// One silence, as `silence add` and `silence expire` confirm it.
std::string FormatSilence(const v1::Silence& silence, absl::TimeZone zone);
// The acknowledged alert, as `vigilctl ack` confirms it.
std::string FormatAcknowledged(const v1::Alert& alert, absl::TimeZone zone);
// Per rotation: who is on duty now (and next in line), then the coming hand-overs with
// their times in `zone`, overrides marked with their reason.
std::string FormatOnCall(const v1::OnCallResponse& oncall, absl::TimeZone zone);

// Any of the answers as JSON (protobuf's JSON mapping, field names as in the .proto).
std::string FormatProtoJson(const google::protobuf::Message& message);

}  // namespace vigil::ctl
