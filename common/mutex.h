// std::mutex and std::shared_mutex with clang's thread-safety annotations (libstdc++'s are not
// annotated, so -Wthread-safety cannot see them): a member marked GUARDED_BY(mutex_) is then
// checked to be touched only under a MutexLock on it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#include "common/thread_annotations.h"

namespace photon::common {

class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }
  // Tells the analysis the mutex is held where it cannot see it: in a condition variable's
  // predicate, which MutexLock::wait runs under the lock.
  void assertHeld() const ASSERT_CAPABILITY(this) {}
  std::mutex& native() RETURN_CAPABILITY(this) { return mutex_; }

 private:
  std::mutex mutex_;
};

// Holds a Mutex for its scope (std::unique_lock underneath, so a condition variable can wait
// on it).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : lock_(mutex.native()) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Released early (and taken again) around work that must not run under the mutex.
  void unlock() RELEASE() { lock_.unlock(); }
  void lock() ACQUIRE() { lock_.lock(); }

  // Waits on `cv`, the mutex released meanwhile; `done` runs with it held.
  template <typename Pred>
  void wait(std::condition_variable& cv, Pred done) {
    cv.wait(lock_, done);
  }
  void wait(std::condition_variable& cv) { cv.wait(lock_); }
  template <typename Rep, typename Period, typename Pred>
  bool waitFor(std::condition_variable& cv, std::chrono::duration<Rep, Period> limit, Pred done) {
    return cv.wait_for(lock_, limit, done);
  }
  template <typename Clock, typename Duration, typename Pred>
  bool waitUntil(std::condition_variable& cv, std::chrono::time_point<Clock, Duration> deadline,
                 Pred done) {
    return cv.wait_until(lock_, deadline, done);
  }
  template <typename Clock, typename Duration>
  std::cv_status waitUntil(std::condition_variable& cv,
                           std::chrono::time_point<Clock, Duration> deadline) {
    return cv.wait_until(lock_, deadline);
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

class CAPABILITY("shared mutex") SharedMutex {
 public:
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }
  void lock_shared() ACQUIRE_SHARED() { mutex_.lock_shared(); }
  void unlock_shared() RELEASE_SHARED() { mutex_.unlock_shared(); }

 private:
  std::shared_mutex mutex_;
};

// Holds a SharedMutex exclusively (writers) for its scope.
class SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~WriterLock() RELEASE() { mutex_.unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex& mutex_;
};

// Holds a SharedMutex shared (readers) for its scope.
class SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mutex) ACQUIRE_SHARED(mutex) : mutex_(mutex) {
    mutex_.lock_shared();
  }
  ~ReaderLock() RELEASE() { mutex_.unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mutex_;
};

}  // namespace photon::common
