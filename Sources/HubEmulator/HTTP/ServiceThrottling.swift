/// What each service API operation counts against in the SKU's throttles and quota ("IoT Hub quotas and
/// throttling"; "Understand IoT Hub pricing", learn.microsoft.com/azure/iot-hub/iot-hub-devguide-pricing).
extension ServiceOperation {
    /// `bodyBytes`: the request body, what an update or a method call is charged by.
    func throttled(bodyBytes: Int) -> ThrottledOperation {
        switch self {
        case .putDevice, .getDevice, .deleteDevice, .listDevices, .deviceStatistics, .purgeCloudToDevice: .registry
        case .queryTwins, .getTwin: .twinRead(bytes: 0)
        case .updateTwin: .twinUpdate(bytes: bodyBytes)
        case .invokeMethod: .method(bytes: bodyBytes)
        }
    }
}
