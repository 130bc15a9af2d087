#include "agent/sources/time.h"

namespace vigil::agent {
namespace {

class TimeSource : public Source {
 public:
  absl::string_view name() const override { return "time"; }

  absl::Status Collect(const TickContext& tick, SampleSink& sink) override {
    sink.Add("node_time_seconds", {}, UnixSeconds(tick.now));
    return absl::OkStatus();
  }
};

}  // namespace

double UnixSeconds(absl::Time time) { return absl::ToDoubleSeconds(time - absl::UnixEpoch()); }

absl::StatusOr<std::unique_ptr<Source>> CreateTimeSource(const SourceOptions& options) {
  return std::make_unique<TimeSource>();
}

}  // namespace vigil::agent
