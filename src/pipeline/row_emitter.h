// RowEmitter: the Emitter for database targets. Hands each row and DDL to a sink::RowSink
// (MariaDB/MySQL, PostgreSQL), which applies them in batches and acknowledges each token once the
// database transaction holding it has committed. One acknowledgement per Row and per Ddl.
#pragma once

#include <memory>

#include "pipeline/emitter.h"
#include "sink/row_sink.h"

namespace sluice::pipeline {

class RowEmitter : public Emitter {
 public:
  explicit RowEmitter(std::unique_ptr<sink::RowSink> sink) : sink_(std::move(sink)) {}

  base::Status Start(EmitLedger* ledger) override {
    ledger_ = ledger;
    return base::Status::Ok();
  }
  base::Status Row(const model::RowChange& row, const model::TxnInfo& txn,
                   uint64_t token) override {
    ledger_->Expect(token);
    return sink_->Apply(row, txn, token);
  }
  // The row sink applies, translates or skips the DDL and acknowledges it either way.
  base::Result<bool> Ddl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                         uint64_t token) override {
    ledger_->Expect(token);
    SLUICE_RETURN_IF_ERROR(sink_->ApplyDdl(ddl, txn, token));
    return true;
  }
  base::Status TransactionSealed(uint64_t) override { return base::Status::Ok(); }
  base::Status Poll(bool) override {
    sink_->Poll(0);
    return base::Status::Ok();
  }
  base::Status Flush(int timeout_ms) override {
    base::Status st = sink_->Flush(timeout_ms);
    sink_->Poll(0);
    return st;
  }

 private:
  std::unique_ptr<sink::RowSink> sink_;
  EmitLedger* ledger_ = nullptr;
};

}  // namespace sluice::pipeline
