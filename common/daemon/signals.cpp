#include "common/daemon/signals.h"

#include <pthread.h>

namespace photon::common {

BlockedSignals::BlockedSignals(std::initializer_list<int> signals) {
  sigemptyset(&set_);
  for (int sig : signals) {
    sigaddset(&set_, sig);
    if (first_ == 0) first_ = sig;
  }
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int BlockedSignals::wait() const {
  int sig = 0;
  // sigwait fails only for an invalid set; the set is ours, so it is retried, never spun on.
  while (sigwait(&set_, &sig) != 0) {
  }
  return sig;
}

SignalThread::SignalThread(const BlockedSignals& signals, std::function<void(int)> handle)
    : signals_(signals), handle_(std::move(handle)) {
  thread_ = std::thread([this] {
    while (true) {
      int sig = signals_.wait();
      if (done_) break;
      handle_(sig);
    }
  });
}

SignalThread::~SignalThread() {
  done_ = true;
  // A signal aimed at this thread alone wakes its sigwait; it sees done_ and returns.
  pthread_kill(thread_.native_handle(), signals_.first());
  thread_.join();
}

const char* signalName(int sig) {
  switch (sig) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "signal";
  }
}

}  // namespace photon::common
