// What the agent tells the collector about its host in every hello: kernel, OS
// release, CPU count, memory, and the boot id that changes at every reboot.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "vigil/v1/types.pb.h"

namespace vigil::agent {

// Parses /etc/os-release (KEY=value, values optionally quoted) into the facts.
void ParseOsRelease(absl::string_view text, v1::HostFacts* facts);

// Reads uname(), <root_fs>/etc/os-release, <proc_root>/meminfo. Missing pieces are left empty.
v1::HostFacts ReadHostFacts(const std::string& proc_root, const std::string& root_fs);

// <proc_root>/sys/kernel/random/boot_id without the newline; "" if unreadable.
std::string ReadBootId(const std::string& proc_root);

}  // namespace vigil::agent
