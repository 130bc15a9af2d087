#include "agent/sources/kernel_params.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/file.h"
#include "common/log.h"

namespace vigil::agent {
namespace {

class KernelParamsSource : public Source {
 public:
  KernelParamsSource(std::string proc_root, std::string sys_root)
      : proc_root_(std::move(proc_root)), sys_root_(std::move(sys_root)) {}

  absl::string_view name() const override { return "kernel_params"; }

  absl::Status Collect(const TickContext& /*tick*/, SampleSink& sink) override {
    size_t missing = 0;
    for (const std::string& sysctl : DatabaseSysctls()) {
      const std::string path =
          absl::StrCat(proc_root_, "/sys/", absl::StrReplaceAll(sysctl, {{".", "/"}}));
      absl::Status read = ReadFileInto(path, &buffer_, 4096);
      if (!read.ok()) {
        ++missing;
        continue;
      }
      absl::StatusOr<std::vector<double>> values = ParseSysctlValues(buffer_);
      if (!values.ok()) {
        ++missing;
        if (warned_.insert(path).second) LogWarning(path, ": ", values.status().message());
        continue;
      }
      const std::string metric = SysctlMetricName(sysctl);
      if (values->size() == 1) {
        sink.Add(metric, {}, (*values)[0]);
        continue;
      }
      for (size_t i = 0; i < values->size(); ++i) {
        const std::string index = absl::StrCat(i);
        sink.Add(metric, {{"index", index}}, (*values)[i]);
      }
    }
    sink.Add("vigil_kernel_params_missing", {}, static_cast<double>(missing));

    for (const char* setting : {"enabled", "defrag"}) {
      absl::StatusOr<ThpSetting> thp = absl::NotFoundError("");
      for (const char* dir : {"transparent_hugepage", "redhat_transparent_hugepage"}) {
        const std::string path = absl::StrCat(sys_root_, "/kernel/mm/", dir, "/", setting);
        if (!ReadFileInto(path, &buffer_, 4096).ok()) continue;
        thp = ParseThpSetting(buffer_);
        if (!thp.ok() && warned_.insert(path).second) {
          LogWarning(path, ": ", thp.status().message());
        }
        break;
      }
      if (!thp.ok()) continue;  // a kernel without THP
      for (const std::string& choice : thp->choices) {
        sink.Add("vigil_transparent_hugepage", {{"setting", setting}, {"value", choice}},
                 choice == thp->selected ? 1 : 0);
      }
    }
    return absl::OkStatus();
  }

 private:
  const std::string proc_root_;
  const std::string sys_root_;
  std::string buffer_;
  absl::flat_hash_set<std::string> warned_;
};

}  // namespace

const std::vector<std::string>& DatabaseSysctls() {
  static const auto* sysctls = new std::vector<std::string>{
      "vm.swappiness",
      "vm.dirty_ratio",
      "vm.dirty_background_ratio",
      "vm.dirty_bytes",
      "vm.dirty_background_bytes",
      "vm.overcommit_memory",
      "vm.overcommit_ratio",
      "vm.nr_hugepages",
      "vm.hugetlb_shm_group",
      "vm.min_free_kbytes",
      "kernel.shmmax",
      "kernel.shmall",
      "kernel.shmmni",
      "kernel.sem",
      "kernel.panic_on_oops",
      "kernel.panic",
      "fs.file-max",
      "fs.aio-max-nr",
      "net.ipv4.ip_local_port_range",
      "net.core.rmem_default",
      "net.core.rmem_max",
      "net.core.wmem_default",
      "net.core.wmem_max",
  };
  return *sysctls;
}

std::string SysctlMetricName(absl::string_view sysctl) {
  std::string name = absl::StrCat("node_sysctl_", sysctl);
  for (char& c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  }
  return name;
}

absl::StatusOr<std::vector<double>> ParseSysctlValues(absl::string_view text) {
  std::vector<double> values;
  for (absl::string_view field :
       absl::StrSplit(text, absl::ByAnyChar(" \t\n"), absl::SkipEmpty())) {
    // kernel.shmmax and shmall can be 2^64-1 - 2^24 ("18446744073692774399"): as double.
    uint64_t whole = 0;
    int64_t negative = 0;
    if (absl::SimpleAtoi(field, &whole)) {
      values.push_back(static_cast<double>(whole));
    } else if (absl::SimpleAtoi(field, &negative)) {
      values.push_back(static_cast<double>(negative));
    } else {
      return absl::InvalidArgumentError(absl::StrCat("not a number: \"", field, "\""));
    }
  }
  if (values.empty()) return absl::InvalidArgumentError("empty");
  return values;
}

absl::StatusOr<ThpSetting> ParseThpSetting(absl::string_view text) {
  ThpSetting setting;
  for (absl::string_view word : absl::StrSplit(text, absl::ByAnyChar(" \t\n"), absl::SkipEmpty())) {
    if (word.size() > 2 && word.front() == '[' && word.back() == ']') {
      word = word.substr(1, word.size() - 2);
      setting.selected = std::string(word);
    }
    setting.choices.emplace_back(word);
  }
  if (setting.selected.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no [selected] value in \"", absl::StripAsciiWhitespace(text), "\""));
  }
  return setting;
}

absl::StatusOr<std::unique_ptr<Source>> CreateKernelParamsSource(const SourceOptions& options) {
  return std::make_unique<KernelParamsSource>(options.proc_root, options.sys_root);
}

}  // namespace vigil::agent
