// The collector's own metrics (served by the query service's Metrics call and printed
// by `vigilctl metrics`): ingest and storage counters, the head, the WAL, disk usage per
// resolution and the RocksDB figures that matter when the disk or compaction falls
// behind, and the certificate in use (its expiry; reloads after rotation). Everything is
// read at render time from the Tsdb, the connection table and the TlsReloader.
#pragma once

#include "absl/status/status.h"
#include "collector/ingest/connections.h"
#include "collector/storage/tsdb.h"
#include "common/metrics.h"
#include "common/tls_reloader.h"

namespace vigil::collector {

// Registers the metrics; `tsdb`, `connections` and `tls` must outlive every Render().
absl::Status RegisterCollectorMetrics(MetricsRegistry* registry, const storage::Tsdb* tsdb,
                                      const ingest::Connections* connections,
                                      const TlsReloader* tls);

}  // namespace vigil::collector
