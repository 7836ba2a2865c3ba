import Foundation
import HubClient
import Testing

/// The client's own errors, and the lines `nrfsim az` prints for them (after `ERROR: `).
@Suite("Hub client errors")
struct HubClientErrorTests {
    /// A fresh directory under the temporary directory, removed by the caller.
    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hubclient-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("a data directory without an admin token is no emulator")
    func noEmulator() throws {
        let directory = try self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            _ = try HubClient.forDataDirectory(directory)
            Issue.record("a directory without an admin token gave a client")
        } catch {
            guard case .noEmulator(let dataDirectory) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(dataDirectory == directory)
            #expect(error.description == "no emulator state in \(directory) (start `nrfsim hub --data-dir \(directory)`, or set NRFSIM_HUB_DIR)")
        }
    }

    @Test("the token is read without its surrounding whitespace; the root CA is the directory's")
    func client() throws {
        let directory = try self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "secret\n".write(toFile: directory + "/admin-token", atomically: true, encoding: .utf8)
        let client = try HubClient.forDataDirectory(directory, host: "localhost", port: 9443)
        #expect(client.adminToken == "secret")
        #expect(client.rootCAPath == directory + "/server-root-ca.pem")
        #expect(client.host == "localhost" && client.port == 9443)
    }

    @Test("a request that cannot be made is unreachable, naming the address and the cause")
    func unreachable() async throws {
        let directory = try self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // No server-root-ca.pem: the TLS context cannot be built, so nothing is sent anywhere.
        let client = HubClient(host: "127.0.0.1", port: 9, rootCAPath: directory + "/server-root-ca.pem", adminToken: "t")
        do {
            _ = try await client.request(.GET, "/admin/hubs")
            Issue.record("a request without a trusted root succeeded")
        } catch {
            guard case .unreachable(let host, let port, let underlying) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(host == "127.0.0.1" && port == 9)
            #expect(error.description == "cannot reach the IoT Hub emulator at 127.0.0.1:9: \(underlying)")
        }
    }

    /// A self-signed root with no use beyond being a loadable trust anchor (its key was discarded).
    static let root = """
        -----BEGIN CERTIFICATE-----
        MIIBoTCCAUegAwIBAgIUIQTj2Wrw63Qh8CfP9MDcasv6LNYwCgYIKoZIzj0EAwIw
        JTEjMCEGA1UEAwwabnJmc2ltIEh1YkNsaWVudFRlc3RzIHJvb3QwIBcNMjYxMjAx
        MjAzMzM0WhgPMjEyNjExMDcyMDMzMzRaMCUxIzAhBgNVBAMMGm5yZnNpbSBIdWJD
        bGllbnRUZXN0cyByb290MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEV4EQWBnQ
        IljFJY0BpV9U88ym/Y+eYgJvcOHpL2RY9Obpp9orc1AtOzyqq3orzPnZjaRJar2+
        9K06CTavoBcegqNTMFEwHQYDVR0OBBYEFFroHup82COls8LAdZNWuOtD8vlZMB8G
        A1UdIwQYMBaAFFroHup82COls8LAdZNWuOtD8vlZMA8GA1UdEwEB/wQFMAMBAf8w
        CgYIKoZIzj0EAwIDSAAwRQIhALHoPuD0+A0wm6CX7CRcFR5WeKq8V4A+8/3aE/Wy
        86j/AiAM5/1lpHz7MxVC7opANZI9ln6YT5nEiIxIZ3PMYv4MsQ==
        -----END CERTIFICATE-----
        """

    @Test("a refused connection is unreachable, and the client survives it (the response promise is failed, not dropped)")
    func refused() async throws {
        let directory = try self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.root.write(toFile: directory + "/server-root-ca.pem", atomically: true, encoding: .utf8)
        // Port 9 (discard) has no listener here: the connection is refused.
        let client = HubClient(host: "127.0.0.1", port: 9, rootCAPath: directory + "/server-root-ca.pem", adminToken: "t")
        for _ in 0..<3 {
            do {
                _ = try await client.request(.GET, "/admin/hubs")
                Issue.record("a request to a closed port succeeded")
            } catch {
                guard case .unreachable(_, 9, _) = error else {
                    Issue.record("\(error)")
                    return
                }
            }
        }
        // NIO's debug builds trap when a dropped promise is released; give its event loop time to release them.
        try await Task.sleep(for: .milliseconds(200))
    }

    @Test("a connection closed before the response ends is reported as such")
    func connectionClosed() {
        #expect(HubClientError.connectionClosed(host: "h", port: 1).description == "cannot reach the IoT Hub emulator at h:1: the emulator closed the connection")
    }
}
