// Process set-up shared by vigil-agent and vigil-collector.
#pragma once

#include <signal.h>

namespace vigil {

// Settings for a long-running, mostly idle daemon:
// - at most two malloc arenas (gRPC's threads would each get one; for a process that
//   allocates little, extra arenas are only resident memory),
// - Abseil's mutex deadlock-cycle detection off (a debugging aid that costs CPU on
//   every lock in the shared library build),
// - SIGPIPE ignored (a closed socket is an error return, not a death).
void PrepareDaemonProcess();

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later, so
// that one thread can take them with sigwait(). Call before any thread starts.
sigset_t BlockTerminationSignals();

// The same for SIGTERM, SIGINT and SIGHUP (reload the configuration), for a daemon whose
// signal-handling thread also reloads.
sigset_t BlockTerminationAndReloadSignals();

}  // namespace vigil
