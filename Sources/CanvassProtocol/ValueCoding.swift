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
    /// A judge for `snapshot`, with the surveys it holds parsed from their stored definitions,
    /// and a pushed survey definition held to what `canvass survey create` checks: it decodes as
    /// a `Survey` and passes `Survey.check()`.
    public init(schema: Schema, device: DeviceIdentity, snapshot: PushSnapshot) {
        self.init(
            schema: schema, device: device, snapshot: snapshot,
            surveys: snapshot.surveys.compactMapValues { try? $0["definition"]?.decode(as: Survey.self) },
            documentChecks: ["surveys.definition": Self.surveyDefinitionProblems],
            parseSurvey: { try? $0.decode(as: Survey.self) })
    }

    /// Problems of a survey definition stored as a JSON value.
    @Sendable public static func surveyDefinitionProblems(_ value: Value) -> [Diagnostic] {
        do {
            return try value.decode(as: Survey.self).check().filter { $0.severity == .error }
        } catch {
            return [
                Diagnostic(
                    at: "survey", code: "bad_value",
                    "not a survey definition (\(error)); write it with canvass survey create CAMPAIGN FILE.yaml")
            ]
        }
    }
}
