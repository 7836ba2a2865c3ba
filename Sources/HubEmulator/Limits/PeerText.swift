/// Text a peer sent (a client id, a user name, a registration id), as the log quotes it: at most
/// ``maximumLength`` characters, then the size of what was cut, so that an unauthenticated client cannot write
/// more than a line's worth of log per connection.
enum PeerText {
    static let maximumLength = 128

    static func quoted(_ text: some StringProtocol) -> String {
        guard text.count > Self.maximumLength else { return String(text) }
        return "\(text.prefix(Self.maximumLength))… (\(text.utf8.count) bytes)"
    }
}
