#include "agent/host_facts.h"

#include <sys/utsname.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "agent/sources/meminfo.h"
#include "common/file.h"
#include "common/utf8.h"

namespace vigil::agent {

void ParseOsRelease(absl::string_view text, v1::HostFacts* facts) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    absl::string_view value = absl::StripAsciiWhitespace(kv.second);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    if (kv.first == "PRETTY_NAME")
      facts->set_os_pretty_name(std::string(value));
    else if (kv.first == "ID")
      facts->set_os_id(std::string(value));
    else if (kv.first == "VERSION_ID")
      facts->set_os_version_id(std::string(value));
  }
}

v1::HostFacts ReadHostFacts(const std::string& proc_root, const std::string& root_fs) {
  v1::HostFacts facts;
  struct utsname u {};
  if (uname(&u) == 0) {
    facts.set_hostname(u.nodename);
    facts.set_kernel_release(u.release);
    facts.set_kernel_version(u.version);
    facts.set_machine(u.machine);
  }
  const std::string prefix = root_fs == "/" ? "" : root_fs;
  for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
    absl::StatusOr<std::string> text = ReadFile(prefix + path, 64 << 10);
    if (text.ok()) {
      ParseOsRelease(*text, &facts);
      break;
    }
  }
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus > 0) facts.set_cpu_count(static_cast<uint32_t>(cpus));
  absl::StatusOr<std::string> meminfo_text = ReadFile(proc_root + "/meminfo", 1 << 20);
  if (meminfo_text.ok()) {
    absl::StatusOr<Meminfo> meminfo = ParseMeminfo(*meminfo_text);
    if (meminfo.ok()) facts.set_memory_bytes(meminfo->Get("MemTotal").value_or(0));
  }
  for (std::string* text :
       {facts.mutable_hostname(), facts.mutable_kernel_release(), facts.mutable_kernel_version(),
        facts.mutable_machine(), facts.mutable_os_pretty_name(), facts.mutable_os_id(),
        facts.mutable_os_version_id()}) {
    *text = ToValidUtf8(*text);
  }
  return facts;
}

std::string ReadBootId(const std::string& proc_root) {
  absl::StatusOr<std::string> id = ReadFile(proc_root + "/sys/kernel/random/boot_id", 4096);
  if (!id.ok()) return "";
  return std::string(absl::StripAsciiWhitespace(*id));
}

}  // namespace vigil::agent
