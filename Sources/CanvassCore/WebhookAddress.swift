/// Where a webhook may connect (issue 12): an automation rule is written by a coordinator, but the
/// server makes the request, from inside its own network. So a webhook to this machine or to a
/// private network (a database's admin port, a cloud's metadata service) is refused unless the
/// operator allows it (`canvass-server --allow-private-webhooks`). Pure: the server resolves the
/// host and asks about every address it got.
public enum WebhookAddress {
    /// Why a connection to this IPv4 or IPv6 address (4 or 16 bytes) is refused, nil for a
    /// public address.
    public static func refusal(_ bytes: [UInt8]) -> String? {
        if bytes.count == 16 {
            // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address.
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
                return refusal(Array(bytes[12..<16]))
            }
            if bytes.allSatisfy({ $0 == 0 }) { return "the unspecified address" }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return "loopback" }
            if bytes[0] & 0xfe == 0xfc { return "a private (unique local) address" }
            if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return "a link-local address" }
            return nil
        }
        guard bytes.count == 4 else { return "not an IP address" }
        switch (bytes[0], bytes[1]) {
        case (0, _): return "the unspecified network"
        case (127, _): return "loopback"
        case (10, _), (192, 168): return "a private address"
        case (172, let b) where (16...31).contains(b): return "a private address"
        case (169, 254): return "a link-local address (a cloud's metadata service lives here)"
        case (100, let b) where (64...127).contains(b): return "a carrier-grade NAT address"
        case (let a, _) where a >= 224: return "a multicast or reserved address"
        default: return nil
        }
    }
}
