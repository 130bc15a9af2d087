// The collector's own metrics (served by the query service's Metrics call and printed
// by `vigilctl metrics`): ingest and storage counters, the head, the WAL, disk usage per
// resolution and the RocksDB figures that matter when the disk or compaction falls
// behind. Everything is read at render time from the Tsdb and the connection table.
#pragma once

#include "absl/status/status.h"
#include "collector/ingest/connections.h"
#include "collector/storage/tsdb.h"
#include "common/metrics.h"

namespace vigil::collector {

// Registers the metrics; `tsdb` and `connections` must outlive every Render().
absl::Status RegisterCollectorMetrics(MetricsRegistry* registry, const storage::Tsdb* tsdb,
                                      const ingest::Connections* connections);

}  // namespace vigil::collector
