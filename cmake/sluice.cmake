# sluice_library(NAME <name> [SRCS ...] [HEADERS ...] [MAY_DEPEND_ON <sluice library>...]
#                [EXTERNAL <third-party target>...] [PRIVATE_EXTERNAL <third-party target>...])
#   Creates target sluice_<name> with alias sluice::<name>; includes are rooted at src/.
#   MAY_DEPEND_ON is the one declaration of which sluice libraries this one may use (bare names:
#   base, client_kafka, ...); they are linked PUBLIC, and nothing else of sluice may be. A library
#   may include the headers of what it may depend on, directly or through them. The `layering`
#   test (tools/layering/check_layering.py) fails on an #include or a link that the declarations
#   do not allow, on a header no library owns, and on a cycle; the subsystem READMEs repeat the
#   declaration in their "May depend on" line.
#   HEADERS lists header-only files the library owns (a header next to one of its SRCS is owned
#   anyway). Without SRCS the library is an INTERFACE library (headers only).
function(sluice_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;HEADERS;MAY_DEPEND_ON;EXTERNAL;PRIVATE_EXTERNAL"
                        ${ARGN})
  set(target sluice_${ARG_NAME})
  set(deps "")
  foreach(dep IN LISTS ARG_MAY_DEPEND_ON)
    list(APPEND deps sluice::${dep})
  endforeach()
  if(ARG_SRCS)
    add_library(${target} STATIC ${ARG_SRCS})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${target} PUBLIC ${deps} ${ARG_EXTERNAL})
    if(ARG_PRIVATE_EXTERNAL)
      target_link_libraries(${target} PRIVATE ${ARG_PRIVATE_EXTERNAL})
    endif()
    # Designated initializers may omit members (option tables rely on it).
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter
                           -Wno-missing-field-initializers)
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${target} INTERFACE ${deps} ${ARG_EXTERNAL})
  endif()
  add_library(sluice::${ARG_NAME} ALIAS ${target})

  # The layering model: one entry per library (its sources, also those added later with
  # target_sources, its header-only files, its declared dependencies and what it really links),
  # written to <build>/layering.json by sluice_write_layering_model().
  set(headers "")
  foreach(f IN LISTS ARG_HEADERS)
    cmake_path(ABSOLUTE_PATH f BASE_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} NORMALIZE)
    list(APPEND headers "\"${f}\"")
  endforeach()
  set(may "")
  foreach(dep IN LISTS ARG_MAY_DEPEND_ON)
    list(APPEND may "\"${dep}\"")
  endforeach()
  list(JOIN headers ", " headers)
  list(JOIN may ", " may)
  if(ARG_SRCS)
    set(links "$<TARGET_PROPERTY:${target},LINK_LIBRARIES>")
  else()
    set(links "$<TARGET_PROPERTY:${target},INTERFACE_LINK_LIBRARIES>")
  endif()
  set_property(GLOBAL APPEND PROPERTY SLUICE_LAYERING_ENTRIES
    "\"${ARG_NAME}\": {\"dir\": \"${CMAKE_CURRENT_SOURCE_DIR}\", \"sources\": \"$<TARGET_PROPERTY:${target},SOURCES>\", \"headers\": [${headers}], \"may_depend_on\": [${may}], \"links\": \"${links}\"}")
endfunction()

# Writes <build>/layering.json (library -> files, declared dependencies, linked targets) for the
# layering test.
function(sluice_write_layering_model)
  get_property(entries GLOBAL PROPERTY SLUICE_LAYERING_ENTRIES)
  list(JOIN entries ",\n  " body)
  file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/layering.json CONTENT "{\n  ${body}\n}\n")
endfunction()

# sluice_add_test(NAME <name> SRCS ... DEPS ... LABELS unit|integration [FIXTURES ...])
#   One gtest binary per subsystem; every test case is registered with ctest.
#   FIXTURES names ctest fixtures (e.g. servers) that must be up before the tests run.
#   The naming convention (CONTRIBUTING.md) is checked here: names end in _test, sources are
#   *_test.cc, the label is `unit` or `integration`, and an integration test requires the
#   `servers` fixture.
function(sluice_add_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LABELS;FIXTURES" ${ARGN})
  if(NOT ARG_LABELS STREQUAL "unit" AND NOT ARG_LABELS STREQUAL "integration")
    message(FATAL_ERROR "test ${ARG_NAME}: LABELS must be `unit` or `integration`")
  endif()
  if(ARG_LABELS STREQUAL "integration" AND NOT "servers" IN_LIST ARG_FIXTURES)
    message(FATAL_ERROR "test ${ARG_NAME}: an integration test needs FIXTURES servers")
  endif()
  if(NOT ARG_NAME MATCHES "_test$")
    message(FATAL_ERROR "test ${ARG_NAME}: the target name must end in _test")
  endif()
  foreach(src ${ARG_SRCS})
    if(NOT src MATCHES "_test\\.cc$")
      message(FATAL_ERROR "test ${ARG_NAME}: source ${src} must be named *_test.cc")
    endif()
  endforeach()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  include(GoogleTest)
  gtest_discover_tests(${ARG_NAME}
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${ARG_LABELS}" FIXTURES_REQUIRED "${ARG_FIXTURES}"
               ENVIRONMENT "SLUICE_TEST_ENV=${PROJECT_BINARY_DIR}/test-env/env.sh")
endfunction()
