// Clang's thread-safety annotations (-Wthread-safety): which mutex guards which member, which
// functions must hold it. Checked by scripts/lint with clang; empty under g++, which ignores
// them. Names as in clang's documentation and Abseil.
#pragma once

#if defined(__clang__)
#define PHOTON_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define PHOTON_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) PHOTON_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY PHOTON_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) PHOTON_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) PHOTON_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) PHOTON_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) PHOTON_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) PHOTON_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) PHOTON_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) PHOTON_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) PHOTON_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) PHOTON_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) PHOTON_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) PHOTON_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) PHOTON_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) PHOTON_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS PHOTON_THREAD_ANNOTATION(no_thread_safety_analysis)
