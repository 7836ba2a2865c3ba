import Foundation
import Testing

@testable import HubEmulator

@Suite("Blob storage")
struct BlobStoreTests {
    @Test(arguments: [
        ("bytes=0-99", 1000, 0...99), ("bytes=900-", 1000, 900...999), ("bytes=-10", 1000, 990...999),
        ("bytes=990-2000", 1000, 990...999),
    ] as [(String, Int, ClosedRange<Int>)])
    func rangesAreSatisfied(header: String, size: Int, expected: ClosedRange<Int>) {
        #expect(byteRange(header, size: size) == expected)
    }

    @Test(arguments: ["bytes=1000-", "bytes=5-1", "items=0-1", "bytes=0-1,4-5", "bytes=x-1", "bytes=-0"])
    func unsatisfiableRanges(header: String) {
        #expect(byteRange(header, size: 1000) == nil)
    }

    @Test func uploadsReadBackAndNamesAreChecked() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("blobs-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = BlobStore(directory: directory)
        try store.upload(account: "acct", container: "fw", name: "v2/app.bin", content: [1, 2, 3], overwrite: false)
        #expect(store.read(account: "acct", container: "fw", name: "v2/app.bin") == [1, 2, 3])
        #expect(throws: IoTHubError.self) {
            try store.upload(account: "acct", container: "fw", name: "v2/app.bin", content: [4], overwrite: false)
        }
        try store.upload(account: "acct", container: "fw", name: "v2/app.bin", content: [4], overwrite: true)
        #expect(store.read(account: "acct", container: "fw", name: "v2/app.bin") == [4])
        #expect(throws: IoTHubError.self) { try store.upload(account: "acct", container: "fw", name: "../x", content: [], overwrite: true) }
        #expect(throws: IoTHubError.self) { try store.upload(account: "a/b", container: "fw", name: "x", content: [], overwrite: true) }
        #expect(store.read(account: "acct", container: "fw", name: "missing") == nil)
    }

    @Test("a name too long for Azure or for a file is a 400 InvalidResourceName naming the limit, not a file-system error")
    func longNames() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("blobs-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = BlobStore(directory: directory)
        #expect(throws: IoTHubError.invalidResourceName(
            "the blob name's segment '\(String(repeating: "a", count: 128))… (300 bytes)' is 300 bytes long; the emulator stores blobs as files, so at most 255 are allowed"
        )) {
            try store.upload(account: "acct", container: "fw", name: String(repeating: "a", count: 300), content: [1], overwrite: false)
        }
        #expect(throws: IoTHubError.invalidResourceName("the blob name is 1025 characters long; at most 1024 are allowed")) {
            try store.upload(account: "acct", container: "fw", name: String(repeating: "a/", count: 512) + "b", content: [1], overwrite: false)
        }
        let longest = Array(repeating: String(repeating: "b", count: 255), count: 4).joined(separator: "/")
        try store.upload(account: "acct", container: "fw", name: longest, content: [7], overwrite: false)
        #expect(store.read(account: "acct", container: "fw", name: longest) == [7])
    }
}
