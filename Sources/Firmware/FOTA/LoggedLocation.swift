/// A firmware location as it may be logged: a blob SAS's signature (`sig=`) is replaced, the rest kept.
///
/// Azure FOTA's `fwLocation.path` may carry a blob service SAS (`?sv=…&se=…&sp=r&sig=…`, Azure Storage
/// documentation, "Create a service SAS"); its `sig` grants read access to the image until `se`, so it is a secret
/// the console must not show.
enum LoggedLocation {
    static func redacted(_ path: String) -> String {
        guard let query = path.firstIndex(of: "?") else { return path }
        let fields = path[path.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false).map { field in
            field.lowercased().hasPrefix("sig=") ? "sig=<redacted>" : String(field)
        }
        return String(path[..<query]) + "?" + fields.joined(separator: "&")
    }
}
