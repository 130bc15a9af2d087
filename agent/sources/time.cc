#include "agent/sources/time.h"

#include <cstdint>

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

double UnixSeconds(absl::Time time) {
  // Whole seconds and the fraction apart: absl::ToDoubleSeconds(time - UnixEpoch())
  // loses the last digits of the fraction.
  const int64_t seconds = absl::ToUnixSeconds(time);  // rounds towards -infinity
  return static_cast<double>(seconds) +
         absl::ToDoubleSeconds(time - absl::FromUnixSeconds(seconds));
}

absl::StatusOr<std::unique_ptr<Source>> CreateTimeSource(const SourceOptions& /*options*/) {
  return std::make_unique<TimeSource>();
}

}  // namespace vigil::agent
