// The agent's end of the ingest stream: connects to a collector over mTLS, says hello
// (with the runs it still has a backlog of), then sends what the Outbox hands out
// (live batches first, the backlog between them) and passes the collector's
// acknowledgements back to it. Series are defined once per stream and run.
//
// Failover: `addresses` are tried in order; a failed attempt moves to the next at once,
// and after a whole round without success the link waits (exponential backoff with
// jitter, `initial_backoff` to `max_backoff`). A broken stream starts again from the
// first address; a stream to a later address is ended after `failback_after` so that
// the first one, when back, gets the data again.
//
// Certificates (common/tls_reloader.h): the TLS files are checked at every connection
// attempt and every `tls_check_interval` while connected: a valid replacement ends the
// stream (after the batches in flight are acknowledged, or two seconds) and the next
// one uses it; a broken or half-copied one is refused and logged, the last good
// material stays in use. No restart needed.
//
// Threading: Run() blocks on the calling thread (plus one reader thread per stream);
// Stop() and the accessors may be called from any thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "agent/transport/outbox.h"
#include "common/clock.h"
#include "common/tls.h"
#include "common/tls_reloader.h"
#include "vigil/v1/ingest.grpc.pb.h"

namespace vigil::agent {

struct LinkOptions {
  std::vector<std::string> addresses;  // host:port of each collector, in failover order
  std::string server_name;  // name to verify in the collector's certificate; "" = host of address
  TlsFiles tls;
  absl::Duration initial_backoff = absl::Milliseconds(500);
  // Short: once a collector is back, live samples must reach it within seconds, so a
  // long outage must not leave the agent in a long wait (each is 0.5 to 1.5 times the
  // backoff). A refused connection every few seconds costs a collector nothing.
  absl::Duration max_backoff = absl::Seconds(5);
  absl::Duration failback_after = absl::Minutes(10);
  absl::Duration tls_check_interval = absl::Seconds(10);
};

struct LinkStats {
  bool connected = false;
  std::vector<std::string> addresses;  // configured, in failover order
  std::string address;                 // of the open stream ("" if none)
  uint64_t connects = 0;               // streams established since start
  uint64_t connect_failures = 0;       // attempts that failed or streams that broke
  double certificate_expiry_unix = 0;  // not-after of our certificate (0: unknown)
  uint64_t tls_reloads = 0;            // replaced TLS files taken into use
  uint64_t tls_reload_errors = 0;      // replaced TLS files refused
};

class CollectorLink {
 public:
  // Does not own outbox or clock; they must outlive the link.
  CollectorLink(LinkOptions options, v1::Hello hello, Outbox* outbox, const Clock* clock);

  void Run();
  // Ends the stream and makes Run() return.
  void Stop();
  // Takes new options (a configuration reload); a stream to an address still listed
  // with the same TLS files and server name stays up, otherwise it is ended and the
  // next connection uses the new options.
  void Reconfigure(LinkOptions options);

  bool connected() const { return connected_.load(); }
  LinkStats stats() const;

 private:
  // One connection attempt and the stream's life; returns why it ended.
  absl::Status RunStream(const LinkOptions& options, size_t index);
  LinkOptions options() const;
  bool ShouldEnd(const LinkOptions& options, size_t index, absl::Time connected_at,
                 std::string* why);

  const v1::Hello hello_;
  Outbox* const outbox_;
  const Clock* const clock_;

  absl::Notification stop_;
  bool failing_back_ = false;         // Run()'s thread only
  std::unique_ptr<TlsReloader> tls_;  // Run()'s thread only
  std::atomic<bool> connected_{false};
  mutable absl::Mutex mu_;
  LinkOptions options_ ABSL_GUARDED_BY(mu_);
  bool reconfigured_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::string address_ ABSL_GUARDED_BY(mu_);
  uint64_t connects_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t connect_failures_ ABSL_GUARDED_BY(mu_) = 0;
  double certificate_expiry_unix_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t tls_reloads_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t tls_reload_errors_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vigil::agent
