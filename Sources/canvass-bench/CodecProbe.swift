import CanvassCore
import CanvassProtocol
import CanvassServer
import CanvassTestSupport
import Foundation

/// Where the time of the wire path goes: encoder, decoder, and the raw parser for comparison.
struct CodecScenario: Scenario {
    static let name = "codec"
    static let summary = "JSON encode/decode cost of 10,000 contact records (diagnostic)"

    func run(repeats: Int, progress: (String) -> Void) async throws -> ScenarioResult {
        let (service, _) = try await benchServer(households: 4000)
        // The first 10,000 records of the feed, as a coordinator's pulls serve them.
        let reader = DeviceIdentity(replica: ReplicaID("probe"), userID: "probe", role: .admin)
        var records: [Record] = []
        var since: String?
        repeat {
            let page = try await service.pull(
                since: since, limit: min(ProtocolInfo.maxPullLimit, 10_000 - records.count), for: reader)
            records += try page.decoded().records
            since = page.more ? page.checkpoint : nil
        } while since != nil && records.count < 10_000
        let response = PullResponse(records: records, evict: [], checkpoint: "x", more: false)
        let (encodeBest, _, data) = try measure(repeats: repeats) { try JSONEncoder().encode(response) }
        let (decodeBest, _, _) = try measure(repeats: repeats) {
            try JSONDecoder().decode(PullResponse.self, from: data)
        }
        let (serialBest, _, _) = try measure(repeats: repeats) { try JSONSerialization.jsonObject(with: data) }
        let (valueBest, _, _) = try measure(repeats: repeats) { try JSONDecoder().decode(Value.self, from: data) }
        return ScenarioResult(
            scenario: Self.name, description: Self.summary,
            figures: [
                Figure(name: "bytes", value: Double(data.count), unit: "B", target: nil, met: nil),
                Figure(name: "JSONEncoder", value: encodeBest * 1000, unit: "ms", target: nil, met: nil),
                Figure(name: "JSONDecoder (typed)", value: decodeBest * 1000, unit: "ms", target: nil, met: nil),
                Figure(name: "JSONDecoder (Value tree)", value: valueBest * 1000, unit: "ms", target: nil, met: nil),
                Figure(name: "JSONSerialization", value: serialBest * 1000, unit: "ms", target: nil, met: nil),
            ],
            notes: ["\(records.count) records"])
    }
}
