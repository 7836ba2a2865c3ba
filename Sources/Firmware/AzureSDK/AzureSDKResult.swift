/// The Azure SDK for Embedded C's `az_result` codes the firmware reports (sdk/inc/azure/core/az_result.h):
/// `_az_RESULT_MAKE_ERROR(facility, code)` is the error bit, the facility in bits 16-30 and the code.
enum AzureSDKResult {
    /// `AZ_ERROR_NOT_ENOUGH_SPACE`: `_az_RESULT_MAKE_ERROR(_az_FACILITY_CORE, 2)`, a buffer too small.
    static let notEnoughSpace: UInt32 = 0x8001_0002
}
