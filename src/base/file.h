// ReadFile: the whole content of a file the user named (a config file, a TOML, a certificate),
// with one clear error when it cannot be read.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::base {

// The bytes of the file at `path` (a pipe such as <(...) too). `what` names it in errors
// ("config file"). A missing file, a directory and a read error are InvalidArgument naming the
// path and the reason, never an empty result. Thread-safe.
Result<std::string> ReadFile(const std::string& path, std::string_view what);

}  // namespace sluice::base
