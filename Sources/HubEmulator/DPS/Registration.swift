import Crypto
import Foundation
import JSON
import Logging

/// A DPS reply to a device request: the status of the response topic, its JSON body and `retry-after`.
public struct ProvisioningReply: Error, Equatable, Sendable {
    public var status: Int
    public var body: JSONValue
    public var retryAfter: Int?
}

/// The device side of DPS (learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-dps): register, poll, assign.
extension ProvisioningService {
    /// `PUT iotdps-register`: attests the device and starts an operation (202 `assigning` with `retry-after`). The body
    /// may be empty (the nRF Connect SDK) or `{"registrationId": …, "payload": …}` (the SDKs).
    public func register(_ attempt: ProvisioningAttempt, body: [UInt8]) -> ProvisioningReply {
        var payload = JSONValue.null
        if body.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) {
            let request: JSONValue
            do {
                request = try JSONValue.parse(body, limits: self.hubCore.jsonLimits)
            } catch {
                return self.errorReply(400, 400004, "Bad request: the register body: \(error)")
            }
            guard request.objectValue != nil else { return self.errorReply(400, 400004, "Bad request: the register body is not a JSON object") }
            if let id = request["registrationId"], id != .null {
                guard id.stringValue?.lowercased() == attempt.registrationID.lowercased() else {
                    return self.errorReply(400, 400004, "Bad request: the body's registrationId \(id.text) is not '\(attempt.registrationID)'")
                }
            }
            payload = request["payload"] ?? .null
        }
        let reply: ProvisioningReply
        do {
            reply = try self.withInstance(attempt.dps) { state -> ProvisioningReply in
                let enrollment: EnrollmentReference
                switch self.attest(attempt, state: state) {
                case .failure(let refusal):
                    return refusal
                case .success(let matched):
                    enrollment = matched
                }
                let operationID = "4.\(String(format: "%016llx", UInt64.random(in: 0...UInt64.max))).\(UUID().uuidString.lowercased())"
                let operation = RegistrationOperation(
                    operationID: operationID, registrationID: attempt.registrationID, enrollmentKind: enrollment.kind, enrollmentID: enrollment.id,
                    payload: payload, leafThumbprint: attempt.chain.first.map { thumbprint($0, sha256: false) },
                    readyAt: self.now().timeIntervalSince1970 + Double(self.retryAfter))
                try self.store.save(operation, dps: state.record.name)
                state.operations[operationID] = operation
                self.logger.info("DPS registration started", metadata: [
                    "dps": "\(state.record.name)", "registration": "\(attempt.registrationID)", "operation": "\(operationID)",
                    "enrollment": "\(enrollment.kind == .group ? "group " : "")\(enrollment.id)",
                ])
                return ProvisioningReply(
                    status: 202,
                    body: .object(JSONObject([("operationId", .string(operationID)), ("status", .string("assigning"))])),
                    retryAfter: self.retryAfter)
            }
        } catch let error as IoTHubError {
            reply = self.errorReply(error.status, error.code, error.message)
        } catch {
            reply = self.errorReply(500, 500000, "Internal error: \(error)")
        }
        if reply.status >= 300 {
            self.logger.warning("DPS registration refused", metadata: [
                "registration": "\(PeerText.quoted(attempt.registrationID))", "peer": "\(attempt.peer)", "status": "\(reply.status)",
                "reason": "\(reply.body["message"]?.stringValue ?? "")",
            ])
        }
        return reply
    }

    /// `GET iotdps-get-operationstatus`: `assigning` (202) until the operation is due, then its final state (200).
    public func operationStatus(_ attempt: ProvisioningAttempt, operationID: String) -> ProvisioningReply {
        do {
            return try self.withInstance(attempt.dps) { state in
                guard let operation = state.operations[operationID],
                    operation.registrationID.lowercased() == attempt.registrationID.lowercased()
                else {
                    return self.errorReply(404, 404201, "Not found: no operation '\(operationID)' for registration '\(attempt.registrationID)'")
                }
                if let result = operation.result { return ProvisioningReply(status: 200, body: result) }
                let remaining = operation.readyAt - self.now().timeIntervalSince1970
                if remaining > 0 {
                    return ProvisioningReply(
                        status: 202,
                        body: .object(JSONObject([
                            ("operationId", .string(operationID)), ("status", .string("assigning")),
                            ("registrationState", .object(JSONObject([
                                ("registrationId", .string(operation.registrationID)), ("status", .string("assigning")),
                            ]))),
                        ])),
                        retryAfter: max(1, Int(remaining.rounded(.up))))
                }
                try self.assign(operation, state: &state)
                return ProvisioningReply(status: 200, body: state.operations[operationID]?.result ?? .null)
            }
        } catch let error as IoTHubError {
            return self.errorReply(error.status, error.code, error.message)
        } catch {
            return self.errorReply(500, 500000, "Internal error: \(error)")
        }
    }
}
