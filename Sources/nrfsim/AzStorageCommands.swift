import ArgumentParser
import Foundation
import HubClient
import JSON

/// `nrfsim az storage …`: Azure Blob Storage for firmware images, on the emulator's HTTPS port.
extension AzCommand {
    struct Storage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "storage", abstract: "Blob storage (firmware images for FOTA).", subcommands: [Blob.self])

        struct Blob: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "blob", abstract: "Blobs.", subcommands: [Upload.self])

            struct Upload: AsyncParsableCommand {
                static let configuration = CommandConfiguration(
                    commandName: "upload",
                    abstract: "Upload a file as a blob, served at https://<account>.blob.core.windows.net/<container>/<name>.")

                @Option(name: .customLong("account-name")) var accountName: String
                @Option(name: [.customShort("c"), .customLong("container-name")]) var containerName: String
                @Option(name: [.customShort("n"), .customLong("name")]) var name: String
                @Option(name: [.customShort("f"), .customLong("file")]) var file: String
                @Flag(help: "Replace a blob that exists.") var overwrite = false
                @OptionGroup var output: AzOutput

                func run() async throws {
                    guard let data = FileManager.default.contents(atPath: self.file) else {
                        throw CommandFailure("ERROR: cannot read \(self.file)")
                    }
                    let result = try await AzEmulator.call(
                        .PUT, "/admin/storage/\(self.accountName)/\(self.containerName)/\(self.name)",
                        body: .object(JSONObject([
                            ("content", .string(data.base64EncodedString())), ("overwrite", .bool(self.overwrite)),
                        ])))
                    try self.output.print(result)
                }
            }
        }
    }
}
