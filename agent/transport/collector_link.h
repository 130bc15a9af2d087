// The agent's end of the ingest stream: connects to the collector over mTLS, says
// hello, sends pending batches in order (defining each series once per stream) and
// drops them from PendingBatches when the collector acknowledges them as durable.
// Reconnects with exponential backoff and jitter; the certificate files are read again
// at every connection attempt, so a replaced certificate is used without a restart.
//
// Threading: Run() blocks on the calling thread (plus one reader thread per stream);
// Stop() may be called from any thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "agent/series_registry.h"
#include "agent/transport/pending_batches.h"
#include "common/clock.h"
#include "common/tls.h"
#include "vigil/v1/ingest.grpc.pb.h"

namespace vigil::agent {

struct LinkOptions {
  std::string address;      // host:port of the collector
  std::string server_name;  // name to verify in the collector's certificate; "" = host of address
  TlsFiles tls;
  absl::Duration initial_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(30);
};

class CollectorLink {
 public:
  // Does not own registry, pending or clock; they must outlive the link.
  CollectorLink(LinkOptions options, v1::Hello hello, SeriesRegistry* registry,
                PendingBatches* pending, const Clock* clock);

  void Run();
  void Stop();

  bool connected() const { return connected_.load(); }
  // The host name the collector derived from our certificate ("" before the first hello).
  std::string host() const;

 private:
  absl::Status RunStream();

  const LinkOptions options_;
  const v1::Hello hello_;
  SeriesRegistry* const registry_;
  PendingBatches* const pending_;
  const Clock* const clock_;

  absl::Notification stop_;
  std::atomic<bool> connected_{false};
  mutable absl::Mutex mu_;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::string host_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::agent
