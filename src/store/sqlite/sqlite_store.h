// The default IncidentStore: one SQLite file in WAL mode.
//
// Threads: the committer thread writes, delivery workers read due entries and mark them, HTTP
// threads query. Each kind gets its own connection with its own mutex, so that a WAL reader never
// waits for the writer's fsync and a long API query never delays the next delivery:
//   writer_  Commit, Mark*, MarkDeadMany, HoldMany, ReleaseHeld, HoldBehindDead (its update),
//            RetryOutbox, DiscardOutbox, AddExternalRef, RecordDegraded, Flush (CountOutbox
//            answers from tally_, which these writes keep up to date: no query)
//   outbox_  DueOutbox, PendingOutbox, NextOutboxDue, ExternalRefs, HoldBehindDead (its read)
//            (the delivery path)
//   api_     ListOutbox, IncidentHistory, ListSilences
//   readers_ Load, ListIncidents, GetIncident(Page), DegradedDeliveries: kReaders connections,
//            each query takes a free one, so that the API's worker threads read side by side (WAL readers never
//            wait for each other or for the writer)
//   prune_   PruneBatch (retention.h), on the pruner's thread; each batch also holds writer_.mu,
//            so that a commit waits for one short batch at most and never busy-waits on the lock
//   (and the checkpointer's own connection, on its own thread: checkpointer.h)
// Every read that touches more than one table runs in one read transaction (one snapshot).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/outbox_tally.h"
#include "store/sqlite/checkpointer.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace ab::sqlite {

class SqliteStore final : public IncidentStore {
 public:
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   CheckpointOptions checkpoints = {});

  Result<StoredState> Load() override;
  Status Commit(const Changes& changes, const std::vector<OutboxEntry>& outbox) override;

  Result<std::vector<OutboxEntry>> DueOutbox(TimePoint now, int limit) override;
  Result<std::vector<OutboxEntry>> PendingOutbox(const std::string& receiver, int64_t after_id,
                                                 int limit) override;
  Status MarkDeadMany(const std::vector<int64_t>& ids, const std::string& error) override;
  Status HoldMany(const std::vector<int64_t>& ids, const std::string& reason) override;
  Result<int64_t> ReleaseHeld(const std::string& receiver, TimePoint now) override;
  // PendingOutbox's query (?1 after_id, ?2 limit, ?3 receiver), for tests of its plan.
  static std::string PendingOutboxQuery(bool one_receiver);
  Result<std::optional<TimePoint>> NextOutboxDue() override;
  Status MarkDelivered(int64_t id, int attempts, TimePoint now, const std::string& note) override;
  Status MarkRetry(int64_t id, int attempts, TimePoint next_attempt,
                   const std::string& error) override;
  Status MarkDead(int64_t id, int attempts, const std::string& error) override;
  Status RecordDegraded(const std::vector<DegradedDelivery>& steps) override;
  Status AddExternalRef(int64_t incident_id, const ExternalRef& ref) override;
  Result<std::vector<ExternalRef>> ExternalRefs(int64_t incident_id,
                                                const std::string& receiver) override;
  Result<std::vector<int64_t>> HoldBehindDead(int64_t incident_id,
                                              const std::string& receiver) override;
  Result<OutboxCounts> CountOutbox() override;
  Result<std::vector<OutboxEntry>> ListOutbox(const OutboxQuery& q) override;
  Result<std::optional<OutboxState>> RetryOutbox(int64_t id, TimePoint now) override;
  Result<std::optional<OutboxState>> DiscardOutbox(int64_t id, TimePoint now) override;
  uint64_t OutboxRequeues() const override { return requeues_.load(); }

  Result<IncidentPage> ListIncidents(const IncidentQuery& q) override;
  Result<std::optional<IncidentDetail>> GetIncident(int64_t id) override;
  Result<std::optional<IncidentDetail>> GetIncidentPage(int64_t id,
                                                        const IncidentDetailQuery& q) override;
  Result<std::vector<IncidentDetail>> IncidentHistory(TimePoint from, TimePoint to) override;
  Result<std::vector<Silence>> ListSilences() override;

  Result<PruneCounts> PruneBatch(const RetentionPolicy& policy, TimePoint now,
                                 int max_rows) override;
  Result<std::vector<DegradedDelivery>> DegradedDeliveries(
      int64_t incident_id, std::optional<int64_t> after_seq,
      std::optional<int64_t> upto_seq) override;

  Status Flush() override;
  Status Probe() override;

  // Background checkpoints completed so far, and a hold that keeps the next one from starting
  // (checkpointer.h).
  int checkpoints() const { return checkpointer_->completed(); }
  std::unique_lock<std::mutex> HoldCheckpoints() { return checkpointer_->Hold(); }

 private:
  struct Connection {
    explicit Connection(Db d) : db(std::move(d)) {}
    std::mutex mu;
    Db db;
  };

  static constexpr int kReaders = 2;

  SqliteStore(Db writer, Db outbox, Db api, std::vector<Db> readers, Db prune, Db checkpoint,
              CheckpointOptions checkpoints)
      : writer_(std::move(writer)),
        outbox_(std::move(outbox)),
        api_(std::move(api)),
        readers_(MakeConnections(std::move(readers))),
        prune_(std::move(prune)),
        checkpointer_(
            std::make_unique<WalCheckpointer>(writer_.db, std::move(checkpoint), checkpoints)) {}

  static std::vector<std::unique_ptr<Connection>> MakeConnections(std::vector<Db> dbs) {
    std::vector<std::unique_ptr<Connection>> out;
    for (Db& db : dbs) out.push_back(std::make_unique<Connection>(std::move(db)));
    return out;
  }
  // A free reader (locked for the caller while the lock lives), or, when all are busy, the next
  // one in turn once it is free.
  Db& BorrowReader(std::unique_lock<std::mutex>* lock);
  // GetIncident(Page) on a borrowed reader; a limit < 0 = the whole list.
  Result<std::optional<IncidentDetail>> ReadDetail(int64_t id, const IncidentDetailQuery& q);

  Status CommitLocked(const Changes& changes, const std::vector<OutboxEntry>& outbox);
  // The outbox counts of the metrics, read once at open and kept up to date by each write.
  Status LoadOutboxTally();
  // The same with writer_.mu already held.
  Status RecountOutboxLocked();
  // One UPDATE of one pending outbox row to `to` (`sql` ends with RETURNING receiver); an error
  // when no row has that id or it is not pending, unless it already is in `to`.
  Status UpdateOutboxRow(const std::string& sql, int64_t id, const std::string& what,
                         OutboxState to, const std::function<void(Stmt&)>& bind);
  // An operator's action: `sql` changes entry ?1 (bound with ?2 = now) to `to` when its state
  // allows, then the entries held behind it are released, in one transaction.
  // pending -> `to` for each of `ids`, with `error` as last_error, in one transaction.
  Status MovePendingMany(const std::vector<int64_t>& ids, const std::string& error, OutboxState to,
                         const std::string& what);
  Result<std::optional<OutboxState>> OperatorAction(const std::string& sql, int64_t id,
                                                    TimePoint now, const std::string& what,
                                                    OutboxState to);

  Connection writer_;
  bool recount_pending_ = false;  // writer_.mu: the tally missed a cascade, recount
  OutboxTally tally_;  // updated under writer_.mu after each commit; read under its own lock
  std::atomic<uint64_t> requeues_{0};
  Connection outbox_;
  Connection api_;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::atomic<unsigned> next_reader_{0};
  Connection prune_;
  // After the connections: stopped (and unhooked from the writer) before they close.
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

}  // namespace ab::sqlite
