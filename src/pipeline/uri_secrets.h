// URI secrets: masking and un-masking passwords in source and sink URIs.
//
// The API shows URIs redacted ("mysql://u:****@h/", "kafka://h/t?sasl-password=******"). A client
// that edits a changefeed usually sends such a URI back; MergeMaskedSecrets puts the stored
// secrets back in place of the masks so the operator never has to re-type a password.
//
// A secret is:
//   - the userinfo password:          scheme://user:PASSWORD@host...
//   - a secret query parameter:       sasl-password, and any name containing "password",
//                                     "passwd", "secret" or "token"
//   - credentials in a URL parameter: schema-registry=https://user:PASSWORD@host
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::pipeline {

// True when `value` (raw or percent-encoded) is a mask printed in place of a secret: four or more
// '*' and nothing else ("****" from the MySQL source, "******" from the Kafka sink).
bool IsSecretMask(std::string_view value);

// Returns `uri` with every masked secret replaced by the same secret of `stored` (the userinfo
// password by the stored userinfo password, a parameter by the stored parameter of that name).
// Unmasked secrets in `uri` are kept: a new password replaces the old one. `what` ("source URI",
// "sink URI") starts error messages. InvalidArgument when `uri` has a mask that `stored` cannot
// fill; errors never contain a secret.
base::Result<std::string> MergeMaskedSecrets(std::string_view uri, std::string_view stored,
                                             std::string_view what);

// `uri` with every secret replaced by "****". For display of URIs that do not parse (the
// parsers' own Redacted() is preferred when they do).
std::string MaskUriSecrets(std::string_view uri);

}  // namespace sluice::pipeline
