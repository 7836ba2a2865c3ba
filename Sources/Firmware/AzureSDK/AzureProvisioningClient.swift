import Foundation

/// Mirrors the Azure SDK for Embedded C's `az_iot_provisioning_client`: user name, topics and response parsing.
public enum AzureProvisioningClient {
    public static let apiVersion = "2019-03-31"
    /// `AZ_IOT_PROVISIONING_CLIENT_REGISTER_SUBSCRIBE_TOPIC`.
    public static let subscription = "$dps/registrations/res/#"
    /// The request id the SDK always uses.
    public static let requestID = "1"

    /// `az_iot_provisioning_client_get_user_name()` (no user agent configured, so no `&ClientVersion=`).
    public static func userName(idScope: String, registrationID: String) -> String {
        "\(idScope)/registrations/\(registrationID)/api-version=\(apiVersion)"
    }

    /// `az_iot_provisioning_client_register_get_publish_topic()`.
    public static let registerTopic = "$dps/registrations/PUT/iotdps-register/?$rid=1"

    /// `az_iot_provisioning_client_query_status_get_publish_topic()`.
    public static func queryStatusTopic(operationID: String) -> String {
        "$dps/registrations/GET/iotdps-get-operationstatus/?$rid=1&operationId=\(operationID)"
    }

    /// `az_iot_provisioning_client_register_response`.
    public struct RegisterResponse: Sendable, Equatable {
        public var status: UInt32
        public var retryAfterSeconds: UInt32
        public var operationID: String
        /// `assigning`, `assigned`, `failed`, `unassigned` or `disabled`.
        public var operationStatus: String
        public var assignedHub: String?
        public var deviceID: String?
        public var errorCode: Int?
        public var errorMessage: String?
        public var trackingID: String?

        /// `az_iot_provisioning_client_operation_complete()`.
        public var isOperationComplete: Bool { ["assigned", "failed", "disabled"].contains(self.operationStatus) }
    }

    /// `az_iot_provisioning_client_parse_received_topic_and_payload()`. Nil when the topic is not a registration
    /// response or the payload is not one.
    public static func parseResponse(topic: String, payload: [UInt8]) -> RegisterResponse? {
        let prefix = "$dps/registrations/res/"
        guard topic.hasPrefix(prefix) else { return nil }
        let rest = topic.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: "/"), let status = UInt32(rest[..<slash]) else { return nil }
        let query = rest[rest.index(after: slash)...]
        let retryAfter = AzureIoTHubClient.queryValue("retry-after", in: query).flatMap { UInt32($0) } ?? 0
        guard let object = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any] else { return nil }
        var response = RegisterResponse(
            status: status, retryAfterSeconds: retryAfter, operationID: object["operationId"] as? String ?? "",
            operationStatus: object["status"] as? String ?? "")
        if status >= 300 {
            // An error body: {"errorCode","trackingId","message",...}; the operation ends as failed.
            response.operationStatus = "failed"
            response.errorCode = object["errorCode"] as? Int
            response.errorMessage = object["message"] as? String
            response.trackingID = object["trackingId"] as? String
            return response
        }
        if let state = object["registrationState"] as? [String: Any] {
            response.assignedHub = state["assignedHub"] as? String
            response.deviceID = state["deviceId"] as? String
            response.errorCode = state["errorCode"] as? Int
            response.errorMessage = state["errorMessage"] as? String
        }
        guard !response.operationStatus.isEmpty else { return nil }
        return response
    }
}
