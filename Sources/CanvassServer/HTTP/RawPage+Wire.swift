import CanvassCore
import CanvassProtocol
import CanvassStore
import NIOCore

extension WireCodec {
    /// A pull page whose records are spliced in as stored: the server never decodes and
    /// re-encodes a record to send it.
    public static func encode(_ page: RawPullPage) throws -> ByteBuffer {
        pullPage(
            count: page.records.count, evict: page.evict, checkpoint: page.checkpoint, more: page.more,
            checkouts: page.checkouts
        ) { out, i in
            out.append(raw: page.records[i].json)
        }
    }
}
