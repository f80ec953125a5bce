# One switch for sanitizers: -DPHOTON_SANITIZE=address,undefined (or thread). Every target of the
# build gets the instrumentation, and UBSan's findings are errors, not lines in a log that
# nobody reads (scripts/test runs the unit tests this way in build-asan/).
set(PHOTON_SANITIZE "" CACHE STRING "Sanitizers for every target: address,undefined or thread")
if(PHOTON_SANITIZE)
  set(photon_sanitize_flags -fsanitize=${PHOTON_SANITIZE} -fno-omit-frame-pointer)
  # -O1 -g1 after the build type's -O2 -g (the last one counts): with g++ 12 an instrumented
  # translation unit compiles in about 2x the plain time instead of 3–5x, and line tables are
  # all a sanitizer's stack trace needs.
  add_compile_options(-O1 -g1)
  if(PHOTON_SANITIZE MATCHES "undefined")
    list(APPEND photon_sanitize_flags -fno-sanitize-recover=undefined)
  endif()
  if(PHOTON_SANITIZE MATCHES "thread")
    # g++ warns (-Wtsan, an error under -Werror) that TSan does not model
    # std::atomic_thread_fence, which Asio's std_fenced_block puts around every handler it runs.
    # Those fences back up the ordering that the io_context's scheduler mutex, which TSan does
    # see, already gives a handler after its post.
    list(APPEND photon_sanitize_flags -Wno-tsan)
  endif()
  add_compile_options(${photon_sanitize_flags})
  add_link_options(${photon_sanitize_flags})
  message(STATUS "Photon: sanitizers ${PHOTON_SANITIZE}")
endif()
