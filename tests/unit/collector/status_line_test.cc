// The collector's systemd STATUS line.
#include "collector/status_line.h"

#include <catch2/catch.hpp>

namespace vigil::collector {
namespace {

TEST_CASE("The status line reports agents and the storage rate since the last update") {
  const absl::Time start = absl::FromUnixSeconds(1000);
  StatusLine line("0.0.0.0:7070", 5000, start);
  CHECK(line.Update(start, 0, 5000) ==
        "listening on 0.0.0.0:7070; 0 agents connected; 0.0 samples/s stored");
  CHECK(line.Update(start + absl::Seconds(10), 1, 5000 + 25) ==
        "listening on 0.0.0.0:7070; 1 agent connected; 2.5 samples/s stored");
  CHECK(line.Update(start + absl::Seconds(20), 1000, 5025 + 5'000'000) ==
        "listening on 0.0.0.0:7070; 1000 agents connected; 500000 samples/s stored");
}

TEST_CASE("The status line names audit log write errors once there are any") {
  const absl::Time start = absl::FromUnixSeconds(1000);
  StatusLine line("0.0.0.0:7070, https 127.0.0.1:7071", 0, start);
  CHECK(line.Update(start, 2, 0, 0) ==
        "listening on 0.0.0.0:7070, https 127.0.0.1:7071; 2 agents connected; 0.0 samples/s "
        "stored");
  CHECK(line.Update(start, 2, 0, 3) ==
        "listening on 0.0.0.0:7070, https 127.0.0.1:7071; 2 agents connected; 0.0 samples/s "
        "stored; 3 audit log write errors");
}

}  // namespace
}  // namespace vigil::collector
