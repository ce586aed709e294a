#include "pipeline/large_message.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "model/value_text.h"
#include "sink/kafka/kafka_sink.h"

namespace sluice::pipeline {

namespace {

using sink::kafka::LargeMessageHandle;

int64_t SizeOf(const codec::Message& m) {
  return static_cast<int64_t>((m.key ? m.key->size() : 0) + m.value.size()) +
         sink::kafka::kMessageOverheadBytes;
}

std::string NewUuid() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                     hi & 0xffff, lo >> 48, lo & 0xffffffffffffULL);
}

}  // namespace

std::string Base64Encode(std::string_view in) {
  std::string out;
  model::AppendBase64(in, &out);
  return out;
}

LargeMessageHandler::LargeMessageHandler(const sink::kafka::KafkaSinkOptions& o)
    : mode_(o.large_message_handle), dir_(o.claim_check_dir) {}

base::Result<std::unique_ptr<LargeMessageHandler>> LargeMessageHandler::Create(
    const sink::kafka::KafkaSinkOptions& options) {
  std::unique_ptr<LargeMessageHandler> h(new LargeMessageHandler(options));
  if (h->mode_ == LargeMessageHandle::kClaimCheck) {
    std::error_code ec;
    std::filesystem::create_directories(h->dir_, ec);
    if (ec || !std::filesystem::is_directory(h->dir_)) {
      return base::FailedPrecondition(
          "claim-check-storage-uri: cannot create directory {} ({}); create it or fix the URI",
          h->dir_, ec ? ec.message() : "not a directory");
    }
  }
  return h;
}

base::Result<std::string> LargeMessageHandler::WriteClaimCheck(const codec::Message& msg) {
  std::string name = NewUuid() + ".json";
  std::string path = dir_ + "/" + name;
  std::string body =
      fmt::format(R"({{"key":{},"value":"{}"}})",
                  msg.key ? "\"" + Base64Encode(*msg.key) + "\"" : "null", Base64Encode(msg.value));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return base::Unavailable("claim-check: cannot create {}: {}", path, std::strerror(errno));
  }
  size_t off = 0;
  while (off < body.size()) {
    ssize_t n = ::write(fd, body.data() + off, body.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      return base::Unavailable("claim-check: writing {} failed: {}", path, std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int e = errno;
    ::close(fd);
    return base::Unavailable("claim-check: fsync of {} failed: {}", path, std::strerror(e));
  }
  ::close(fd);
  // Make the new directory entry durable too.
  if (int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  ++claim_check_files_;
  return "file://" + path;
}

base::Status LargeMessageHandler::Handle(codec::Encoder& encoder,
                                         const model::RowChange& row, const model::TxnInfo& txn,
                                         const std::string& topic, int64_t limit,
                                         codec::Message* msg) {
  int64_t size = SizeOf(*msg);
  if (limit <= 0 || size <= limit) return base::Status::Ok();
  if (mode_ == LargeMessageHandle::kNone && !encoder.HasLargeRowVariants()) {
    return base::ResourceExhausted(
        "a row message for topic '{}' is {} bytes, over the max message size {}; raise "
        "max-message-bytes in the sink URI and the topic's max.message.bytes",
        topic, size, limit);
  }
  if (mode_ == LargeMessageHandle::kNone) {
    return base::ResourceExhausted(
        "a row message for topic '{}' is {} bytes, over the max message size {}; set "
        "large-message-handle-option=handle-key-only or claim-check (with "
        "enable-tidb-extension=true) in the sink URI, or raise max-message-bytes and the topic's "
        "max.message.bytes",
        topic, size, limit);
  }
  codec::Message small;
  if (mode_ == LargeMessageHandle::kHandleKeyOnly) {
    SLUICE_RETURN_IF_ERROR(encoder.EncodeRowHandleKeyOnly(row, txn, &small));
  } else {
    SLUICE_ASSIGN_OR_RETURN(std::string location, WriteClaimCheck(*msg));
    SLUICE_RETURN_IF_ERROR(encoder.EncodeRowClaimCheck(row, txn, location, &small));
  }
  if (SizeOf(small) > limit) {
    return base::ResourceExhausted(
        "a row message for topic '{}' is {} bytes even with only its handle-key columns "
        "(large-message-handle-option={}), over the max message size {}; raise "
        "max-message-bytes and the topic's max.message.bytes",
        topic, SizeOf(small), sink::kafka::LargeMessageHandleName(mode_), limit);
  }
  *msg = std::move(small);
  return base::Status::Ok();
}

}  // namespace sluice::pipeline
