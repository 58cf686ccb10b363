import CanvassCore
import Foundation

extension Value {
    /// Decodes a typed document (a survey definition, say) stored in a JSON field.
    public func decode<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: try JSONEncoder().encode(self))
    }

    /// Encodes a typed document as a JSON field value.
    public static func encoding<T: Encodable>(_ document: T) throws -> Value {
        try JSONDecoder().decode(Value.self, from: try JSONEncoder().encode(document))
    }
}

extension PushJudge {
    /// A judge for `snapshot`, with the surveys it holds parsed from their stored definitions.
    public init(schema: Schema, device: DeviceIdentity, snapshot: PushSnapshot) {
        self.init(
            schema: schema, device: device, snapshot: snapshot,
            surveys: snapshot.surveys.compactMapValues { try? $0["definition"]?.decode(as: Survey.self) })
    }
}
