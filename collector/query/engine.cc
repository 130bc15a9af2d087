// The engine's entry points: parse, check the query's times against the limits, load
// the selectors' data (selector_load.h), evaluate (evaluator.h), and shape the result
// as Prometheus' API does; every query is counted in the self metrics.
#include "collector/query/engine.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "collector/query/engine_metrics.h"
#include "collector/query/evaluator.h"
#include "collector/query/parser.h"
#include "collector/query/selector_load.h"
#include "common/log.h"
#include "common/status.h"

namespace vigil::query {
namespace {

// Times, ranges and offsets beyond ±2^60 ms (36 million years) are refused, so that
// every sum of them the engine forms fits in an int64.
constexpr int64_t kMaxTimeMs = int64_t{1} << 60;

bool TimeOk(int64_t t) { return t >= -kMaxTimeMs && t <= kMaxTimeMs; }

// Checks every selector's offset and range.
absl::Status CheckDurations(const Expr& e) {
  if (const auto* s = std::get_if<VectorSelector>(&e.node)) {
    if (!TimeOk(s->offset_ms)) return absl::InvalidArgumentError("offset out of range");
  } else if (const auto* m = std::get_if<MatrixSelector>(&e.node)) {
    if (!TimeOk(m->range_ms) || !TimeOk(m->selector.offset_ms)) {
      return absl::InvalidArgumentError("range or offset out of range");
    }
  } else if (const auto* c = std::get_if<Call>(&e.node)) {
    for (const ExprPtr& a : c->args) VIGIL_RETURN_IF_ERROR(CheckDurations(*a));
  } else if (const auto* a = std::get_if<AggregateExpr>(&e.node)) {
    if (a->param) VIGIL_RETURN_IF_ERROR(CheckDurations(*a->param));
    VIGIL_RETURN_IF_ERROR(CheckDurations(*a->expr));
  } else if (const auto* b = std::get_if<Binary>(&e.node)) {
    VIGIL_RETURN_IF_ERROR(CheckDurations(*b->lhs));
    VIGIL_RETURN_IF_ERROR(CheckDurations(*b->rhs));
  } else if (const auto* n = std::get_if<Negation>(&e.node)) {
    return CheckDurations(*n->expr);
  } else if (const auto* p = std::get_if<Paren>(&e.node)) {
    return CheckDurations(*p->expr);
  }
  return absl::OkStatus();
}

bool ByLabels(const Series& a, const Series& b) { return a.labels.labels() < b.labels.labels(); }

// An instant query of a range vector (`x[5m]`): the raw samples of each series in the
// window (staleness markers dropped), as Prometheus returns them.
absl::StatusOr<std::vector<Series>> RawWindow(const LoadedSelectors& loaded, EvalContext* ctx,
                                              const MatrixSelector& m, int64_t t) {
  const int64_t end = t - m.selector.offset_ms, start = end - m.range_ms;
  std::vector<Series> results(loaded.Of(m.selector).labels.size());
  VIGIL_RETURN_IF_ERROR(loaded.ForEachSeries(
      m.selector, ctx,
      [&](size_t k, const LabelSet& labels, const SelectedSeries& s) -> absl::Status {
        Series& series = results[k];
        series.labels = labels;
        const std::span<const int64_t> ts = s.RangeTs();
        const std::span<const double> vs = s.RangeVs();
        auto lo = std::lower_bound(ts.begin(), ts.end(), start);
        for (auto it = lo; it != ts.end() && *it <= end; ++it) {
          series.points.push_back({*it, vs[static_cast<size_t>(it - ts.begin())]});
        }
        return absl::OkStatus();
      }));
  std::vector<Series> out;
  for (Series& s : results) {
    if (!s.points.empty()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

struct Engine::Metrics {
  std::unique_ptr<EngineMetrics> impl;
};

Engine::Engine(const storage::Tsdb* tsdb, EngineOptions options, MetricsRegistry* metrics)
    : tsdb_(tsdb), options_(options) {
  if (metrics == nullptr) return;
  absl::StatusOr<std::unique_ptr<EngineMetrics>> registered = EngineMetrics::Register(metrics);
  if (!registered.ok()) {
    LogWarning("query engine: no self metrics: ", registered.status().message());
    return;
  }
  metrics_ = std::make_unique<Metrics>();
  metrics_->impl = std::move(*registered);
}

Engine::~Engine() = default;

namespace {

// One evaluation: the parts shared by Instant, Range and InstantExpr. `result->stats`
// is filled even when the query fails (the self metrics count what it cost).
struct Evaluation {
  const storage::Tsdb& tsdb;
  const EngineOptions& options;
  absl::Time started;
  absl::Duration timeout;  // of the caller; the smaller of it and the limit applies

  const storage::LabelMatcher* scope = nullptr;

  absl::Status Run(const Expr& expr, Steps steps, bool instant, QueryResult* result) const {
    if (!TimeOk(steps.start_ms) || !TimeOk(steps.end_ms())) {
      return absl::InvalidArgumentError("query time out of range");
    }
    VIGIL_RETURN_IF_ERROR(CheckDurations(expr));
    if (!instant && expr.type != ValueType::kScalar && expr.type != ValueType::kInstantVector) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid expression type \"", ValueTypeName(expr.type),
                       "\" for range query, must be Scalar or instant Vector"));
    }
    const bool from_limit = options.limits.timeout <= timeout;
    EvalContext ctx(tsdb, options, steps, started, std::min(timeout, options.limits.timeout),
                    from_limit);
    ctx.set_scope(scope);
    absl::Status status = Evaluate(expr, steps, instant, &ctx, result);
    result->stats.series_touched = ctx.series_touched();
    result->stats.samples_decoded = ctx.samples_decoded();
    return status;
  }

  static absl::Status Evaluate(const Expr& expr, const Steps& steps, bool instant, EvalContext* ctx,
                               QueryResult* result) {
    VIGIL_RETURN_IF_ERROR(ctx->CheckDeadline());
    VIGIL_ASSIGN_OR_RETURN(LoadedSelectors loaded, LoadSelectors(expr, ctx));
    Evaluator ev(ctx, &loaded);
    const Expr& bare = Unparen(expr);
    if (const auto* m = std::get_if<MatrixSelector>(&bare.node)) {
      result->type = ValueType::kRangeVector;
      VIGIL_ASSIGN_OR_RETURN(result->series, RawWindow(loaded, ctx, *m, steps.start_ms));
      return ctx->CheckDeadline();
    }
    VIGIL_ASSIGN_OR_RETURN(EvalValue value, ev.Eval(expr));
    VIGIL_RETURN_IF_ERROR(ctx->CheckDeadline());
    if (instant) {
      const int64_t t = steps.start_ms;
      result->type = value.type;
      if (value.type == ValueType::kScalar) {
        result->scalar = {t, value.scalars[0]};
      } else if (value.type == ValueType::kString) {
        result->string = std::move(value.string);
      } else {
        for (StepSeries& s : value.series) {
          if (s.Has(0)) result->series.push_back({std::move(s.labels), {{t, s.values[0]}}});
        }
      }
      return absl::OkStatus();
    }
    result->type = ValueType::kRangeVector;
    if (value.type == ValueType::kScalar) {
      Series s;
      for (size_t i = 0; i < steps.count; ++i) s.points.push_back({steps.At(i), value.scalars[i]});
      result->series.push_back(std::move(s));
      return absl::OkStatus();
    }
    for (StepSeries& s : value.series) {
      Series out;
      out.labels = std::move(s.labels);
      for (size_t i = 0; i < steps.count; ++i) {
        if (s.Has(i)) out.points.push_back({steps.At(i), s.values[i]});
      }
      if (!out.points.empty()) result->series.push_back(std::move(out));
    }
    std::sort(result->series.begin(), result->series.end(), ByLabels);
    return absl::OkStatus();
  }
};

// Stamps the wall time, counts the query in the self metrics (when kept), and returns.
absl::StatusOr<QueryResult> Finish(EngineMetrics* metrics, QueryKind kind, absl::Time started,
                                   const absl::Status& status, QueryResult result) {
  result.stats.wall_ns = absl::ToInt64Nanoseconds(absl::Now() - started);
  if (metrics != nullptr) {
    metrics->Record(kind, status, result.stats, static_cast<double>(result.stats.wall_ns) / 1e9);
  }
  if (!status.ok()) return status;
  return result;
}

}  // namespace

absl::StatusOr<QueryResult> Engine::Instant(absl::string_view query, int64_t time_ms,
                                            absl::Duration timeout) const {
  const absl::Time started = absl::Now();
  QueryResult result;
  absl::Status status = [&]() -> absl::Status {
    VIGIL_ASSIGN_OR_RETURN(ExprPtr expr, ParseExpr(query));
    const Evaluation run{*tsdb_, options_, started, timeout, nullptr};
    return run.Run(*expr, Steps{time_ms, 1, 1}, /*instant=*/true, &result);
  }();
  return Finish(metrics_ ? metrics_->impl.get() : nullptr, QueryKind::kInstant, started, status,
                std::move(result));
}

absl::StatusOr<QueryResult> Engine::Range(absl::string_view query, int64_t start_ms, int64_t end_ms,
                                          int64_t step_ms, absl::Duration timeout) const {
  const absl::Time started = absl::Now();
  QueryResult result;
  absl::Status status = [&]() -> absl::Status {
    if (step_ms <= 0) {
      return absl::InvalidArgumentError(
          "zero or negative query resolution step widths are not accepted. Try a positive "
          "integer");
    }
    if (end_ms < start_ms) {
      return absl::InvalidArgumentError("end timestamp must not be before start time");
    }
    if (!TimeOk(start_ms) || !TimeOk(end_ms)) {
      return absl::InvalidArgumentError("query time out of range");
    }
    const uint64_t points =
        static_cast<uint64_t>(end_ms - start_ms) / static_cast<uint64_t>(step_ms) + 1;
    if (points > options_.limits.max_points) {
      return absl::ResourceExhaustedError(
          absl::StrCat("query would return ", points, " points per series, more than ",
                       options_.limits.max_points, " (query.max_points); increase the step"));
    }
    VIGIL_ASSIGN_OR_RETURN(ExprPtr expr, ParseExpr(query));
    const Evaluation run{*tsdb_, options_, started, timeout, nullptr};
    return run.Run(*expr, Steps{start_ms, step_ms, static_cast<size_t>(points)},
                   /*instant=*/false, &result);
  }();
  return Finish(metrics_ ? metrics_->impl.get() : nullptr, QueryKind::kRange, started, status,
                std::move(result));
}

absl::StatusOr<QueryResult> Engine::InstantExpr(const Expr& expr, int64_t time_ms,
                                                const storage::LabelMatcher* scope) const {
  const absl::Time started = absl::Now();
  QueryResult result;
  const Evaluation run{*tsdb_, options_, started, absl::InfiniteDuration(), scope};
  const absl::Status status = run.Run(expr, Steps{time_ms, 1, 1}, /*instant=*/true, &result);
  return Finish(metrics_ ? metrics_->impl.get() : nullptr, QueryKind::kInstant, started, status,
                std::move(result));
}

}  // namespace vigil::query
