import Logging

/// The head of the blob server's answer to one ranged GET, as `http_header_parse()` reads it (sdk-nrf v2.9.0
/// subsys/net/lib/download_client/src/http.c:123-232). The download client always asks for ranges: HTTPS does
/// (http.c:82), and so does plain HTTP with `CONFIG_DOWNLOAD_CLIENT_RANGE_REQUESTS`, default y
/// (download_client/Kconfig:128-130), so a 206 is the only status it takes (http.c:129).
struct HTTPResponseHead: Equatable {
    /// Bytes of the head, its blank line included (http.c:139).
    let length: Int
    /// The file's size from `Content-Range`, read only while the client does not know it (http.c:188-221).
    let fileSize: Int?
    /// `Connection: close`: the client reconnects after this fragment (http.c:223-227, download_client.c:751-761).
    let connectionClose: Bool

    /// What a buffer holds so far.
    enum Outcome: Equatable {
        /// No blank line yet: the client reads on (http.c:131-136).
        case incomplete
        case head(HTTPResponseHead)
        /// The head is refused, already logged as http.c logs it; the client raises `DOWNLOAD_CLIENT_EVT_ERROR`
        /// with `-errno` (download_client.c:713-718).
        case refused(errno: Int32)
    }

    /// `http_header_parse()` on the bytes received so far for a ranged request. `knownFileSize` is 0 until a first
    /// head gave it (`client->file_size`).
    static func parse(_ buffer: [UInt8], knownFileSize: Int, logger: Logger) -> Outcome {
        guard let end = Self.find(Array("\r\n\r\n".utf8), in: buffer[...]) else { return .incomplete }
        let length = end + 4
        // http.c:146-148: the head is lower-cased before it is searched (and before the status line is logged).
        let head = Array(buffer[..<length].map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 })
        guard let versionAt = Self.find(Array("http/1.1 ".utf8), in: head[...]) else {
            logger.error("Server response missing HTTP/1.1")  // http.c:151-155
            return .refused(errno: Errno.EBADMSG)
        }
        let statusAt = versionAt + 9
        // strtoul() (http.c:158): leading blanks, then digits; none gives 0.
        var digitsAt = statusAt
        while digitsAt < length, head[digitsAt] == 0x20 || head[digitsAt] == 0x09 { digitsAt += 1 }
        var digitsEnd = digitsAt
        var status = 0
        while digitsEnd < length, (0x30...0x39).contains(head[digitsEnd]), status < 1_000_000 {
            status = status * 10 + Int(head[digitsEnd] - 0x30)
            digitsEnd += 1
        }
        let statusEnd = digitsEnd == digitsAt ? statusAt : digitsEnd
        if status == 200 {
            logger.error("Server respond range not supported")  // http.c:164-167
            return .refused(errno: Errno.ERANGE)
        }
        if status != 206 {
            // http.c:169-182: the line from the status code to the first CR or LF.
            var lineEnd = statusEnd
            while lineEnd < length, head[lineEnd] != 0x0D, head[lineEnd] != 0x0A, head[lineEnd] != 0 { lineEnd += 1 }
            logger.error("Unexpected HTTP response: \(String(decoding: head[statusAt..<lineEnd], as: UTF8.self))")
            return .refused(errno: Errno.EBADMSG)
        }
        var fileSize: Int?
        if knownFileSize == 0 {
            guard let rangeAt = Self.find(Array("\r\ncontent-range".utf8), in: head[...]) else {
                logger.error("Server did not send \"Content-Range\" in response")  // http.c:190-195
                return .refused(errno: Errno.EBADMSG)
            }
            guard let slash = head[rangeAt...].firstIndex(of: UInt8(ascii: "/")) else {
                logger.error("No file size in response")  // http.c:196-200
                return .refused(errno: Errno.EBADMSG)
            }
            fileSize = Self.atoi(head[(slash + 1)...])  // http.c:219
        }
        let close = Self.find(Array("\r\nconnection: close".utf8), in: head[...]) != nil
        if close { logger.warning("Peer closed connection, will re-connect") }  // http.c:223-227
        return .head(HTTPResponseHead(length: length, fileSize: fileSize, connectionClose: close))
    }

    /// C's `atoi()`: leading blanks, an optional sign, then digits; 0 without any.
    static func atoi(_ bytes: ArraySlice<UInt8>) -> Int {
        var index = bytes.startIndex
        while index < bytes.endIndex, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        var sign = 1
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            if bytes[index] == UInt8(ascii: "-") { sign = -1 }
            index += 1
        }
        var value = 0
        while index < bytes.endIndex, (0x30...0x39).contains(bytes[index]), value < Int(Int32.max) {
            value = value * 10 + Int(bytes[index] - 0x30)
            index += 1
        }
        return sign * value
    }

    /// The index of `needle`'s first occurrence in `haystack`.
    static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var start = haystack.startIndex
        while start + needle.count <= haystack.endIndex {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
            start += 1
        }
        return nil
    }
}
