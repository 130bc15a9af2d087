// Whether an alert rule's expression can be evaluated for one host at a time.
//
// Rules are evaluated when data arrives; with a thousand agents sending every second,
// evaluating every rule over every host on each arrival would cost a thousand times
// what is needed. A rule is host-local when each series of its result comes from one
// host's series only and keeps that host's `instance` label: then evaluating it with
// the extra matcher instance="H" (query::Engine::InstantExpr's scope) gives exactly the
// part of the full result that belongs to H. That holds for selectors, functions that
// keep labels, aggregations by (..., instance, ...) or without (...) not naming
// instance, and vector matching on (..., instance, ...) or ignoring (...) not naming
// instance, with constant scalars. It does not hold for absent(), vector(), scalar(),
// aggregations across hosts, or a label_replace that writes instance; such rules are
// evaluated over all hosts (at most once a second when data arrives).
//
// Thread-safe (pure functions).
#pragma once

#include "collector/query/ast.h"

namespace vigil::alerts {

bool IsHostLocal(const query::Expr& expr);

}  // namespace vigil::alerts
