# sluice_add_library(NAME <name> SRCS ... DEPS ...)
#   Creates target sluice_<name> with alias sluice::<name>. Includes are rooted at src/.
#   A subsystem may only use what it lists in DEPS; the linker enforces the layering.
function(sluice_add_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(sluice_${ARG_NAME} STATIC ${ARG_SRCS})
  add_library(sluice::${ARG_NAME} ALIAS sluice_${ARG_NAME})
  target_include_directories(sluice_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(sluice_${ARG_NAME} PUBLIC ${ARG_DEPS})
  # Designated initializers may omit members (option tables rely on it).
  target_compile_options(sluice_${ARG_NAME} PRIVATE -Wall -Wextra -Wno-unused-parameter
                         -Wno-missing-field-initializers)
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
