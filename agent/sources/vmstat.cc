#include "agent/sources/vmstat.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/sources/proc_file.h"

namespace vigil::agent {
namespace {

constexpr absl::string_view kExported[] = {"oom_kill", "pgfault", "pgmajfault", "pgpgin",
                                           "pgpgout",  "pswpin",  "pswpout"};

class VmstatSource : public Source {
 public:
  explicit VmstatSource(std::string path) : file_(std::move(path)) {}

  absl::string_view name() const override { return "vmstat"; }

  absl::Status Collect(const TickContext& tick, SampleSink& sink) override {
    absl::StatusOr<Vmstat> vmstat = file_.ReadAndParse(ParseVmstat);
    if (!vmstat.ok()) return vmstat.status();
    for (const auto& [field, value] : vmstat->fields) {
      sink.Add(absl::StrCat("node_vmstat_", field), {}, static_cast<double>(value));
    }
    auto oom = vmstat->fields.find("oom_kill");
    if (oom != vmstat->fields.end()) {
      // A lower value is a counter reset (the agent outlived nothing: a new boot).
      if (last_oom_kill_.has_value() && oom->second > *last_oom_kill_) {
        const uint64_t kills = oom->second - *last_oom_kill_;
        ++oom_events_;
        Event event;
        event.time = tick.now;
        event.kind = "oom_kill";
        event.severity = EventSeverity::kCritical;
        event.message = absl::StrCat(
            "the kernel's OOM killer killed ", kills, kills == 1 ? " process" : " processes", " (",
            oom->second,
            " since boot); the victim is named in the kernel log: journalctl -k | grep -i "
            "'killed process'");
        sink.AddEvent(std::move(event));
      }
      last_oom_kill_ = oom->second;
      sink.Add("vigil_vmstat_oom_kill_events_total", {}, static_cast<double>(oom_events_));
    }
    return absl::OkStatus();
  }

 private:
  ProcFile file_;
  std::optional<uint64_t> last_oom_kill_;
  uint64_t oom_events_ = 0;
};

}  // namespace

absl::StatusOr<Vmstat> ParseVmstat(absl::string_view text) {
  Vmstat vmstat;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    ++line_number;
    const std::vector<absl::string_view> f =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (f.size() != 2) {
      vmstat.skipped.Add(line_number, "expected \"name value\"");
      continue;
    }
    bool wanted = false;
    for (absl::string_view name : kExported) wanted |= f[0] == name;
    if (!wanted) continue;
    uint64_t value = 0;
    if (!absl::SimpleAtoi(f[1], &value)) {
      vmstat.skipped.Add(line_number, absl::StrCat("bad value for ", f[0]));
      continue;
    }
    vmstat.fields[std::string(f[0])] = value;
  }
  if (vmstat.fields.empty()) {
    return absl::InvalidArgumentError(vmstat.skipped.count > 0
                                          ? absl::StrCat("no valid fields; ", vmstat.skipped.first)
                                          : "none of pgfault, pgmajfault, pgpgin, pgpgout, pswpin, "
                                            "pswpout, oom_kill");
  }
  return vmstat;
}

absl::StatusOr<std::unique_ptr<Source>> CreateVmstatSource(const SourceOptions& options) {
  return std::make_unique<VmstatSource>(absl::StrCat(options.proc_root, "/vmstat"));
}

}  // namespace vigil::agent
