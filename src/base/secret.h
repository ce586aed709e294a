// Secrets in URIs: the one mask, recognizing masks, and masking / un-masking URIs.
//
// Every place that shows a secret-bearing value (redacted source and sink URIs, the API's
// connections, the schema registry URL, error messages) prints kSecretMask in its place.
// The API shows URIs redacted ("mysql://u:****@h/", "kafka://h/t?sasl-password=****"). A
// client that edits a changefeed usually sends such a URI back; MergeMaskedSecrets puts the
// stored secrets back in place of the masks so the operator never has to re-type a password.
//
// For URIs a connector parses, its option table says which parameters are secret
// (base/options.h, OptionSecret). The functions here work without a parser (URIs that do not
// parse, unknown schemes, merging) and treat as a secret:
//   - the userinfo password:          scheme://user:PASSWORD@host...
//   - a secret query parameter:       any name containing "password", "passwd", "secret",
//                                     "token", "credential", "api-key", "apikey",
//                                     "access-key" or "private-key"
//   - a secret inside a URL parameter: schema-registry=https://user:PASSWORD@host, and the
//                                     secrets of URLs nested in URLs (?x=s3://b?secret-key=..)
// Every API answer, log line and error shows URIs and option values only through these
// functions (or a connector's own redaction), and scrubs the values SecretsIn finds.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sluice::base {

// What is printed in place of a secret.
inline constexpr std::string_view kSecretMask = "****";

// True when `value` (raw or percent-encoded) is a mask printed in place of a secret: four or more
// '*' and nothing else (kSecretMask, and "******" printed by earlier versions).
bool IsSecretMask(std::string_view value);

// True for a parameter name that holds a secret by convention (see above).
bool IsSecretName(std::string_view name);

// "https://user:pass@host/x" -> "https://user:****@host/x"; other strings unchanged.
std::string MaskUrlCredentials(std::string_view url);

// Returns `uri` with every masked secret replaced by the same secret of `stored` (the userinfo
// password by the stored userinfo password, a parameter by the stored parameter of that name).
// Unmasked secrets in `uri` are kept: a new password replaces the old one. `what` ("source URI",
// "sink URI") starts error messages. InvalidArgument when `uri` has a mask that `stored` cannot
// fill; errors never contain a secret.
Result<std::string> MergeMaskedSecrets(std::string_view uri, std::string_view stored,
                                       std::string_view what);

// `uri` with every secret replaced by kSecretMask (masks already in place are kept). For display
// of URIs that do not parse (a connector's own redaction is preferred when they do).
std::string MaskUriSecrets(std::string_view uri);

// The value of option/parameter `name` as it may be shown: the mask for a secret name, a URL
// with its secrets masked, anything else unchanged.
std::string MaskSecretValue(std::string_view name, std::string_view value);

// The secrets `value` of option `name` holds (as given, percent-decoded and -encoded), for
// scrubbing echoed messages: the value of a secret name, the passwords and secret parameters
// of a URL value (nested URLs too).
std::vector<std::string> SecretsIn(std::string_view name, std::string_view value);

// `text` with every occurrence of each secret (of 3+ characters) replaced by kSecretMask: a
// second line of defence for messages that may echo a request.
std::string ScrubSecrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace sluice::base
