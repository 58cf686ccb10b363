import CanvassCore
import Testing

/// Which addresses a webhook may reach: public ones; not this machine, private networks,
/// link-local (a cloud's metadata service) or the unspecified address, in IPv4 or IPv6.
@Suite struct WebhookAddressTests {
    @Test func privateAndLoopbackAddressesAreRefusedPublicOnesAllowed() {
        let refused: [[UInt8]] = [
            [127, 0, 0, 1], [127, 9, 9, 9], [10, 1, 2, 3], [172, 16, 0, 1], [172, 31, 255, 255], [192, 168, 1, 1],
            [169, 254, 169, 254], [0, 0, 0, 0], [100, 64, 0, 1], [224, 0, 0, 1],
            [UInt8](repeating: 0, count: 15) + [1],  // ::1
            [UInt8](repeating: 0, count: 16),  // ::
            [0xfd, 0x12] + [UInt8](repeating: 0, count: 14),  // fd12::
            [0xfe, 0x80] + [UInt8](repeating: 0, count: 14),  // fe80::
            [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 127, 0, 0, 1],  // ::ffff:127.0.0.1
        ]
        for a in refused { #expect(WebhookAddress.refusal(a) != nil, "\(a)") }
        let allowed: [[UInt8]] = [
            [93, 184, 216, 34], [8, 8, 8, 8], [172, 15, 0, 1], [172, 32, 0, 1], [100, 128, 0, 1], [192, 169, 0, 1],
            [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 12),  // 2001:db8::
            [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 8, 8, 8, 8],  // ::ffff:8.8.8.8
        ]
        for a in allowed { #expect(WebhookAddress.refusal(a) == nil, "\(a)") }
    }
}
