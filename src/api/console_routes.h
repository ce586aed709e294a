// The web console's part of the HTTP API, installed on the ApiServer's httplib server:
//
//   GET/POST        /api/v1/connections                  list / create (tests first)
//   GET/PUT/DELETE  /api/v1/connections/{name}           get / update / remove
//   POST            /api/v1/connections/test             test an unsaved connection
//   POST            /api/v1/connections/{name}/test      test a saved connection
//   GET             /api/v1/connections/{name}/tables    schema browser (cached discovery)
//   POST            /api/v1/connections/{name}/tables/refresh
//   GET             /api/v1/connections/{name}/tables/{schema}/{table}   columns, keys, capture
//   POST            /api/v1/topics/preview               topic names of a distribution mode
//   POST            /api/v1/changefeeds/validate         validate a changefeed body, store nothing
//   GET             /, /assets/...                       the built console (static files)
//
// A changefeed body (create or validate) may name connections instead of URIs:
//   "source_connection": "maria", "source_options": {"start": "now"},
//   "sink_connection": "kafka1", "sink_topic": "cdc", "sink_options": {"protocol": "avro", ...}
// ResolveChangefeedConnections turns them into source_uri / sink_uri (with the stored secrets,
// which never leave the server).
// Threading: handlers run on httplib's workers; the store and browser are thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/connection_store.h"
#include "api/schema_browser.h"
#include "base/status.h"
#include "pipeline/changefeed_manager.h"

namespace httplib {
class Server;
}

namespace sluice::api {

struct ConsoleContext {
  ConnectionStore* connections = nullptr;  // required
  SchemaBrowser* schema = nullptr;         // required
  // The changefeeds that capture a table (table detail); ApiServer::EnableConsole sets it to the
  // server's manager when left null.
  pipeline::ChangefeedManager* changefeeds = nullptr;
  // Directory of the built console (index.html, assets/); empty or missing = a page that says
  // how to build it.
  std::string static_dir;
};

void InstallConsoleRoutes(httplib::Server& server, ConsoleContext* context);

// Rewrites a changefeed request body that names connections (see above) into one with
// source_uri / sink_uri. Bodies without those fields come back unchanged. `secrets` receives the
// connections' secrets for scrubbing echoed errors. Errors name the field.
base::Result<std::string> ResolveChangefeedConnections(std::string_view body,
                                                       ConnectionStore* store,
                                                       std::vector<std::string>* secrets);

// The console directory used when --console-dir is not given: $SLUICE_CONSOLE_DIR, else
// <exe dir>/../../web (the build tree: build/src/cli/sluice -> build/web), else
// <exe dir>/../share/sluice/console (an installed layout); the first that has index.html.
std::string DefaultConsoleDir();

}  // namespace sluice::api
