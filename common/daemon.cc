#include "common/daemon.h"

#include <malloc.h>
#include <pthread.h>

#include <initializer_list>

#include "absl/synchronization/mutex.h"

namespace vigil {

void PrepareDaemonProcess() {
  mallopt(M_ARENA_MAX, 2);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  signal(SIGPIPE, SIG_IGN);
}

namespace {

sigset_t Block(std::initializer_list<int> numbers) {
  sigset_t signals;
  sigemptyset(&signals);
  for (int number : numbers) sigaddset(&signals, number);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace

sigset_t BlockTerminationSignals() { return Block({SIGTERM, SIGINT}); }

sigset_t BlockTerminationAndReloadSignals() { return Block({SIGTERM, SIGINT, SIGHUP}); }

}  // namespace vigil
