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
            documentChecks: [
                "surveys.definition": Self.surveyDefinitionProblems,
                "automation_rules.source": Self.automationSourceProblems,
            ],
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

    /// Problems of an automation rule's YAML source (`AutomationDocument`), each located at its
    /// line and column: a rule that does not read is refused on push, so the engine never meets one.
    @Sendable public static func automationSourceProblems(_ value: Value) -> [Diagnostic] {
        guard case .string(let yaml) = value else {
            return [Diagnostic(at: "source", code: "bad_type", "an automation rule's source is its YAML text")]
        }
        do {
            _ = try AutomationDocument.decode(yaml: yaml)
            return []
        } catch let error as ProtocolError {
            return error.problems.map {
                Diagnostic(
                    at: "source:\($0.line ?? 0):\($0.column ?? 0): \($0.diagnostic.location)", code: $0.diagnostic.code,
                    $0.diagnostic.message)
            }
        } catch {
            return [Diagnostic(at: "source", code: "bad_value", "not an automation rule: \(error)")]
        }
    }
}
