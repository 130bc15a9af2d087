// Converts rocksdb::Status to absl::Status at the storage boundary.
#pragma once

#include <rocksdb/status.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vigil::storage {

inline absl::Status FromRocksDb(const rocksdb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(context, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::UnavailableError(message);
}

}  // namespace vigil::storage
