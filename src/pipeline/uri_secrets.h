// URI secrets: masking and un-masking passwords in source and sink URIs.
//
// The API shows URIs redacted ("mysql://u:****@h/", "kafka://h/t?sasl-password=******"). A client
// that edits a changefeed usually sends such a URI back; MergeMaskedSecrets puts the stored
// secrets back in place of the masks so the operator never has to re-type a password.
//
// A secret is:
//   - the userinfo password:          scheme://user:PASSWORD@host...
//   - a secret query parameter:       sasl-password, and any name containing "password",
//                                     "passwd", "secret", "token", "credential", "api-key",
//                                     "apikey", "access-key" or "private-key"
//   - a secret inside a URL parameter: schema-registry=https://user:PASSWORD@host, and the
//                                     secrets of URLs nested in URLs (?x=s3://b?secret-key=..)
// Every API answer, log line and error shows URIs and option values only through these
// functions (MaskUriSecrets, MaskSecretValue), and scrubs the values SecretsIn finds.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

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

// `uri` with every secret replaced by "****" (masks already in place are kept as they are).
std::string MaskUriSecrets(std::string_view uri);

// True when a parameter or option of this name holds a secret (see the list above).
bool IsSecretName(std::string_view name);
// The value of option/parameter `name` as it may be shown: "****" for a secret name, a URL
// with its secrets masked, anything else unchanged.
std::string MaskSecretValue(std::string_view name, std::string_view value);
// The secrets `value` of option `name` holds (as given, percent-decoded and -encoded), for
// scrubbing echoed messages: the value of a secret name, the passwords and secret parameters
// of a URL value (nested URLs too).
std::vector<std::string> SecretsIn(std::string_view name, std::string_view value);
// `text` with every occurrence of each secret (of 3+ characters) replaced by "****": for
// messages that may echo a value (errors of a changefeed, answers of the API).
std::string ScrubSecrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace sluice::pipeline
