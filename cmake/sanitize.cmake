# One switch for sanitizers: -DPHOTON_SANITIZE=address,undefined (or thread). Every target of the
# build gets the instrumentation, and UBSan's findings are errors, not lines in a log that
# nobody reads (scripts/test runs the unit tests this way in build-asan/).
set(PHOTON_SANITIZE "" CACHE STRING "Sanitizers for every target: address,undefined or thread")
if(PHOTON_SANITIZE)
  set(photon_sanitize_flags -fsanitize=${PHOTON_SANITIZE} -fno-omit-frame-pointer)
  if(PHOTON_SANITIZE MATCHES "undefined")
    list(APPEND photon_sanitize_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${photon_sanitize_flags})
  add_link_options(${photon_sanitize_flags})
  message(STATUS "Photon: sanitizers ${PHOTON_SANITIZE}")
endif()
