#include "bench/probe_agent.h"

#include "absl/strings/str_cat.h"

namespace vigil::bench {

ProbeAgent::ProbeAgent(std::string metric, std::string label,
                       std::shared_ptr<grpc::Channel> channel)
    : metric_(std::move(metric)), label_(std::move(label)), stream_(std::move(channel)) {}

absl::Status ProbeAgent::Connect() {
  absl::Status opened =
      stream_.Open("vigil-bench-probe", absl::StrCat("probe-", absl::ToUnixNanos(absl::Now())));
  if (!opened.ok()) return absl::UnavailableError(absl::StrCat("probe: ", opened.message()));
  return absl::OkStatus();
}

absl::Status ProbeAgent::Sample(absl::Time time,
                                const std::vector<std::pair<std::string, double>>& values) {
  v1::AgentMessage message;
  v1::Batch* batch = message.mutable_batch();
  batch->set_sequence(++sequence_);
  v1::SampleGroup* group = batch->add_groups();
  group->set_timestamp_ms(absl::ToUnixMillis(time));
  for (const auto& [key, value] : values) {
    auto [it, added] = series_ids_.emplace(key, series_ids_.size() + 1);
    if (added) {
      v1::SeriesDefinition* def = batch->add_definitions();
      def->set_series_id(it->second);
      def->set_metric(metric_);
      v1::Label* label = def->add_labels();
      label->set_name(label_);
      label->set_value(key);
    }
    group->add_series_ids(it->second);
    group->add_values(value);
  }
  absl::Status sent = stream_.Send(message);
  absl::StatusOr<v1::BatchAck> acked = sent.ok() ? stream_.ReadAck() : sent;
  if (!acked.ok()) return absl::UnavailableError(absl::StrCat("probe: ", acked.status().message()));
  if (acked->samples_stored() != values.size()) {
    const v1::BatchAck& ack = *acked;
    return absl::InternalError(absl::StrCat("probe: ", ack.samples_stored(), " of ", values.size(),
                                            " samples stored (rejected ", ack.samples_rejected(),
                                            ", duplicate ", ack.samples_duplicate(), ", too new ",
                                            ack.samples_too_new(), ")"));
  }
  return absl::OkStatus();
}

absl::Status ProbeAgent::Close() { return stream_.Close(); }

}  // namespace vigil::bench
