import ArgumentParser
import CertTool

/// `nrfsim cert-tool`: the nRF Connect SDK's `scripts/cert_tool.py`, with its sub-commands, options and defaults.
struct CertToolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert-tool",
        abstract: "Generate private key, CSR Root CA certificate, Subordinate CA certificate, or sign a certificate",
        discussion: "The same actions, defaults and outputs as the nRF Connect SDK's scripts/cert_tool.py.",
        subcommands: [ClientKey.self, RootCA.self, SubCA.self, CSR.self, Sign.self, SignRoot.self]
    )

    static func tool() -> CertTool { CertTool(print: { Console.print($0) }) }

    /// Runs an action, turning a failure into a message and exit status 1.
    static func perform(_ action: () throws(CertToolError) -> Void) throws {
        do {
            try action()
        } catch {
            throw CommandFailure(error.description)
        }
    }

    struct ClientKey: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "client_key", abstract: "Generate EC private key")

        @Option(name: .customLong("client-key"), help: "Filename to save the private key")
        var clientKey = "certs/private-key.pem"

        func run() throws { try CertToolCommand.perform { () throws(CertToolError) in try CertToolCommand.tool().clientKey(path: self.clientKey) } }
    }

    struct RootCA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "root_ca", abstract: "Generate Root CA certificate for testing purposes")

        @Option(name: .customLong("root-key"), help: "Filename to save the private key")
        var rootKey = "ca/root-ca-key.pem"

        @Option(name: .customLong("root-cert"), help: "Filename to save the root CA certificate")
        var rootCert = "ca/root-ca-cert.pem"

        @Option(name: .customLong("common-name"), help: "Common Name for the Root CA certificate")
        var commonName = "Test Root CA"

        func run() throws {
            try CertToolCommand.perform { () throws(CertToolError) in
                try CertToolCommand.tool().rootCA(keyPath: self.rootKey, certificatePath: self.rootCert, commonName: self.commonName)
            }
        }
    }

    struct SubCA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sub_ca", abstract: "Generate Subordinate CA certificate for testing purposes")

        @Option(name: .customLong("sub-key"), help: "Filename to save the private key")
        var subKey = "ca/sub-ca-key.pem"

        @Option(name: .customLong("sub-cert"), help: "Filename to save the sub CA certificate")
        var subCert = "ca/sub-ca-cert.pem"

        @Option(name: .customLong("root-key"), help: "Filename to load the root CA private key")
        var rootKey = "ca/root-ca-key.pem"

        @Option(name: .customLong("root-cert"), help: "Filename to load the root CA certificate")
        var rootCert = "ca/root-ca-cert.pem"

        func run() throws {
            try CertToolCommand.perform { () throws(CertToolError) in
                try CertToolCommand.tool().subCA(
                    keyPath: self.subKey, certificatePath: self.subCert, rootKeyPath: self.rootKey, rootCertificatePath: self.rootCert)
            }
        }
    }

    struct CSR: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "csr", abstract: "Generate a CSR for a client certificate")

        @Option(name: .customLong("client-key"), help: "Filename to load the client key")
        var clientKey = "certs/private-key.pem"

        @Option(name: .customLong("client-csr"), help: "Filename to save the CSR")
        var clientCSR = "certs/client-csr.pem"

        @Option(name: .customLong("common-name"), help: "Common Name for the client certificate")
        var commonName: String

        func run() throws {
            try CertToolCommand.perform { () throws(CertToolError) in
                try CertToolCommand.tool().csr(keyPath: self.clientKey, csrPath: self.clientCSR, commonName: self.commonName)
            }
        }
    }

    /// The CSR to sign and where the certificate goes (`sign` and `sign_root`).
    struct SignedFiles: ParsableArguments {
        @Option(name: .customLong("client-csr"), help: "Filename to load the client CSR")
        var clientCSR = "certs/client-csr.pem"

        @Option(name: .customLong("client-cert"), help: "Filename to save the signed certificate")
        var clientCert = "certs/client-cert.pem"

        func sign(keyPath: String, certificatePath: String) throws {
            try CertToolCommand.perform { () throws(CertToolError) in
                try CertToolCommand.tool().sign(
                    csrPath: self.clientCSR, certificatePath: self.clientCert, signerKeyPath: keyPath, signerCertificatePath: certificatePath)
            }
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign", abstract: "Sign a certificate using the sub CA certificate")

        @OptionGroup var files: SignedFiles

        @Option(name: .customLong("sub-key"), help: "Filename to load the sub CA private key")
        var subKey = "ca/sub-ca-key.pem"

        @Option(name: .customLong("sub-cert"), help: "Filename to load the sub CA certificate")
        var subCert = "ca/sub-ca-cert.pem"

        func run() throws { try self.files.sign(keyPath: self.subKey, certificatePath: self.subCert) }
    }

    struct SignRoot: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sign_root", abstract: "Sign using the root CA certificate")

        @OptionGroup var files: SignedFiles

        @Option(name: .customLong("root-key"), help: "Filename to load the root CA private key")
        var rootKey = "ca/root-ca-key.pem"

        @Option(name: .customLong("root-cert"), help: "Filename to load the root CA certificate")
        var rootCert = "ca/root-ca-cert.pem"

        func run() throws { try self.files.sign(keyPath: self.rootKey, certificatePath: self.rootCert) }
    }
}
