// Oracle instances and listeners found in the process table, without connecting to the
// database (so it works when the instance is hung or out of sessions).
//
// Background processes are named "ora_<role>_<SID>" ("ora_pmon_ORCL", "ora_dbw0_HIS_PRD"),
// ASM ones "asm_<role>_+ASM1"; an instance exists iff its pmon does. Dedicated server
// processes are "oracle<SID> (LOCAL=NO)" or "oracle<SID> (DESCRIPTION=...)", listeners
// "<ORACLE_HOME>/bin/tnslsnr <name> -inherit".
//
// Metrics (db="oracle", or "oracle_asm" for ASM instances):
//   vigil_db_up{instance_name=SID}               1 while pmon runs; 0 for SIDs seen since
//       the agent started or configured as expected that are gone, which is then the only
//       metric of the instance
//   vigil_process_up{instance_name,role}         pmon, smon, lgwr, dbw, ckpt, reco, mmon,
//       arc (arc is 0 when the database is not in archivelog mode); ASM instances only
//       pmon, smon, lgwr, dbw, ckpt (an ASM instance has no reco, mmon or archivers)
//   vigil_process_count{instance_name,role}      dbw (DBWn and BWnn), arc (ARCn)
//   vigil_db_backends{instance_name}             dedicated server processes
//   vigil_db_start_time_seconds{instance_name}   pmon start, Unix time
//   vigil_oracle_listener_up{listener}           1/0, remembered and expected like SIDs
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/sources/source.h"

namespace vigil::agent {

// A background process name split into its parts; views into the parsed name.
struct OracleBackgroundName {
  bool asm_instance = false;  // "asm_" rather than "ora_"
  absl::string_view role;     // "pmon", "dbw0", "lg00": between the first two '_'
  absl::string_view sid;      // the rest: "ORCL", "HIS_PRD", "+ASM1"
};

// Parses the first cmdline element of a background process ("ora_pmon_HIS_PRD",
// "asm_pmon_+ASM", trailing spaces ignored); nullopt for anything else.
std::optional<OracleBackgroundName> ParseOracleBackgroundName(absl::string_view argv0);

// The family a role is counted in: "dbw" for dbw0..dbw9, dbwa..dbwz and bw00..bw99;
// "arc" for arc0..arc9, arca..arcz; the role itself otherwise.
absl::string_view OracleRoleFamily(absl::string_view role);

// The SID of a dedicated server process: ["oracleORCL (LOCAL=NO)"] or
// ["oracleORCL", "(DESCRIPTION=(LOCAL=YES)(ADDRESS=(PROTOCOL=beq)))"]; nullopt otherwise.
// A view into `argv`.
std::optional<absl::string_view> ParseOracleDedicatedServer(const std::vector<std::string>& argv);

// The listener name of a tnslsnr process: argv[1] if present and not an option,
// else "LISTENER"; nullopt if argv[0]'s basename is not "tnslsnr". A view into `argv`
// or a literal.
std::optional<absl::string_view> ParseTnsListener(const std::vector<std::string>& argv);

// Creates the "oracle" source. options.oracle.expected_sids and
// options.oracle.expected_listeners are reported as down even if never seen up.
absl::StatusOr<std::unique_ptr<Source>> CreateOracleProcessSource(const SourceOptions& options);

}  // namespace vigil::agent
