/// The `reply:STATUS` form that `nrfsim hub --dps-fault` and `--blob-fault` both take: a forced HTTP error status.
enum FaultReply: Equatable {
    /// `reply:STATUS` with STATUS in 400-599.
    case status(Int)
    /// `reply:` followed by something that is not an error status (the text after the colon).
    case badStatus(String)
    /// Not of the `reply:` form.
    case other

    init(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "reply" else {
            self = .other
            return
        }
        guard let status = Int(parts[1]), (400...599).contains(status) else {
            self = .badStatus(String(parts[1]))
            return
        }
        self = .status(status)
    }
}
