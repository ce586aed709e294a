# owned by the parser work: target_sources(sluice_source_mysql PRIVATE ...) and unit tests
