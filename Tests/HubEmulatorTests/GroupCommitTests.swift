import Foundation
import GRDB
import NIOConcurrencyHelpers
import Testing

@testable import HubEmulator

/// Group commit: writers that come together share a transaction; each returns once the commit holding its change is
/// done, a change that fails fails alone, and a commit that fails fails every writer of its transaction.
@Suite("The store's group commit")
struct GroupCommitTests {
    /// Fails every commit while `failing` is set (GRDB rolls the transaction back when `databaseWillCommit` throws:
    /// GRDB documentation, "TransactionObserver").
    final class CommitRefuser: TransactionObserver, Sendable {
        struct Refused: Error {}
        let failing = NIOLockedValueBox(false)

        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
        func databaseDidChange(with event: DatabaseEvent) {}
        func databaseWillCommit() throws {
            if self.failing.withLockedValue({ $0 }) { throw Refused() }
        }
        func databaseDidCommit(_ db: Database) {}
        func databaseDidRollback(_ db: Database) {}
    }

    static func device(_ index: Int) -> DeviceRecord {
        DeviceRecord(deviceID: "dev-\(index)", generationID: "\(index)", authentication: .certificateAuthority, statusUpdatedTime: "t")
    }

    @Test("64 writers on 16 threads: every one returns, and every change is on disk after a reopen")
    func concurrentWriters() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        do {
            let store = try SQLiteHubStore(path: files.path)
            let failures = NIOLockedValueBox<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 16) { thread in
                for round in 0..<4 {
                    do {
                        try store.save(Self.device(thread * 4 + round), hub: "h")
                    } catch {
                        failures.withLockedValue { $0.append("\(error)") }
                    }
                }
            }
            #expect(failures.withLockedValue { $0 }.isEmpty)
        }
        let reopened = try SQLiteHubStore(path: files.path)
        #expect(try reopened.devices(hub: "h").map(\.deviceID).sorted() == (0..<64).map { "dev-\($0)" }.sorted())
    }

    @Test("a commit that fails fails every writer whose change it held, keeps none of them, and the store goes on")
    func failedCommit() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        let store = try SQLiteHubStore(path: files.path)
        let refuser = CommitRefuser()
        store.queue.writeWithoutTransaction { $0.add(transactionObserver: refuser, extent: .databaseLifetime) }
        refuser.failing.withLockedValue { $0 = true }
        let outcomes = NIOLockedValueBox<[Int: String]>([:])
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            do {
                try store.save(Self.device(index), hub: "h")
                outcomes.withLockedValue { $0[index] = "stored" }
            } catch {
                outcomes.withLockedValue { $0[index] = "\(error)" }
            }
        }
        let seen = outcomes.withLockedValue { $0 }
        #expect(seen.count == 16)
        for (index, outcome) in seen {
            #expect(outcome.contains("save device h/dev-\(index)") && outcome.contains("the commit failed"), "writer \(index): \(outcome)")
        }
        #expect(try store.devices(hub: "h").isEmpty)
        refuser.failing.withLockedValue { $0 = false }
        try store.save(Self.device(99), hub: "h")
        #expect(try SQLiteHubStore(path: files.path).devices(hub: "h").map(\.deviceID) == ["dev-99"])
    }

    @Test("a writer whose change fails fails alone: the writers beside it are committed")
    func failingChange() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        let store = try SQLiteHubStore(path: files.path)
        let outcomes = NIOLockedValueBox<[Int: Bool]>([:])
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            do {
                try store.write("writer \(index)") { db in
                    try db.execute(sql: "INSERT INTO session (hub, client, subscriptions) VALUES ('h', ?, '[]')", arguments: ["c\(index)"])
                    // Every fourth writer fails after its insert: its insert is undone, the others' are not.
                    if index % 4 == 0 { try db.execute(sql: "INSERT INTO nosuchtable VALUES (1)") }
                }
                outcomes.withLockedValue { $0[index] = true }
            } catch {
                #expect("\(error)".contains("writer \(index)") && "\(error)".contains("nosuchtable"))
                outcomes.withLockedValue { $0[index] = false }
            }
        }
        let seen = outcomes.withLockedValue { $0 }
        #expect(seen.count == 16 && seen.filter { !$0.value }.keys.sorted() == [0, 4, 8, 12])
        let clients = try SQLiteHubStore(path: files.path).queue.read { try String.fetchAll($0, sql: "SELECT client FROM session") }
        #expect(clients.sorted() == (0..<16).filter { $0 % 4 != 0 }.map { "c\($0)" }.sorted())
    }

    @Test("a reader sees a change only once its commit is done, and does not wait for the writer")
    func readersSeeCommitted() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        let store = try SQLiteHubStore(path: files.path)
        let seen = NIOLockedValueBox<Int?>(nil)
        let step = ConditionLock(value: 0)
        let reader = Thread {
            // Reads while the writer holds its change, not yet committed.
            step.lock(whenValue: 1)
            step.unlock()
            let count = try? store.queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM session") }
            seen.withLockedValue { $0 = count ?? -1 }
            step.lock()
            step.unlock(withValue: 2)
        }
        reader.start()
        try store.write("write a session") { db in
            try db.execute(sql: "INSERT INTO session (hub, client, subscriptions) VALUES ('h', 'c', '[]')")
            step.lock()
            step.unlock(withValue: 1)
            // A bound for "does not hang": a reader that waited for the writer would never get here.
            let read = step.lock(whenValue: 2, timeoutSeconds: 30)
            if read { step.unlock() }
            #expect(read, "the reader waited for the writer")
        }
        #expect(seen.withLockedValue { $0 } == 0)
        #expect(try store.queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM session") } == 1)
    }
}
