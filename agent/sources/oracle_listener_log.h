// Source "oracle_listener_log": follows the text log of each configured listener
// (oracle.listener_logs[]: name, path or "auto") and counts connections by service,
// refused connections by TNS code and TNS- errors. Refusals and TNS- errors are also
// events (kinds oracle_listener_refused, oracle_listener_error) whose text names the
// client's address, host, program and user (never labels: unbounded).
//
// "auto": $ORACLE_BASE/diag/tnslsnr/<host>/<name lower>/trace/<name lower>.log, with
// ORACLE_BASE from the running tnslsnr's environment, else the instances' oracle_base.
//
// Thread-safety: Collect() on the sampling thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/sources/source.h"

namespace vigil::agent {

// One line of the listener log.
struct ListenerLogRecord {
  enum class Type { kOther, kEstablish, kServiceUpdate, kError };
  Type type = Type::kOther;
  std::string service;  // kEstablish: SERVICE_NAME / SID; kServiceUpdate: the instance
  int status = 0;       // kEstablish: 0 = accepted, else the TNS code refusing it
  std::string code;     // kError: "TNS-12514"; kEstablish refused: "TNS-<status>"
  // kEstablish: the client, for event text only.
  std::string client_address, client_host, client_program, client_user;
};

// Parses "23-NOV-2026 10:15:02 * (CONNECT_DATA=...) * (ADDRESS=...) * establish * his * 0"
// and "TNS-12514: ..." lines; other lines are kOther.
ListenerLogRecord ParseListenerLogLine(absl::string_view line);

// The value of "(KEY=value)" in a connect descriptor; "" if absent.
std::string DescriptorValue(absl::string_view text, absl::string_view key);

absl::StatusOr<std::unique_ptr<Source>> CreateOracleListenerLogSource(const SourceOptions& options);

}  // namespace vigil::agent
