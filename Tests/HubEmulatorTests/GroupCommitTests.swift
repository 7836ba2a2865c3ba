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
        let commits = NIOLockedValueBox(0)

        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
        func databaseDidChange(with event: DatabaseEvent) {}
        func databaseWillCommit() throws {
            if self.failing.withLockedValue({ $0 }) { throw Refused() }
        }
        func databaseDidCommit(_ db: Database) { self.commits.withLockedValue { $0 += 1 } }
        func databaseDidRollback(_ db: Database) {}

        /// A refuser watching every commit of `store`.
        static func observing(_ store: SQLiteHubStore) -> CommitRefuser {
            let refuser = CommitRefuser()
            store.queue.writeWithoutTransaction { $0.add(transactionObserver: refuser, extent: .databaseLifetime) }
            return refuser
        }
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
        let refuser = CommitRefuser.observing(store)
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

    /// Writer 0 holds the connection until 15 more writers have come, so that all 16 make one transaction.
    static func lineUp(_ store: SQLiteHubStore, _ save: @escaping @Sendable (Int) throws -> Void) -> [Int: String] {
        let outcomes = NIOLockedValueBox<[Int: String]>([:])
        let inside = ConditionLock(value: false)
        @Sendable func run(_ index: Int) {
            do {
                try save(index)
                outcomes.withLockedValue { $0[index] = "stored" }
            } catch {
                outcomes.withLockedValue { $0[index] = "\(error)" }
            }
        }
        let first = Thread {
            do {
                try store.write("save device h/dev-0") { db in
                    try DeviceRow(Self.device(0), hub: "h").insert(db)
                    inside.lock()
                    inside.unlock(withValue: true)
                    // A bound for "does not hang", not a pause: it ends as soon as the others have come.
                    let deadline = Date().addingTimeInterval(30)
                    while store.group.arriving < 16 && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
                }
                outcomes.withLockedValue { $0[0] = "stored" }
            } catch {
                outcomes.withLockedValue { $0[0] = "\(error)" }
            }
        }
        first.start()
        inside.lock(whenValue: true)
        inside.unlock()
        // Threads of their own: concurrentPerform runs only as many at once as there are cores.
        for index in 1..<16 { Thread { run(index) }.start() }
        let deadline = Date().addingTimeInterval(30)
        while outcomes.withLockedValue({ $0.count }) < 16 && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
        return outcomes.withLockedValue { $0 }
    }

    @Test("16 writers lined up behind one share one commit, and each returns stored")
    func oneCommit() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        let store = try SQLiteHubStore(path: files.path)
        let refuser = CommitRefuser.observing(store)
        let outcomes = Self.lineUp(store) { try store.save(Self.device($0), hub: "h") }
        #expect(outcomes.count == 16 && outcomes.values.allSatisfy { $0 == "stored" }, "\(outcomes)")
        #expect(refuser.commits.withLockedValue { $0 } == 1)
        #expect(try SQLiteHubStore(path: files.path).devices(hub: "h").count == 16)
    }

    @Test("when the commit of 16 lined-up writers fails, each of them fails and none of their changes is kept")
    func oneFailedCommit() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        let store = try SQLiteHubStore(path: files.path)
        let refuser = CommitRefuser.observing(store)
        refuser.failing.withLockedValue { $0 = true }
        let outcomes = Self.lineUp(store) { try store.save(Self.device($0), hub: "h") }
        #expect(outcomes.count == 16)
        for (index, outcome) in outcomes {
            #expect(outcome.contains("save device h/dev-\(index)") && outcome.contains("commit"), "writer \(index): \(outcome)")
        }
        #expect(try store.devices(hub: "h").isEmpty)
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
