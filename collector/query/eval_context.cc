#include "collector/query/eval_context.h"

#include "absl/strings/str_cat.h"

namespace vigil::query {

EvalContext::EvalContext(const storage::Tsdb& tsdb, const EngineOptions& options, Steps steps,
                         absl::Time started, absl::Duration timeout, bool timeout_from_limit)
    : tsdb_(tsdb),
      options_(options),
      steps_(steps),
      deadline_(started + timeout),
      timeout_(timeout),
      timeout_from_limit_(timeout_from_limit) {}

absl::Status EvalContext::CheckDeadline() const {
  if (absl::Now() < deadline_) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat("query timed out after ", absl::FormatDuration(timeout_),
                   timeout_from_limit_ ? " (query.timeout); narrow the selector or the range"
                                       : " (the request's timeout)"));
}

absl::Status EvalContext::TooManySeries() const {
  return absl::ResourceExhaustedError(
      absl::StrCat("query would select more than ", options_.limits.max_series,
                   " series (query.max_series); narrow the selector"));
}

absl::Status EvalContext::TooManySamples() const {
  return absl::ResourceExhaustedError(
      absl::StrCat("query would decode more than ", options_.limits.max_samples,
                   " samples (query.max_samples); narrow the selector or the range"));
}

absl::Status EvalContext::AddSeries(size_t n) {
  const size_t total = series_.fetch_add(n, std::memory_order_relaxed) + n;
  return total > options_.limits.max_series ? TooManySeries() : absl::OkStatus();
}

absl::Status EvalContext::AddSamples(size_t n) {
  const size_t total = samples_.fetch_add(n, std::memory_order_relaxed) + n;
  return total > options_.limits.max_samples ? TooManySamples() : absl::OkStatus();
}

absl::Status EvalContext::AddPoints(size_t n) {
  points_ += n;
  if (points_ <= options_.limits.max_samples) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("query would hold more than ", options_.limits.max_samples,
                   " points in memory (query.max_samples); narrow the selector or increase "
                   "the step"));
}

size_t EvalContext::SampleBudget() const {
  const size_t used = samples_.load(std::memory_order_relaxed);
  return used >= options_.limits.max_samples ? 0 : options_.limits.max_samples - used;
}

size_t EvalContext::SeriesBudget() const {
  const size_t used = series_.load(std::memory_order_relaxed);
  return used >= options_.limits.max_series ? 0 : options_.limits.max_series - used;
}

absl::Status ExecutionError(absl::string_view message) {
  return absl::FailedPreconditionError(message);
}

absl::Status DuplicateLabelsetError() {
  return ExecutionError("vector cannot contain metrics with the same labelset");
}

std::string GoLabelsString(const LabelSet& labels) {
  std::string out = "{";
  bool first = true;
  for (const Label& l : labels.labels()) {
    if (!first) out += ", ";
    first = false;
    absl::StrAppend(&out, l.name, "=\"", EscapeLabelValue(l.value), "\"");
  }
  out += "}";
  return out;
}

}  // namespace vigil::query
