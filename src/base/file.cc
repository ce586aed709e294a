#include "base/file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sluice::base {

Result<std::string> ReadFile(const std::string& path, std::string_view what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    return InvalidArgument("cannot read {} {}: it does not exist; check the path", what, path);
  }
  if (fs::is_directory(st)) {
    return InvalidArgument("cannot read {} {}: it is a directory; give the path of the file",
                           what, path);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgument("cannot read {} {}: {}; check the path and its permissions", what,
                           path, std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad() || (!ss && in.peek() != std::ifstream::traits_type::eof())) {
    return InvalidArgument("cannot read {} {}: read error", what, path);
  }
  return ss.str();
}

}  // namespace sluice::base
