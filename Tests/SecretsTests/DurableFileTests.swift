import Foundation
import Secrets
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("DurableFile")
struct DurableFileTests {
    private let directory = NSTemporaryDirectory() + "nrfsim-durable-" + UUID().uuidString

    private func mode(_ path: String) throws -> Int {
        try #require((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test("writes private files 0600 in 0700 directories, and public ones 0644, whatever was there before")
    func modes() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        let nested = self.directory + "/a/b"
        try DurableFile.makeDirectory(nested)
        #expect(try self.mode(self.directory) == 0o700 && self.mode(nested) == 0o700)
        let secret = nested + "/key.pem"
        #expect(FileManager.default.createFile(atPath: secret, contents: Data("old".utf8), attributes: [.posixPermissions: 0o666]))
        try DurableFile.write("new", to: secret)
        #expect(try self.mode(secret) == 0o600)
        #expect(try String(contentsOfFile: secret, encoding: .utf8) == "new")
        let certificate = nested + "/cert.pem"
        try DurableFile.write("cert", to: certificate, mode: DurableFile.publicMode)
        #expect(try self.mode(certificate) == 0o644)
        #expect(!FileManager.default.fileExists(atPath: secret + ".tmp"))
    }

    @Test("a write that fails names the file and leaves the old content as it was")
    func failureKeepsOldFile() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        try DurableFile.makeDirectory(self.directory)
        let path = self.directory + "/admin-token"
        try DurableFile.write("old token", to: path)
        // The temporary file cannot be created: a directory stands in its way (this fails for root too).
        try FileManager.default.createDirectory(atPath: path + ".tmp", withIntermediateDirectories: false)
        let error = try #require(throws: DurableFileError.self) { try DurableFile.write("new token", to: path) }
        #expect(error.path == path)
        #expect("\(error)".hasPrefix("cannot write \(path): open \(path).tmp: "))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old token")
    }

    @Test("a directory that cannot be made is an error naming it")
    func directoryFailure() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        try DurableFile.makeDirectory(self.directory)
        let file = self.directory + "/plain"
        try DurableFile.write("x", to: file)
        let error = try #require(throws: DurableFileError.self) { try DurableFile.makeDirectory(file + "/sub") }
        #expect(error.path == file + "/sub" || error.path == file)
    }

    @Test("a secret file readable by others is named in a warning; a private or missing one is not")
    func loosePermissions() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        try DurableFile.makeDirectory(self.directory)
        let path = self.directory + "/server-key.pem"
        #expect(DurableFile.loosePermissionsWarning(path) == nil)
        try DurableFile.write("k", to: path)
        #expect(DurableFile.loosePermissionsWarning(path) == nil)
        #expect(chmod(path, 0o644) == 0)
        let warning = try #require(DurableFile.loosePermissionsWarning(path))
        #expect(warning.contains(path) && warning.contains("0644"))
    }
}
