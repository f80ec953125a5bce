# One library per domain, and the build's check that the code keeps to their links.
#
# photon_domain(<target> DIR <dir> [DEPENDS <domain targets>...] [LIBS <other libraries>...])
# builds <dir>/*.cpp into <target> and links it PUBLIC to the domains it DEPENDS on (and LIBS);
# photon_domain_rule() records such edges for a library built another way. The links are the one
# table of allowed edges: photon_check_includes() (called once, after every domain) adds a target
# that every domain library depends on, which fails the build when a file of one domain includes
# a header of a domain its library does not link, directly or through another. To cross a
# boundary, declare the link, and mind its direction: api -> domains -> inventory -> store.
function(photon_domain_rule target dir)
  string(REPLACE ";" "," deps "${ARGN}")
  set_property(GLOBAL APPEND PROPERTY PHOTON_DOMAIN_RULES "${dir} ${target} ${deps}")
  set_property(GLOBAL APPEND PROPERTY PHOTON_DOMAIN_TARGETS ${target})
endfunction()

function(photon_domain target)
  cmake_parse_arguments(D "" "DIR" "DEPENDS;LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${D_DIR}/*.cpp)
  add_library(${target} STATIC ${sources})
  target_link_libraries(${target} PUBLIC photon_common ${D_DEPENDS} ${D_LIBS})
  photon_domain_rule(${target} ${D_DIR} ${D_DEPENDS})
endfunction()

function(photon_check_includes)
  get_property(rules GLOBAL PROPERTY PHOTON_DOMAIN_RULES)
  get_property(targets GLOBAL PROPERTY PHOTON_DOMAIN_TARGETS)
  string(REPLACE ";" "\n" text "${rules}")
  set(rules_file ${PROJECT_BINARY_DIR}/domain_rules.txt)
  file(WRITE ${rules_file} "${text}\n")
  # Runs on every build (a second or less): a new include is caught before anything compiles.
  add_custom_target(photon_include_check ALL
    COMMAND ${CMAKE_COMMAND} -DROOT=${PROJECT_SOURCE_DIR} -DRULES=${rules_file}
            -P ${PROJECT_SOURCE_DIR}/cmake/check_includes.cmake
    COMMENT "Checking includes against the domains' links"
    VERBATIM)
  foreach(target ${targets})
    add_dependencies(${target} photon_include_check)
  endforeach()
endfunction()
