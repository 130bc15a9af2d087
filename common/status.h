// Status helpers used at every module boundary. Vigil code does not throw across
// module boundaries: functions that can fail return absl::Status or absl::StatusOr.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status); returns it from the calling function if not ok.
#define VIGIL_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status vigil_status_ = (expr);         \
    if (!vigil_status_.ok()) return vigil_status_; \
  } while (0)

#define VIGIL_STATUS_CONCAT_INNER_(a, b) a##b
#define VIGIL_STATUS_CONCAT_(a, b) VIGIL_STATUS_CONCAT_INNER_(a, b)

// `VIGIL_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from an absl::StatusOr, or
// returns its status from the calling function.
#define VIGIL_ASSIGN_OR_RETURN(lhs, expr) \
  VIGIL_ASSIGN_OR_RETURN_IMPL_(VIGIL_STATUS_CONCAT_(vigil_statusor_, __LINE__), lhs, expr)

#define VIGIL_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)  \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()
