// `vigilctl rules check`, run as the built binary: offline, no collector, no config.
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace vigil::alerts {
namespace {

using vigil::testing::RunCommand;
using vigil::testing::TempDir;

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Run Vigilctl(std::vector<std::string> args) {
  args.insert(args.begin(), std::string(VIGIL_BIN_DIR) + "/vigilctl");
  Run run;
  const int status = RunCommand(args, &run.output);
  REQUIRE(WIFEXITED(status));
  run.exit_code = WEXITSTATUS(status);
  return run;
}

TEST_CASE("vigilctl rules check counts the groups and rules of good files", "[rules]") {
  TempDir dir;
  dir.WriteFile("good.yaml", R"(groups:
  - name: a
    rules:
      - alert: Down
        expr: up == 0
        for: 1m
      - alert: Busy
        expr: node_load1 > 10
  - name: b
    rules:
      - alert: Silent
        host_silent: 60s
)");
  dir.WriteFile("one.yaml",
                "groups:\n  - name: c\n    rules:\n      - alert: X\n        expr: up == 0\n");
  const Run run = Vigilctl({"rules", "check", dir.Path("good.yaml"), dir.Path("one.yaml")});
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(run.output == dir.Path("good.yaml") + ": 2 groups, 3 rules\n" + dir.Path("one.yaml") +
                          ": 1 group, 1 rule\n");
}

TEST_CASE("vigilctl rules check prints every error with file and line and exits 1", "[rules]") {
  TempDir dir;
  dir.WriteFile("bad.yaml", R"(groups:
  - name: a
    rules:
      - alert: Down
        expr: up == 0
        fro: 1m
      - alert: Busy
        expr: node_load1 >
)");
  dir.WriteFile("good.yaml",
                "groups:\n  - name: c\n    rules:\n      - alert: X\n        expr: up == 0\n");
  const Run run = Vigilctl({"rules", "check", dir.Path("bad.yaml"), dir.Path("good.yaml")});
  INFO(run.output);
  CHECK(run.exit_code == 1);
  CHECK(absl::StrContains(
      run.output, dir.Path("bad.yaml") + ":6: group \"a\", rule \"Down\": fro: unknown key"));
  CHECK(absl::StrContains(
      run.output, dir.Path("bad.yaml") + ":8: group \"a\", rule \"Busy\": expr: parse error"));
  // The good file is still checked and reported.
  CHECK(absl::StrContains(run.output, dir.Path("good.yaml") + ": 1 group, 1 rule\n"));

  const Run missing = Vigilctl({"rules", "check", dir.Path("nope.yaml")});
  CHECK(missing.exit_code == 1);
  CHECK(absl::StrContains(missing.output, "cannot read rule file: open " + dir.Path("nope.yaml")));
}

TEST_CASE("vigilctl rules check accepts the shipped rule packs", "[rules]") {
  const std::string rules = vigil::testing::TestDataDir() + "/../../deploy/rules";
  const Run run = Vigilctl({"rules", "check", rules + "/host.yaml", rules + "/database.yaml"});
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(absl::StrContains(run.output, "host.yaml: 5 groups, 19 rules\n"));
  CHECK(absl::StrContains(run.output, "database.yaml: 9 groups, 53 rules\n"));
}

}  // namespace
}  // namespace vigil::alerts
