#include "source/postgres/pg_source.h"

#include <utility>

#include "base/byte_reader.h"
#include "base/logging.h"

namespace sluice::source::postgres {

PgSource::PgSource(PgSourceConfig config) : config_(std::move(config)) {}

PgSource::~PgSource() { Close(); }

base::Status PgSource::Open(const model::SourcePosition& start) {
  Close();
  pending_.clear();
  sticky_ = base::Status::Ok();
  client_ = std::make_unique<ReplicationClient>(config_);
  SLUICE_RETURN_IF_ERROR(client_->Connect());
  if (start.lsn) {
    SLUICE_RETURN_IF_ERROR(client_->CheckSlotFor(*start.lsn));
    start_lsn_ = *start.lsn;
  } else if (!start.empty()) {
    return base::InvalidArgument(
        "the checkpoint '{}' is not a PostgreSQL position (no lsn); this changefeed's state "
        "belongs to another source type: remove it or use a new changefeed id",
        start.Serialize());
  } else {
    SLUICE_ASSIGN_OR_RETURN(start_lsn_, client_->ResolveStart());
  }
  ReplicationClient* client = client_.get();
  decoder_ = std::make_unique<PgOutputDecoder>(
      [client](uint32_t oid, const std::string&, const std::string&) {
        return client->PrimaryKey(oid);
      });
  decoder_->SetStartPosition(start_lsn_);
  // Until the changefeed acknowledges a checkpoint, status updates re-send what the slot
  // already has: the slot moves only through Acknowledge.
  acked_ = client_->slot_confirmed();
  SLUICE_RETURN_IF_ERROR(client_->StartStreaming(start_lsn_));
  base::Logger("source.postgres")
      ->info("streaming slot {} publication {} from {} (system {})", config_.slot,
             config_.publication, start_lsn_.ToString(), client_->system_id());
  last_status_ = std::chrono::steady_clock::now();
  return base::Status::Ok();
}

base::Status PgSource::Handle(const std::string& message) {
  const auto* p = reinterpret_cast<const uint8_t*>(message.data());
  base::ByteReader r(p, message.size());
  char type = static_cast<char>(r.ReadBE(1));
  if (type == 'w') {
    r.ReadBE(8);  // dataStart
    r.ReadBE(8);  // walEnd
    r.ReadBE(8);  // sendTime
    if (!r.ok()) return base::DataLoss("XLogData message is shorter than its header");
    return decoder_->Consume(r.Rest(), &parsed_);
  }
  if (type == 'k') {
    uint64_t wal_end = r.ReadBE(8);
    r.ReadBE(8);
    bool reply = r.ReadBE(1) != 0;
    if (!r.ok()) return base::DataLoss("keepalive message is truncated");
    decoder_->Keepalive(wal_end, &parsed_);
    if (reply) return MaybeSendStatus(true);
    return base::Status::Ok();
  }
  return base::DataLoss("unknown replication message type 0x{:02x}", static_cast<uint8_t>(type));
}

base::Status PgSource::MaybeSendStatus(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_status_ < config_.status_interval) return base::Status::Ok();
  last_status_ = now;
  return client_->SendStatus(acked_);
}

base::Status PgSource::Read(std::vector<model::ChangeEvent>* out, size_t max_events,
                            std::chrono::milliseconds wait) {
  if (!client_ || !decoder_) {
    return base::FailedPrecondition("PgSource::Read called before a successful Open");
  }
  if (!sticky_.ok()) return sticky_;
  auto deadline = std::chrono::steady_clock::now() + wait;
  size_t added = 0;
  while (added < max_events) {
    if (!pending_.empty()) {
      out->push_back(std::move(pending_.front()));
      pending_.pop_front();
      ++added;
      continue;
    }
    // Once something is returned, only take what has already arrived.
    auto until = added > 0 ? std::chrono::steady_clock::now() : deadline;
    bool got = false;
    SLUICE_RETURN_IF_ERROR(client_->Fetch(until, &message_, &got));
    if (!got) break;
    parsed_.clear();
    base::Status st = Handle(message_);
    if (!st.ok()) {
      if (st.code() == base::Code::kUnavailable) return st;
      sticky_ = st.WithContext("decoding pgoutput from " + config_.Endpoint());
      base::Logger("source.postgres")->error("{}", sticky_.message());
      if (added > 0) break;
      return sticky_;
    }
    for (auto& ev : parsed_) pending_.push_back(std::move(ev));
  }
  return MaybeSendStatus(false);
}

void PgSource::Acknowledge(const model::SourcePosition& durable) {
  if (!client_ || !durable.lsn || *durable.lsn <= acked_) return;
  acked_ = *durable.lsn;
  base::Status st = MaybeSendStatus(true);
  if (!st.ok()) {
    // The next Read() sees the broken connection and the changefeed reconnects; the slot then
    // keeps the older position, which only means a longer replay.
    base::Logger("source.postgres")->warn("{}", st.message());
  }
}

void PgSource::Close() {
  if (client_) {
    static_cast<void>(client_->SendStatus(acked_));
    client_->Close();
    client_.reset();
  }
  decoder_.reset();
}

}  // namespace sluice::source::postgres
