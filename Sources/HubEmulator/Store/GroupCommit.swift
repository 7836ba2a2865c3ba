import GRDB
import NIOConcurrencyHelpers

/// Group commit on the store's one writer connection: the changes of writers that come together share one
/// transaction, and so one sync to disk (`synchronous = FULL`: SQLite documentation, "PRAGMA synchronous"), and each
/// writer returns only once the commit that holds its change is done.
///
/// How: a writer says it is coming (``State/arriving``), then takes the connection (GRDB serializes it). The first
/// in begins a transaction; each runs its change in a savepoint of its own, so a change that fails is undone alone
/// and fails only its writer; the writer that leaves with no other one coming commits for all of them and wakes the
/// others. While that commit syncs, the writers that come meanwhile wait for the connection and make up the next
/// transaction. A failed commit (rolled back) fails every writer of that transaction; so does a transaction SQLite
/// rolled back itself (an I/O error, a full disk). Nothing between a writer's coming and its taking the connection
/// waits for anything else, so the last one always comes and commits.
///
/// A transaction is left open between two writers, which GRDB forbids unless `allowsUnsafeTransactions`
/// (``SQLiteHubStore`` sets it on its writer); readers use their own connections (a `DatabasePool`) and see only
/// committed changes (SQLite documentation, "Write-Ahead Logging": a reader sees the database as of its start).
final class GroupCommit: Sendable {
    private struct State {
        /// Writers that said they are coming and have not yet run their change.
        var arriving = 0
        /// The transaction that is open on the connection, by number, with the writers waiting for its commit.
        var open: Int?
        var waiting: [Int: [ConditionLock<Bool>]] = [:]
        var next = 1
        /// How ended transactions with writers still to wake ended: nil when committed, else why they did not.
        var ends: [Int: (failure: String?, unread: Int)] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// How many writers have said they are coming and not yet run their change (for tests that line writers up).
    var arriving: Int { self.state.withLockedValue { $0.arriving } }

    /// Runs `body` in the open transaction (or a new one) of `writer`, and returns once that transaction is
    /// committed. - Throws: `body`'s error (its change undone), or ``GroupCommitError`` when the commit failed.
    func write<T>(_ writer: any DatabaseWriter, _ body: (Database) throws -> T) throws -> T {
        self.state.withLockedValue { $0.arriving += 1 }
        let done = ConditionLock(value: false)
        // What the writer learns inside the connection: its change's outcome, and the transaction it waits for.
        let (outcome, waitsFor): (Result<T, any Error>, Int?) = writer.writeWithoutTransaction { db in
            var outcome: Result<T, any Error>
            do {
                if !db.isInsideTransaction {
                    // A transaction still counted as open is not on the connection any more: its writers fail.
                    self.end(failure: "the transaction was rolled back before its commit", leaving: false)
                    try db.beginTransaction(.immediate)
                    self.state.withLockedValue { state in
                        state.open = state.next
                        state.next += 1
                    }
                }
                var value: T?
                try db.inSavepoint {
                    value = try body(db)
                    return .commit
                }
                outcome = .success(value!)
            } catch {
                outcome = .failure(error)
            }
            // SQLite rolls the whole transaction back on some errors: the writers before this one lost their change.
            if !db.isInsideTransaction {
                self.end(failure: "the transaction was rolled back: \(outcome.failureDescription ?? "by SQLite")", leaving: true)
                return (outcome.flatMap { _ in .failure(GroupCommitError(reason: "the transaction was rolled back by SQLite")) }, nil)
            }
            let (last, open) = self.state.withLockedValue { state -> (Bool, Int?) in
                state.arriving -= 1
                let last = state.arriving == 0
                if !last, case .success = outcome, let open = state.open { state.waiting[open, default: []].append(done) }
                return (last, state.open)
            }
            guard last else {
                if case .success = outcome { return (outcome, open) }
                return (outcome, nil)
            }
            do {
                try db.commit()
                self.end(failure: nil, leaving: false)
                return (outcome, nil)
            } catch {
                try? db.rollback()  // the commit failed: nothing of this transaction is kept, which the writers learn
                self.end(failure: "\(error)", leaving: false)
                return (outcome.flatMap { _ in .failure(GroupCommitError(reason: "\(error)")) }, nil)
            }
        }
        guard let waitsFor else { return try outcome.get() }
        done.lock(whenValue: true)
        done.unlock()
        let failure = self.state.withLockedValue { state -> String? in
            guard let end = state.ends[waitsFor] else { return nil }
            if end.unread <= 1 { state.ends[waitsFor] = nil } else { state.ends[waitsFor]!.unread -= 1 }
            return end.failure
        }
        if let failure { throw GroupCommitError(reason: failure) }
        return try outcome.get()
    }

    /// The open transaction ended (committed when `failure` is nil): its waiting writers are told and woken.
    /// `leaving`: the writer that ends it is one of those still counted as arriving.
    private func end(failure: String?, leaving: Bool) {
        let woken = self.state.withLockedValue { state -> [ConditionLock<Bool>] in
            if leaving { state.arriving -= 1 }
            guard let open = state.open else { return [] }
            state.open = nil
            let waiting = state.waiting.removeValue(forKey: open) ?? []
            if failure != nil && !waiting.isEmpty { state.ends[open] = (failure, waiting.count) }
            return waiting
        }
        for writer in woken {
            writer.lock()
            writer.unlock(withValue: true)
        }
    }
}

/// A commit that failed, so that the change of every writer in its transaction is not stored.
struct GroupCommitError: Error, CustomStringConvertible {
    var reason: String
    var description: String { "the commit failed: \(self.reason)" }
}

extension Result {
    fileprivate var failureDescription: String? {
        guard case .failure(let error) = self else { return nil }
        return "\(error)"
    }
}
