// The registry of source connectors (source/connector.h): the one table that knows every
// source. Builder, manager and API find a source's connector here by the URI's scheme.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "source/connector.h"

namespace sluice::source {

// Every source connector, in documentation order.
const std::vector<const SourceConnector*>& SourceConnectors();

// The connector whose schemes include `uri`'s scheme (case-insensitive); InvalidArgument naming
// the supported schemes when there is none.
base::Result<const SourceConnector*> FindSourceConnector(std::string_view uri);

// FindSourceConnector(uri) then its Parse.
base::Result<std::unique_ptr<SourceSpec>> ParseSourceUri(std::string_view uri,
                                                         const SourceContext& context);

}  // namespace sluice::source
