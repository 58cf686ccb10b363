import CanvassCore
import CanvassProtocol
import CanvassStore
import NIOCore

extension WireCodec {
    /// A pull page whose records are spliced in as stored: the server never decodes and
    /// re-encodes a record to send it.
    public static func encode(_ page: RawPullPage) throws -> ByteBuffer {
        var out = JSONText(capacity: page.records.reduce(64) { $0 + $1.json.utf8.count + 1 })
        out.append(raw: "{\"records\":[")
        for (i, r) in page.records.enumerated() {
            if i > 0 { out.append(raw: ",") }
            out.append(raw: r.json)
        }
        out.append(raw: "],\"evict\":[")
        for (i, k) in page.evict.enumerated() {
            if i > 0 { out.append(raw: ",") }
            out.append(raw: "{\"collection\":")
            out.string(k.collection)
            out.append(raw: ",\"id\":")
            out.string(k.id)
            out.append(raw: "}")
        }
        out.append(raw: "],\"checkpoint\":")
        out.string(page.checkpoint)
        out.append(raw: page.more ? ",\"more\":true}" : ",\"more\":false}")
        return ByteBuffer(bytes: out.bytes)
    }
}
