# System libraries, all from Debian 12 -dev packages (scripts/install-deps.sh), except
# librdkafka: see below.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(GTest REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
pkg_check_modules(MARIADB REQUIRED IMPORTED_TARGET libmariadb)

# librdkafka: the one scripts/librdkafka.sh builds (its version is pinned there), because
# Debian 12's 2.0.2 cannot log in with SASL/SCRAM to Kafka 4.x brokers (fixed in 2.6.1,
# confluentinc/librdkafka#4895). SLUICE_RDKAFKA_PREFIX:
#   <dir>   that install prefix (scripts/build.sh passes the one librdkafka.sh printed);
#   empty   the prefix librdkafka.sh builds by default, when it has been built, else system;
#   system  Debian's librdkafka via pkg-config.
# The target keeps the name PkgConfig::RDKAFKA in every case. The shared library is linked by
# full path, so the build-tree RPATH finds it at run time; installs keep that path too.
set(SLUICE_RDKAFKA_PREFIX "" CACHE STRING
    "librdkafka install prefix from scripts/librdkafka.sh, empty = its default if built, or 'system'")
set(_sluice_rdkafka "${SLUICE_RDKAFKA_PREFIX}")
if(_sluice_rdkafka STREQUAL "")
  file(STRINGS "${PROJECT_SOURCE_DIR}/scripts/librdkafka.sh" _v REGEX "^version=")
  string(REPLACE "version=" "" _v "${_v}")
  if(DEFINED ENV{SLUICE_CACHE_DIR})
    set(_sluice_rdkafka "$ENV{SLUICE_CACHE_DIR}/librdkafka-${_v}")
  else()
    set(_sluice_rdkafka "$ENV{HOME}/.cache/sluice/librdkafka-${_v}")
  endif()
  if(NOT EXISTS "${_sluice_rdkafka}/.sluice-stamp")
    set(_sluice_rdkafka system)
  endif()
endif()
if(_sluice_rdkafka STREQUAL "system")
  pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
  set(SLUICE_RDKAFKA_VERSION "${RDKAFKA_VERSION}")
else()
  if(NOT EXISTS "${_sluice_rdkafka}/lib/librdkafka.so.1" OR
     NOT EXISTS "${_sluice_rdkafka}/include/librdkafka/rdkafka.h")
    message(FATAL_ERROR "SLUICE_RDKAFKA_PREFIX=${_sluice_rdkafka} holds no librdkafka "
            "(lib/librdkafka.so.1, include/librdkafka/rdkafka.h): run scripts/librdkafka.sh and "
            "pass the prefix it prints, or -DSLUICE_RDKAFKA_PREFIX=system")
  endif()
  file(STRINGS "${_sluice_rdkafka}/lib/pkgconfig/rdkafka.pc" _v REGEX "^Version:")
  string(REGEX REPLACE "^Version: *" "" SLUICE_RDKAFKA_VERSION "${_v}")
  add_library(PkgConfig::RDKAFKA SHARED IMPORTED)
  set_target_properties(PkgConfig::RDKAFKA PROPERTIES
    IMPORTED_LOCATION "${_sluice_rdkafka}/lib/librdkafka.so.1"
    IMPORTED_SONAME "librdkafka.so.1"
    INTERFACE_INCLUDE_DIRECTORIES "${_sluice_rdkafka}/include")
  set(CMAKE_INSTALL_RPATH_USE_LINK_PATH ON)
endif()
message(STATUS "librdkafka ${SLUICE_RDKAFKA_VERSION} from ${_sluice_rdkafka}")
if(SLUICE_RDKAFKA_VERSION VERSION_LESS 2.6.1)
  message(WARNING "librdkafka ${SLUICE_RDKAFKA_VERSION} (${_sluice_rdkafka}): SASL/SCRAM logins "
          "to Kafka 4.x brokers will fail (fixed in librdkafka 2.6.1, confluentinc/librdkafka#4895)."
          " Run scripts/librdkafka.sh and configure with -DSLUICE_RDKAFKA_PREFIX=<the prefix it "
          "prints>, or build with scripts/build.sh, which does both.")
endif()
