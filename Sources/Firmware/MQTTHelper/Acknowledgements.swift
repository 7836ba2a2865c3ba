/// Matches libmosquitto's publish callbacks (a QoS 0 message written, a QoS 1 message acknowledged) with the
/// library's own message ids. The callback for an id may come before `mosquitto_publish()` has returned that id
/// (on this thread from inside the call, or on the MQTT thread), so either side may arrive first.
struct Acknowledgements {
    /// QoS 1 messages waiting for PUBACK: libmosquitto's id → the library's id.
    private var waiting: [Int32: UInt16] = [:]
    /// Callbacks that came before their publish returned.
    private var early: Set<Int32> = []
    /// QoS 0 publishes whose callback has not come yet.
    private var unacknowledged: Set<Int32> = []

    /// After `mosquitto_publish()` returned `id`. - Returns: the library's id when its PUBACK already came.
    mutating func published(_ id: Int32, qos: Int32, as messageID: UInt16) -> UInt16? {
        if self.early.remove(id) != nil { return qos > 0 ? messageID : nil }
        if qos > 0 {
            self.waiting[id] = messageID
        } else {
            self.unacknowledged.insert(id)
        }
        return nil
    }

    /// libmosquitto's publish callback for `id`. - Returns: the library's id of an acknowledged QoS 1 message.
    mutating func completed(_ id: Int32) -> UInt16? {
        if let messageID = self.waiting.removeValue(forKey: id) { return messageID }
        if self.unacknowledged.remove(id) == nil { self.early.insert(id) }
        return nil
    }
}
