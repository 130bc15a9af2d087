#include "common/daemon.h"

#include <malloc.h>
#include <pthread.h>

#include "absl/synchronization/mutex.h"

namespace vigil {

void PrepareDaemonProcess() {
  mallopt(M_ARENA_MAX, 2);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  signal(SIGPIPE, SIG_IGN);
}

sigset_t BlockTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace vigil
