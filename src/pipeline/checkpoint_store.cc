#include "pipeline/checkpoint_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/file.h"

namespace sluice::pipeline {

namespace {
base::Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::Unavailable("writing checkpoint {}: {}", path, std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  return base::Status::Ok();
}
}  // namespace

FileCheckpointStore::FileCheckpointStore(std::string directory) : dir_(std::move(directory)) {}

std::string FileCheckpointStore::PathFor(const std::string& id) const {
  return dir_ + "/" + id + ".checkpoint";
}

base::Result<std::optional<model::SourcePosition>> FileCheckpointStore::Load(
    const std::string& id) {
  std::error_code ec;
  if (!std::filesystem::exists(PathFor(id), ec)) return std::optional<model::SourcePosition>();
  SLUICE_ASSIGN_OR_RETURN(std::string text, base::ReadFile(PathFor(id), "checkpoint file"));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto pos = model::SourcePosition::Deserialize(text);
  if (!pos.ok()) {
    return base::DataLoss("checkpoint file {} is corrupt ({}); fix or delete it and choose a "
                          "start position",
                          PathFor(id), pos.status().message());
  }
  return std::optional<model::SourcePosition>(std::move(pos).value());
}

base::Status FileCheckpointStore::Save(const std::string& id,
                                       const model::SourcePosition& position) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return base::FailedPrecondition("cannot create checkpoint directory {}: {}", dir_,
                                          ec.message());
  std::string path = PathFor(id);
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return base::FailedPrecondition("cannot write checkpoint {}: {}", tmp, std::strerror(errno));
  }
  base::Status st = WriteAll(fd, position.Serialize() + "\n", tmp);
  if (st.ok() && ::fsync(fd) != 0) {
    st = base::Unavailable("fsync {}: {}", tmp, std::strerror(errno));
  }
  ::close(fd);
  SLUICE_RETURN_IF_ERROR(st);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return base::Unavailable("rename {} -> {}: {}", tmp, path, std::strerror(errno));
  }
  int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return base::Status::Ok();
}

base::Status FileCheckpointStore::Remove(const std::string& id) {
  std::error_code ec;
  std::filesystem::remove(PathFor(id), ec);
  return base::Status::Ok();
}

}  // namespace sluice::pipeline
