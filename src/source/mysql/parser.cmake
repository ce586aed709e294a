# owned by the parser work: target_sources(sluice_source_mysql PRIVATE ...) and unit tests
target_sources(sluice_source_mysql PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/binlog_parser.cc
  ${CMAKE_CURRENT_LIST_DIR}/charset.cc
  ${CMAKE_CURRENT_LIST_DIR}/json_binary.cc
  ${CMAKE_CURRENT_LIST_DIR}/row_decoder.cc
  ${CMAKE_CURRENT_LIST_DIR}/table_map.cc)
sluice_add_test(NAME source_mysql_parser_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/tests/binlog_parser_test.cc
       ${CMAKE_CURRENT_LIST_DIR}/tests/row_decoder_test.cc
  DEPS sluice::source_mysql LABELS unit)
target_compile_definitions(source_mysql_parser_test PRIVATE
  SLUICE_PARSER_FIXTURES="${CMAKE_CURRENT_LIST_DIR}/tests/fixtures")
