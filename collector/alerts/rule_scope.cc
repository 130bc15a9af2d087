#include "collector/alerts/rule_scope.h"

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include "common/labels.h"

namespace vigil::alerts {
namespace {

using query::Expr;

bool Names(const std::vector<std::string>& labels, absl::string_view name) {
  return std::find(labels.begin(), labels.end(), name) != labels.end();
}

// A scalar that is the same whichever hosts are read: literals, time() and arithmetic
// on them.
bool IsConstantScalar(const Expr& e) {
  if (std::holds_alternative<query::NumberLiteral>(e.node)) return true;
  if (const auto* c = std::get_if<query::Call>(&e.node)) {
    if (c->name == "scalar") return false;
    for (const query::ExprPtr& a : c->args) {
      if (a->type == query::ValueType::kScalar && !IsConstantScalar(*a)) return false;
      if (a->type != query::ValueType::kScalar && a->type != query::ValueType::kString) {
        return false;
      }
    }
    return true;
  }
  if (const auto* b = std::get_if<query::Binary>(&e.node)) {
    return IsConstantScalar(*b->lhs) && IsConstantScalar(*b->rhs);
  }
  if (const auto* n = std::get_if<query::Negation>(&e.node)) return IsConstantScalar(*n->expr);
  if (const auto* p = std::get_if<query::Paren>(&e.node)) return IsConstantScalar(*p->expr);
  return false;
}

bool Local(const Expr& e) {
  if (e.type == query::ValueType::kScalar) return IsConstantScalar(e);
  if (e.type == query::ValueType::kString) return true;
  return std::visit(
      [&](const auto& n) -> bool {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, query::VectorSelector> ||
                      std::is_same_v<T, query::MatrixSelector>) {
          return true;  // every stored series carries its host's instance label
        } else if constexpr (std::is_same_v<T, query::Call>) {
          if (n.name == "absent" || n.name == "absent_over_time" || n.name == "vector") {
            return false;
          }
          // hour(), day_of_week() ... without an argument read the time, not a series:
          // their one result has no instance.
          if (n.args.empty()) return false;
          if ((n.name == "label_replace" || n.name == "label_join") && n.args.size() > 1) {
            const auto* dst = std::get_if<query::StringLiteral>(&n.args[1]->node);
            if (dst == nullptr || dst->value == kInstanceLabel) return false;
          }
          for (const query::ExprPtr& a : n.args) {
            if (!Local(*a)) return false;
          }
          return true;
        } else if constexpr (std::is_same_v<T, query::AggregateExpr>) {
          const bool keeps_instance =
              n.without ? !Names(n.grouping, kInstanceLabel) : Names(n.grouping, kInstanceLabel);
          if (!keeps_instance) return false;
          if (n.param != nullptr && !IsConstantScalar(*n.param)) return false;
          return Local(*n.expr);
        } else if constexpr (std::is_same_v<T, query::Binary>) {
          if (!Local(*n.lhs) || !Local(*n.rhs)) return false;
          const bool both_vectors = n.lhs->type == query::ValueType::kInstantVector &&
                                    n.rhs->type == query::ValueType::kInstantVector;
          if (!both_vectors) return true;
          return n.matching.on ? Names(n.matching.labels, kInstanceLabel)
                               : !Names(n.matching.labels, kInstanceLabel);
        } else if constexpr (std::is_same_v<T, query::Negation> ||
                             std::is_same_v<T, query::Paren>) {
          return Local(*n.expr);
        } else {
          return false;  // a literal typed as a vector cannot happen
        }
      },
      e.node);
}

}  // namespace

bool IsHostLocal(const query::Expr& expr) {
  return expr.type == query::ValueType::kInstantVector && Local(expr);
}

}  // namespace vigil::alerts
