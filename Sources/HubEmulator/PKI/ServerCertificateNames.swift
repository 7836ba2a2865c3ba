#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwiftASN1
import X509

/// The names the emulator's server certificate must cover, as its subject alternative names hold them: DNS names
/// (a `*.` wildcard covers one label) and IP addresses (RFC 5280 §4.2.1.6: an `iPAddress` is the address's 4 or
/// 16 octets). Clients that dial an address rather than a name (`nrfsim az` on `127.0.0.7`, the Azure SDKs with
/// `gateway_hostname="127.0.0.7"`) match it against the `iPAddress` entries, so the listen address must be one.
struct ServerCertificateNames: Equatable {
    var dnsNames: Set<String>
    var ipAddresses: Set<[UInt8]>

    /// The loopback addresses every certificate covers.
    static let loopback: [[UInt8]] = [[127, 0, 0, 1], [UInt8](repeating: 0, count: 15) + [1]]

    /// `names` sorted into IP address literals and DNS names, plus ``loopback``. Empty names and the wildcard
    /// listen addresses (`0.0.0.0`, `::`) are left out: no client dials them.
    init(_ names: some Sequence<String>) {
        self.dnsNames = []
        self.ipAddresses = Set(Self.loopback)
        for name in names where !name.isEmpty {
            if let address = Self.ipAddress(name) {
                if address.contains(where: { $0 != 0 }) { self.ipAddresses.insert(address) }
            } else {
                self.dnsNames.insert(name)
            }
        }
    }

    /// Whether `sans` covers every name: each DNS name by an equal or a matching wildcard `dNSName`, each address
    /// by an equal `iPAddress`.
    func areCovered(by sans: SubjectAlternativeNames) -> Bool {
        var addresses: Set<[UInt8]> = []
        var patterns: [String] = []
        for san in sans {
            switch san {
            case .dnsName(let pattern): patterns.append(pattern)
            case .ipAddress(let octets): addresses.insert(Array(octets.bytes))
            default: continue
            }
        }
        guard self.ipAddresses.isSubset(of: addresses) else { return false }
        return self.dnsNames.allSatisfy { name in
            patterns.contains { pattern in
                if pattern == name { return true }
                guard pattern.hasPrefix("*."), let dot = name.firstIndex(of: ".") else { return false }
                return name[dot...] == pattern.dropFirst()
            }
        }
    }

    /// The SANs of a certificate for these names: the DNS names, then the addresses (IPv4 before IPv6), each sorted.
    var subjectAlternativeNames: [GeneralName] {
        let addresses = self.ipAddresses.sorted { a, b in a.count != b.count ? a.count < b.count : a.lexicographicallyPrecedes(b) }
        return self.dnsNames.sorted().map { GeneralName.dnsName($0) }
            + addresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) }
    }

    /// The octets of an IPv4 (dotted quad) or IPv6 address literal, as `inet_pton(3)` reads it; nil for anything
    /// else (a hostname).
    static func ipAddress(_ text: String) -> [UInt8]? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &v6) == 1 { return v6 }
        return nil
    }
}
