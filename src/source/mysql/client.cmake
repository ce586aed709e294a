# owned by the client work: the replication connection, the Source implementation and their tests.
target_sources(sluice_source_mysql PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/source_config.cc
  ${CMAKE_CURRENT_LIST_DIR}/mysql_connection.cc
  ${CMAKE_CURRENT_LIST_DIR}/binlog_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/binlog_source.cc
  ${CMAKE_CURRENT_LIST_DIR}/mysql_snapshot.cc)
target_link_libraries(sluice_source_mysql PUBLIC sluice::source_snapshot)

sluice_add_test(NAME source_mysql_config_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/tests/source_config_test.cc
  DEPS sluice::source_mysql
  LABELS unit)

sluice_add_test(NAME source_mysql_snapshot_it
  SRCS ${CMAKE_CURRENT_LIST_DIR}/tests/mysql_snapshot_it.cc
  DEPS sluice::source_mysql
  LABELS integration
  FIXTURES servers)

sluice_add_test(NAME source_mysql_it
  SRCS ${CMAKE_CURRENT_LIST_DIR}/tests/binlog_source_it.cc
  DEPS sluice::source_mysql
  LABELS integration
  FIXTURES servers)
target_compile_definitions(source_mysql_it PRIVATE SLUICE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
