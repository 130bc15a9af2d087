#include "bench/sim_agent.h"

#include "absl/strings/str_cat.h"

namespace vigil::bench {

SimAgent::SimAgent(int index, int series, std::shared_ptr<grpc::Channel> channel)
    : index_(index),
      generator_(static_cast<uint64_t>(index) + 1, series),
      stream_(std::move(channel)) {}

absl::Status SimAgent::Connect() {
  return stream_.Open("vigil-bench",
                      absl::StrCat("bench-", index_, "-", absl::ToUnixNanos(absl::Now())));
}

v1::AgentMessage SimAgent::BuildBatch(int64_t first_ms, int ticks) {
  v1::AgentMessage message;
  v1::Batch* batch = message.mutable_batch();
  batch->set_sequence(++sequence_);
  if (!defined_) {
    defined_ = true;
    for (size_t i = 0; i < generator_.size(); ++i) {
      v1::SeriesDefinition* def = batch->add_definitions();
      def->set_series_id(i + 1);
      for (const auto& [name, value] : generator_.series()[i].labels) {
        if (name == "__name__") {
          def->set_metric(value);
          continue;
        }
        v1::Label* label = def->add_labels();
        label->set_name(name);
        label->set_value(value);
      }
    }
  }
  for (int k = 0; k < ticks; ++k) {
    const int64_t t = first_ms + static_cast<int64_t>(k) * 1000;
    generator_.Tick(t, &values_);
    v1::SampleGroup* group = batch->add_groups();
    group->set_timestamp_ms(t);
    group->mutable_series_ids()->Reserve(static_cast<int>(values_.size()));
    for (size_t i = 0; i < values_.size(); ++i) group->add_series_ids(i + 1);
    group->mutable_values()->Add(values_.begin(), values_.end());
  }
  return message;
}

absl::Status SimAgent::Send(const v1::AgentMessage& batch) { return stream_.Send(batch); }

absl::StatusOr<uint32_t> SimAgent::ReadAck() {
  absl::StatusOr<v1::BatchAck> ack = stream_.ReadAck();
  if (!ack.ok()) return ack.status();
  return ack->samples_stored();
}

absl::Status SimAgent::Close() { return stream_.Close(); }

}  // namespace vigil::bench
