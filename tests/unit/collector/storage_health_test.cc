// StorageHealth, the collector's watchdog check, with times the test chooses.
#include "collector/storage_health.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"

namespace vigil::collector {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1000);
constexpr absl::Duration kMaintenance = absl::Seconds(10);
constexpr absl::Duration kSnapshot = absl::Minutes(2);

TEST_CASE("Storage is healthy while maintenance runs and snapshots are written") {
  StorageHealth health(kMaintenance, kSnapshot, kStart);
  CHECK(health.maintenance_limit() == absl::Seconds(30));
  CHECK(health.snapshot_limit() == absl::Seconds(390));
  CHECK(health.Check(kStart).ok());
  CHECK(health.Check(kStart + absl::Seconds(30)).ok());
  uint64_t snapshots = 0;
  for (absl::Time t = kStart; t < kStart + absl::Hours(1); t += kMaintenance) {
    if ((t - kStart) % kSnapshot == absl::ZeroDuration()) ++snapshots;
    health.RecordMaintenance(t, absl::OkStatus(), snapshots);
    CHECK(health.Check(t + absl::Seconds(5)).ok());
  }
}

TEST_CASE("A maintenance loop silent for three periods fails the check") {
  StorageHealth health(kMaintenance, kSnapshot, kStart);
  health.RecordMaintenance(kStart + absl::Seconds(10), absl::OkStatus(), 0);
  CHECK(health.Check(kStart + absl::Seconds(40)).ok());
  const absl::Status hung = health.Check(kStart + absl::Seconds(41));
  CHECK(hung.code() == absl::StatusCode::kUnavailable);
  CHECK(absl::StrContains(hung.message(), "maintenance has not completed a run for 31s"));
  // It recovers when the loop comes back.
  health.RecordMaintenance(kStart + absl::Seconds(42), absl::OkStatus(), 0);
  CHECK(health.Check(kStart + absl::Seconds(43)).ok());
}

TEST_CASE("Snapshots that keep failing fail the check; one bad series does not") {
  StorageHealth health(kMaintenance, kSnapshot, kStart);
  const absl::Status write_error =
      absl::UnavailableError("storage: write head snapshot: IO error: No space left on device");
  absl::Time t = kStart;
  // Maintain() reports a window it could not write, but snapshots go on.
  uint64_t snapshots = 0;
  for (; t <= kStart + absl::Minutes(10); t += kMaintenance) {
    if ((t - kStart) % kSnapshot == absl::ZeroDuration()) ++snapshots;
    health.RecordMaintenance(t, absl::DataLossError("one corrupt chunk"), snapshots);
    CHECK(health.Check(t).ok());
  }
  // Then every write fails: the snapshot count stops.
  const absl::Time last_snapshot = t - kMaintenance;
  for (; t <= last_snapshot + absl::Seconds(390); t += kMaintenance) {
    health.RecordMaintenance(t, write_error, snapshots);
    CHECK(health.Check(t).ok());
  }
  health.RecordMaintenance(t, write_error, snapshots);
  const absl::Status broken = health.Check(t);
  CHECK(broken.code() == absl::StatusCode::kUnavailable);
  CHECK(absl::StrContains(broken.message(), "has not written a head snapshot for 6m40s"));
  CHECK(absl::StrContains(broken.message(), "No space left on device"));
}

}  // namespace
}  // namespace vigil::collector
