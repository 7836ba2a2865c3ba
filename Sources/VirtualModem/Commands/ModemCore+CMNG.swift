import ATProtocol

extension ModemCore {
    /// `%CMNG`: credential storage management (opcodes 0 write, 1 list, 2 read, 3 delete).
    mutating func handleCMNG(_ command: ATCommand) -> ATResponse {
        switch command.form {
        case .set: break
        case .test: return .ok("%CMNG: (0-3),,(0-11),,")
        case .action, .read: return .error
        }
        guard let opcode = command.parameter(0).uint32 else { return .error }
        switch opcode {
        case 0: return self.writeCredential(command)
        case 1: return self.listCredentials(command)
        case 2: return self.readCredential(command)
        case 3: return self.deleteCredential(command)
        default: return .error
        }
    }

    /// `AT%CMNG=0,<tag>,<type>,"<content>"[,"<passwd>"]`
    private mutating func writeCredential(_ command: ATCommand) -> ATResponse {
        guard (4...5).contains(command.parameters.count), let tag = command.parameter(1).uint32,
            let type = Self.credentialType(command.parameter(2)),
            let content = command.parameter(3).quotedBytes, !content.isEmpty
        else { return .error }
        if command.parameters.count == 5 {
            guard let password = command.parameter(4).quotedBytes, password.count <= 32 else { return .error }
        }
        guard self.isWritableTag(tag) else { return .error }
        if self.options.powerOffWarning { return .cme(.powerOffWarning) }
        if self.lteActive { return .cme(.notAllowedInActiveState) }
        guard type.isWritable else { return .cme(.noAccess) }
        if type == .presharedKey, Hex.decode(String(decoding: content, as: UTF8.self)) == nil {
            return .cme(.invalidContent)
        }
        guard self.credentials.put(Credential(tag: tag, type: type, content: content)) else {
            return .cme(.memoryFull)
        }
        return .ok()
    }

    /// `AT%CMNG=1[,<tag>[,<type>]]`: allowed in any functional mode.
    private func listCredentials(_ command: ATCommand) -> ATResponse {
        guard command.parameters.count <= 3 else { return .error }
        var tag: UInt32?
        var type: CredentialType?
        if command.parameters.count >= 2 {
            guard let value = command.parameter(1).uint32 else { return .error }
            tag = value
        }
        if command.parameters.count == 3 {
            guard let value = Self.credentialType(command.parameter(2)) else { return .error }
            type = value
        }
        if self.options.powerOffWarning { return .cme(.powerOffWarning) }
        let lines = self.credentials.list(tag: tag, type: type).map { Array($0.listLine.utf8) }
        return ATResponse(lines: lines, result: .ok)
    }

    /// `AT%CMNG=2,<tag>,<type>`: content verbatim, except secrets (514).
    private func readCredential(_ command: ATCommand) -> ATResponse {
        guard command.parameters.count == 3, let tag = command.parameter(1).uint32,
            let type = Self.credentialType(command.parameter(2))
        else { return .error }
        if self.options.powerOffWarning { return .cme(.powerOffWarning) }
        guard let entry = self.credentials.entry(tag: tag, type: type) else { return .cme(.notFound) }
        guard !type.isSecret else { return .cme(.noAccess) }
        let line = Array("%CMNG: \(tag),\(type.rawValue),\"\(entry.sha)\",\"".utf8) + entry.content + [UInt8(ascii: "\"")]
        return ATResponse(lines: [line], result: .ok)
    }

    /// `AT%CMNG=3,<tag>,<type>`
    private mutating func deleteCredential(_ command: ATCommand) -> ATResponse {
        guard command.parameters.count == 3, let tag = command.parameter(1).uint32,
            let type = Self.credentialType(command.parameter(2))
        else { return .error }
        if self.options.powerOffWarning { return .cme(.powerOffWarning) }
        if self.lteActive { return .cme(.notAllowedInActiveState) }
        if SecurityTag.isModemReserved(tag) || self.credentials.entry(tag: tag, type: type)?.readOnly == true {
            return .cme(.noAccess)
        }
        guard self.credentials.remove(tag: tag, type: type) else { return .cme(.notFound) }
        return .ok()
    }

    /// Whether a user may store credentials in `tag` on this firmware.
    func isWritableTag(_ tag: UInt32) -> Bool {
        tag <= SecurityTag.userMaximum
            || (self.profile.supportsTLSDecryptTags && SecurityTag.tlsDecryptRange.contains(tag))
    }

    static func credentialType(_ parameter: ATParameter) -> CredentialType? {
        guard let value = parameter.uint32, value <= 11 else { return nil }
        return CredentialType(rawValue: UInt8(value))
    }
}
