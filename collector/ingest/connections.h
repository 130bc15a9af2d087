// Which hosts have an ingest stream open right now. Shared by the ingest service
// (which opens and closes) and the query service (which reports `connected`).
// Thread-safe.
#pragma once

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace vigil::ingest {

class Connections {
 public:
  void Opened(const std::string& host) {
    absl::MutexLock lock(&mu_);
    ++open_[host];
  }
  void Closed(const std::string& host) {
    absl::MutexLock lock(&mu_);
    auto it = open_.find(host);
    if (it != open_.end() && --it->second <= 0) open_.erase(it);
  }
  bool IsConnected(const std::string& host) const {
    absl::MutexLock lock(&mu_);
    return open_.contains(host);
  }
  size_t ConnectedHosts() const {
    absl::MutexLock lock(&mu_);
    return open_.size();
  }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::ingest
