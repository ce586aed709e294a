# owned by the client work: target_sources(sluice_source_mysql PRIVATE ...) and integration tests
