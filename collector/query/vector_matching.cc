// Vector/vector operations, as Prometheus 2.x's VectorBinop, VectorAnd, VectorOr and
// VectorUnless: series pair up by their signature (the labels of on(...), or all but
// ignoring(...) and __name__); the "one" side must be unique per signature at each step
// (else the many-to-many error), one-to-one matches must be unique on the other side
// too, group_left/group_right copy `include` labels from the one side.
//
// Signatures and result labels are computed once per series (pair), then every step
// only compares small integers.
#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "collector/query/binary_ops.h"
#include "collector/query/series_collector.h"
#include "common/status.h"

namespace vigil::query {
namespace {

using Cardinality = VectorMatching::Cardinality;

// The labels a signature is made of (Go's Labels.MatchLabels).
LabelSet MatchLabels(const LabelSet& labels, const VectorMatching& m) {
  std::vector<Label> kept;
  for (const Label& l : labels.labels()) {
    const bool listed = std::find(m.labels.begin(), m.labels.end(), l.name) != m.labels.end();
    if (m.on ? listed : (!listed && l.name != kMetricNameLabel)) kept.push_back(l);
  }
  return LabelSet(std::move(kept));
}

// Numbers the signatures of both sides' series.
class Signatures {
 public:
  Signatures(const StepMatrix& lhs, const StepMatrix& rhs, const VectorMatching& m) {
    for (const StepSeries& s : lhs) lhs_.push_back(Id(MatchLabels(s.labels, m).Canonical()));
    for (const StepSeries& s : rhs) rhs_.push_back(Id(MatchLabels(s.labels, m).Canonical()));
  }
  const std::vector<size_t>& lhs() const { return lhs_; }
  const std::vector<size_t>& rhs() const { return rhs_; }
  size_t count() const { return ids_.size(); }

 private:
  size_t Id(std::string key) { return ids_.try_emplace(std::move(key), ids_.size()).first->second; }
  absl::flat_hash_map<std::string, size_t> ids_;
  std::vector<size_t> lhs_, rhs_;
};

bool AnyAt(const StepMatrix& m, size_t step) {
  for (const StepSeries& s : m) {
    if (s.Has(step)) return true;
  }
  return false;
}

// Output ids of input series (their own labels), resolved on first use.
class Passthrough {
 public:
  Passthrough(const StepMatrix& m, SeriesCollector* out)
      : m_(m), out_(*out), ids_(m.size(), SIZE_MAX) {}
  bool Copy(size_t k, size_t step) {
    if (ids_[k] == SIZE_MAX) ids_[k] = out_.Resolve(m_[k].labels);
    return out_.Set(ids_[k], step, m_[k].values[step]);
  }

 private:
  const StepMatrix& m_;
  SeriesCollector& out_;
  std::vector<size_t> ids_;
};

absl::StatusOr<EvalValue> SetOperation(const Steps& steps, const Binary& b, const StepMatrix& lhs,
                                       const StepMatrix& rhs) {
  const Signatures sigs(lhs, rhs, b.matching);
  SeriesCollector out(steps.count);
  Passthrough left(lhs, &out), right(rhs, &out);
  std::vector<size_t> stamp(sigs.count(), 0);  // step + 1 where a signature was seen
  for (size_t i = 0; i < steps.count; ++i) {
    const size_t mark = i + 1;
    const bool any_l = AnyAt(lhs, i), any_r = AnyAt(rhs, i);
    bool ok = true;
    switch (b.op) {
      case BinaryOp::kAnd:
        if (!any_l || !any_r) break;
        for (size_t k = 0; k < rhs.size(); ++k) {
          if (rhs[k].Has(i)) stamp[sigs.rhs()[k]] = mark;
        }
        for (size_t k = 0; k < lhs.size(); ++k) {
          if (lhs[k].Has(i) && stamp[sigs.lhs()[k]] == mark) ok = left.Copy(k, i) && ok;
        }
        break;
      case BinaryOp::kOr:
        for (size_t k = 0; k < lhs.size(); ++k) {
          if (!lhs[k].Has(i)) continue;
          stamp[sigs.lhs()[k]] = mark;
          ok = left.Copy(k, i) && ok;
        }
        for (size_t k = 0; k < rhs.size(); ++k) {
          if (rhs[k].Has(i) && stamp[sigs.rhs()[k]] != mark) ok = right.Copy(k, i) && ok;
        }
        break;
      case BinaryOp::kUnless:
        if (any_r && any_l) {
          for (size_t k = 0; k < rhs.size(); ++k) {
            if (rhs[k].Has(i)) stamp[sigs.rhs()[k]] = mark;
          }
        }
        for (size_t k = 0; k < lhs.size(); ++k) {
          if (lhs[k].Has(i) && stamp[sigs.lhs()[k]] != mark) ok = left.Copy(k, i) && ok;
        }
        break;
      default:
        return absl::InternalError("not a set operator");
    }
    if (!ok) return DuplicateLabelsetError();
  }
  EvalValue result;
  result.type = ValueType::kInstantVector;
  result.series = out.Take();
  return result;
}

// Prometheus' resultMetric: the "many" side's labels, without the name after
// arithmetic; one-to-one keeps only on(...) or drops ignoring(...); group_x(include)
// copies (or removes) those labels from the "one" side; `bool` drops the name.
LabelSet ResultLabels(const LabelSet& many, const LabelSet& one, const Binary& b) {
  const VectorMatching& m = b.matching;
  std::vector<Label> kept;
  for (const Label& l : many.labels()) {
    if (l.name == kMetricNameLabel && (DropsMetricName(b.op) || b.return_bool)) continue;
    if (m.cardinality == Cardinality::kOneToOne) {
      const bool listed = std::find(m.labels.begin(), m.labels.end(), l.name) != m.labels.end();
      if (m.on != listed) continue;
    }
    kept.push_back(l);
  }
  LabelSet out(std::move(kept));
  for (const std::string& name : m.include) {
    const absl::string_view v = one.Get(name);
    if (v.empty()) {
      out.Remove(name);
    } else {
      out.Set(name, v);
    }
  }
  // `bool` drops the name after the include labels (which may have brought it back).
  if (b.return_bool) out.Remove(kMetricNameLabel);
  return out;
}

absl::StatusOr<EvalValue> MatchOperation(Evaluator& ev, const Binary& b, const StepMatrix& lhs,
                                         const StepMatrix& rhs) {
  const Steps& steps = ev.steps();
  const VectorMatching& matching = b.matching;
  const Signatures sigs(lhs, rhs, matching);
  // For group_right the sides swap: the left is then the "one" side.
  const bool swapped = matching.cardinality == Cardinality::kOneToMany;
  const StepMatrix& many = swapped ? rhs : lhs;
  const StepMatrix& one = swapped ? lhs : rhs;
  const std::vector<size_t>& many_sig = swapped ? sigs.rhs() : sigs.lhs();
  const std::vector<size_t>& one_sig = swapped ? sigs.lhs() : sigs.rhs();

  SeriesCollector out(steps.count);
  std::vector<size_t> one_stamp(sigs.count(), 0), one_at(sigs.count(), 0);
  std::vector<size_t> matched_stamp(sigs.count(), 0);
  std::vector<size_t> out_stamp, out_sig;
  absl::flat_hash_map<std::pair<size_t, size_t>, size_t> pair_ids;
  for (size_t i = 0; i < steps.count; ++i) {
    if (!AnyAt(lhs, i) || !AnyAt(rhs, i)) continue;
    const size_t mark = i + 1;
    for (size_t j = 0; j < one.size(); ++j) {
      if (!one[j].Has(i)) continue;
      const size_t sig = one_sig[j];
      if (one_stamp[sig] == mark) {
        return ExecutionError(absl::StrCat(
            "found duplicate series for the match group ",
            GoLabelsString(MatchLabels(one[j].labels, matching)), " on the ",
            swapped ? "left" : "right", " hand-side of the operation: [",
            GoLabelsString(one[j].labels), ", ", GoLabelsString(one[one_at[sig]].labels),
            "];many-to-many matching not allowed: matching labels must be unique on one side"));
      }
      one_stamp[sig] = mark;
      one_at[sig] = j;
    }
    bool duplicate = false;
    for (size_t k = 0; k < many.size(); ++k) {
      if (!many[k].Has(i)) continue;
      const size_t sig = many_sig[k];
      if (one_stamp[sig] != mark) continue;
      const size_t j = one_at[sig];
      double vl = many[k].values[i], vr = one[j].values[i];
      if (swapped) std::swap(vl, vr);
      double value;
      const bool keep = ApplyOp(b.op, vl, vr, &value);
      if (b.return_bool) {
        value = keep ? 1 : 0;
      } else if (!keep) {
        continue;
      }
      auto [it, inserted] = pair_ids.try_emplace({k, j}, 0);
      if (inserted) {
        it->second = out.Resolve(ResultLabels(many[k].labels, one[j].labels, b));
        out_stamp.resize(out.ids(), 0);
        out_sig.resize(out.ids(), 0);
      }
      const size_t id = it->second;
      if (matching.cardinality == Cardinality::kOneToOne) {
        if (matched_stamp[sig] == mark) {
          return ExecutionError(
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)");
        }
        matched_stamp[sig] = mark;
      } else if (out_stamp[id] == mark && out_sig[id] == sig) {
        return ExecutionError(
            "multiple matches for labels: grouping labels must ensure unique matches");
      }
      out_stamp[id] = mark;
      out_sig[id] = sig;
      if (!out.Set(id, i, value)) duplicate = true;
    }
    if (duplicate) return DuplicateLabelsetError();
    VIGIL_RETURN_IF_ERROR(ev.ctx().Tick(many.size() + one.size()));
  }
  EvalValue result;
  result.type = ValueType::kInstantVector;
  result.series = out.Take();
  return result;
}

}  // namespace

absl::StatusOr<EvalValue> EvalVectorBinary(Evaluator& ev, const Binary& b, const EvalValue& lhs,
                                           const EvalValue& rhs) {
  if (IsSetOperator(b.op)) return SetOperation(ev.steps(), b, lhs.series, rhs.series);
  return MatchOperation(ev, b, lhs.series, rhs.series);
}

}  // namespace vigil::query
