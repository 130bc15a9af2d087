#include "agent/sources/loadavg.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/sources/proc_file.h"
#include "common/file.h"

namespace vigil::agent {
namespace {

class LoadavgSource : public Source {
 public:
  explicit LoadavgSource(std::string path) : file_(std::move(path)) {}

  absl::string_view name() const override { return "loadavg"; }

  absl::Status Collect(const TickContext& /*tick*/, SampleSink& sink) override {
    absl::StatusOr<Loadavg> load = file_.ReadAndParse(ParseLoadavg);
    if (!load.ok()) return load.status();
    sink.Add("node_load1", {}, load->load1);
    sink.Add("node_load5", {}, load->load5);
    sink.Add("node_load15", {}, load->load15);
    return absl::OkStatus();
  }

 private:
  ProcFile file_;
};

}  // namespace

absl::StatusOr<Loadavg> ParseLoadavg(absl::string_view text) {
  const absl::string_view line = text.substr(0, text.find('\n'));
  const std::vector<absl::string_view> fields =
      absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (fields.size() < 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("line 1: expected 3 load averages, got ", fields.size(), " fields"));
  }
  Loadavg load;
  double* targets[] = {&load.load1, &load.load5, &load.load15};
  for (size_t i = 0; i < 3; ++i) {
    if (!absl::SimpleAtod(fields[i], targets[i]) || !std::isfinite(*targets[i]) ||
        *targets[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("line 1: bad load average \"", fields[i], "\""));
    }
  }
  return load;
}

absl::StatusOr<std::unique_ptr<Source>> CreateLoadavgSource(const SourceOptions& options) {
  return std::make_unique<LoadavgSource>(absl::StrCat(options.proc_root, "/loadavg"));
}

}  // namespace vigil::agent
