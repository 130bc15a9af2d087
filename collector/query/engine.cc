// Placeholder until the evaluator lands (issue 5 work in progress): every query fails
// with kUnimplemented. Replaced by the real engine before issue 5 is resolved.
#include "collector/query/engine.h"

namespace vigil::query {

struct Engine::Metrics {};

Engine::Engine(const storage::Tsdb* tsdb, EngineOptions options, MetricsRegistry*)
    : tsdb_(tsdb), options_(options) {}
Engine::~Engine() = default;

absl::StatusOr<QueryResult> Engine::Instant(absl::string_view, int64_t, absl::Duration) const {
  return absl::UnimplementedError("the PromQL engine is not built yet");
}
absl::StatusOr<QueryResult> Engine::Range(absl::string_view, int64_t, int64_t, int64_t,
                                          absl::Duration) const {
  return absl::UnimplementedError("the PromQL engine is not built yet");
}
absl::StatusOr<QueryResult> Engine::InstantExpr(const Expr&, int64_t) const {
  return absl::UnimplementedError("the PromQL engine is not built yet");
}

}  // namespace vigil::query
