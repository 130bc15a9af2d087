#include "collector/query/instant_functions.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "collector/query/go_sort.h"
#include "collector/query/prom_math.h"
#include "collector/query/range_call.h"
#include "collector/query/series_collector.h"
#include "common/status.h"

namespace vigil::query {
namespace {

using MathFn = double (*)(double);

MathFn MathFunction(absl::string_view name) {
  static constexpr struct {
    absl::string_view name;
    MathFn fn;
  } kFunctions[] = {
      {"abs", [](double v) { return std::fabs(v); }},
      {"ceil", [](double v) { return std::ceil(v); }},
      {"floor", [](double v) { return std::floor(v); }},
      {"exp", [](double v) { return std::exp(v); }},
      {"sqrt", [](double v) { return std::sqrt(v); }},
      {"ln", [](double v) { return std::log(v); }},
      {"log2", GoLog2},
      {"log10", GoLog10},
  };
  for (const auto& entry : kFunctions) {
    if (entry.name == name) return entry.fn;
  }
  return nullptr;
}

// Go's time.Unix(int64(v), 0).UTC() broken down; f picks the field.
using DateFn = double (*)(absl::CivilSecond);

DateFn DateFunction(absl::string_view name) {
  static constexpr struct {
    absl::string_view name;
    DateFn fn;
  } kFunctions[] = {
      {"year", [](absl::CivilSecond t) { return static_cast<double>(t.year()); }},
      {"month", [](absl::CivilSecond t) { return static_cast<double>(t.month()); }},
      {"day_of_month", [](absl::CivilSecond t) { return static_cast<double>(t.day()); }},
      {"day_of_week",
       [](absl::CivilSecond t) {
         // Go counts from Sunday = 0; absl's enum starts at Monday.
         const int monday_based = static_cast<int>(absl::GetWeekday(absl::CivilDay(t)));
         return static_cast<double>((monday_based + 1) % 7);
       }},
      {"hour", [](absl::CivilSecond t) { return static_cast<double>(t.hour()); }},
      {"minute", [](absl::CivilSecond t) { return static_cast<double>(t.minute()); }},
  };
  for (const auto& entry : kFunctions) {
    if (entry.name == name) return entry.fn;
  }
  return nullptr;
}

double DateOf(DateFn fn, int64_t unix_seconds) {
  return fn(absl::ToCivilSecond(absl::FromUnixSeconds(unix_seconds), absl::UTCTimeZone()));
}

Relabel DropName() {
  return [](const LabelSet& l) -> absl::StatusOr<LabelSet> { return DropMetricName(l); };
}

absl::StatusOr<std::vector<double>> ScalarArg(Evaluator& ev, const Call& call, size_t i) {
  VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*call.args[i]));
  return std::move(v.scalars);
}

EvalValue ScalarValue(std::vector<double> values) {
  EvalValue out;
  out.type = ValueType::kScalar;
  out.scalars = std::move(values);
  return out;
}

// sort / sort_desc: reorders an instant query's vector as Prometheus does (Go's
// sort.Sort with NaN last). In a range query every step has its own order and the
// result is a matrix sorted by labels, so there is nothing to do.
absl::StatusOr<EvalValue> Sort(Evaluator& ev, const Call& call, bool descending) {
  VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*call.args[0]));
  if (ev.steps().count != 1) return v;
  StepMatrix& s = v.series;
  auto value = [&](int i) { return s[static_cast<size_t>(i)].values[0]; };
  // sort.Sort(sort.Reverse(vectorByReverseValueHeap)) / (vectorByValueHeap): Reverse
  // swaps the arguments of Less.
  auto less = [&](int i, int j) {
    if (std::isnan(value(j))) return true;
    return descending ? value(j) < value(i) : value(j) > value(i);
  };
  auto swap = [&](int i, int j) {
    std::swap(s[static_cast<size_t>(i)], s[static_cast<size_t>(j)]);
  };
  gosort::Sort(static_cast<int>(s.size()), less, swap);
  return v;
}

absl::StatusOr<EvalValue> Timestamp(Evaluator& ev, const Call& call) {
  const Expr& arg = Unparen(*call.args[0]);
  EvalValue in;
  if (const auto* s = std::get_if<VectorSelector>(&arg.node)) {
    // The samples' own times.
    VIGIL_ASSIGN_OR_RETURN(in, EvalSelectorTimestamps(ev, *s));
    return MapSeries(ev.steps(), in, DropName(), [](double v, size_t, bool*) { return v; });
  }
  // Anything else has the evaluation time.
  VIGIL_ASSIGN_OR_RETURN(in, ev.Eval(arg));
  const Steps& steps = ev.steps();
  return MapSeries(steps, in, DropName(), [&steps](double, size_t step, bool*) {
    return static_cast<double>(steps.At(step)) / 1000;
  });
}

absl::StatusOr<EvalValue> Absent(Evaluator& ev, const Call& call) {
  VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*call.args[0]));
  const Steps& steps = ev.steps();
  StepSeries absent(AbsentFunctionLabels(*call.args[0]), steps.count);
  for (size_t i = 0; i < steps.count; ++i) {
    bool any = false;
    for (const StepSeries& s : v.series) any = any || s.Has(i);
    if (!any) absent.Set(i, 1);
  }
  EvalValue out;
  out.type = ValueType::kInstantVector;
  if (!absent.Empty()) out.series.push_back(std::move(absent));
  return out;
}

absl::StatusOr<EvalValue> Clamp(Evaluator& ev, const Call& call) {
  VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*call.args[0]));
  const Steps& steps = ev.steps();
  if (call.name == "clamp") {
    VIGIL_ASSIGN_OR_RETURN(std::vector<double> lo, ScalarArg(ev, call, 1));
    VIGIL_ASSIGN_OR_RETURN(std::vector<double> hi, ScalarArg(ev, call, 2));
    return MapSeries(steps, v, DropName(), [&](double x, size_t i, bool* keep) {
      if (hi[i] < lo[i]) *keep = false;  // an empty vector, as Prometheus
      return GoMax(lo[i], GoMin(hi[i], x));
    });
  }
  VIGIL_ASSIGN_OR_RETURN(std::vector<double> bound, ScalarArg(ev, call, 1));
  const bool is_min = call.name == "clamp_min";
  return MapSeries(steps, v, DropName(), [&](double x, size_t i, bool*) {
    return is_min ? GoMax(bound[i], x) : GoMin(bound[i], x);
  });
}

absl::StatusOr<EvalValue> Round(Evaluator& ev, const Call& call) {
  VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*call.args[0]));
  std::vector<double> to_nearest(ev.steps().count, 1.0);
  if (call.args.size() > 1) {
    VIGIL_ASSIGN_OR_RETURN(to_nearest, ScalarArg(ev, call, 1));
  }
  return MapSeries(ev.steps(), v, DropName(), [&](double x, size_t i, bool*) {
    // Ties round up; the inverse "causes fewer floating point accuracy issues".
    const double inverse = 1.0 / to_nearest[i];
    return std::floor(x * inverse + 0.5) / inverse;
  });
}

absl::StatusOr<EvalValue> Date(Evaluator& ev, const Call& call, DateFn fn) {
  const Steps& steps = ev.steps();
  if (call.args.empty()) {  // of the evaluation time: one sample without labels
    EvalValue out;
    out.type = ValueType::kInstantVector;
    StepSeries s(LabelSet(), steps.count);
    for (size_t i = 0; i < steps.count; ++i) s.Set(i, DateOf(fn, steps.At(i) / 1000));
    out.series.push_back(std::move(s));
    return out;
  }
  VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*call.args[0]));
  return MapSeries(steps, v, DropName(),
                   [fn](double x, size_t, bool*) { return DateOf(fn, GoFloatToInt64(x)); });
}

}  // namespace

LabelSet DropMetricName(const LabelSet& labels) {
  LabelSet out = labels;
  out.Remove(kMetricNameLabel);
  return out;
}

absl::StatusOr<EvalValue> MapSeries(const Steps& steps, const EvalValue& in, const Relabel& relabel,
                                    const ValueMap& fn) {
  SeriesCollector collector(steps.count);
  std::vector<size_t> ids;
  ids.reserve(in.series.size());
  for (const StepSeries& s : in.series) {
    VIGIL_ASSIGN_OR_RETURN(LabelSet labels, relabel(s.labels));
    ids.push_back(collector.Resolve(std::move(labels)));
  }
  // Step by step, so that a duplicate is found at the first step it happens.
  for (size_t i = 0; i < steps.count; ++i) {
    for (size_t k = 0; k < in.series.size(); ++k) {
      const StepSeries& s = in.series[k];
      if (!s.Has(i)) continue;
      bool keep = true;
      const double v = fn(s.values[i], i, &keep);
      if (keep && !collector.Set(ids[k], i, v)) return DuplicateLabelsetError();
    }
  }
  EvalValue out;
  out.type = ValueType::kInstantVector;
  out.series = collector.Take();
  return out;
}

absl::StatusOr<EvalValue> EvalInstantFunction(Evaluator& ev, const Call& call) {
  const Steps& steps = ev.steps();
  const absl::string_view name = call.name;
  if (MathFn fn = MathFunction(name)) {
    VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*call.args[0]));
    return MapSeries(steps, v, DropName(), [fn](double x, size_t, bool*) { return fn(x); });
  }
  if (DateFn fn = DateFunction(name)) return Date(ev, call, fn);
  if (name == "clamp" || name == "clamp_min" || name == "clamp_max") return Clamp(ev, call);
  if (name == "round") return Round(ev, call);
  if (name == "timestamp") return Timestamp(ev, call);
  if (name == "absent") return Absent(ev, call);
  if (name == "sort" || name == "sort_desc") return Sort(ev, call, name == "sort_desc");
  if (name == "label_replace") return EvalLabelReplace(ev, call);
  if (name == "label_join") return EvalLabelJoin(ev, call);
  if (name == "time") {
    std::vector<double> t(steps.count);
    for (size_t i = 0; i < steps.count; ++i) t[i] = static_cast<double>(steps.At(i)) / 1000;
    return ScalarValue(std::move(t));
  }
  if (name == "vector") {
    VIGIL_ASSIGN_OR_RETURN(std::vector<double> v, ScalarArg(ev, call, 0));
    EvalValue out;
    out.type = ValueType::kInstantVector;
    StepSeries s(LabelSet(), steps.count);
    for (size_t i = 0; i < steps.count; ++i) s.Set(i, v[i]);
    out.series.push_back(std::move(s));
    return out;
  }
  if (name == "scalar") {
    VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*call.args[0]));
    std::vector<double> out(steps.count, kNaN);
    for (size_t i = 0; i < steps.count; ++i) {
      size_t present = 0;
      for (const StepSeries& s : v.series) {
        if (!s.Has(i)) continue;
        if (++present == 1) out[i] = s.values[i];
      }
      if (present != 1) out[i] = kNaN;
    }
    return ScalarValue(std::move(out));
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown function \"", name, "\""));
}

}  // namespace vigil::query
