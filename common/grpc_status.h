// absl::Status -> grpc::Status at the edge of a gRPC service: the codes are the same
// numbers (both follow google.rpc.Code), the message is kept.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace vigil {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace vigil
