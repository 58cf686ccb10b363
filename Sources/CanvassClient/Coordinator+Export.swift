import CSV
import CanvassCore
import CanvassStore
import Foundation

/// CSV as every command writes it: one writer (yaslab/CSV.swift's `CSVWriter`, which quotes a
/// field holding a comma, quote or line break as RFC 4180 says), so nobody hand-rolls quoting.
public enum CSVText {
    /// The CSV text of a header and rows, each line ended by "\n".
    /// - Throws: `ClientError.storage` if the writer fails (it writes to memory).
    public static func data(header: [String], rows: [[String]]) throws -> Data {
        let stream = OutputStream(toMemory: ())
        do {
            let writer = try CSVWriter(stream: stream)
            try writer.write(row: header)
            for row in rows { try writer.write(row: row) }
            stream.close()
        } catch {
            throw ClientError(.storage, "cannot write CSV: \(error)")
        }
        var data = (stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data) ?? Data()
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Writes a CSV file readable by its owner only (voter data), atomically: a temporary file,
    /// then a rename, so a crash leaves the old file or the whole new one, never half of it.
    public static func write(header: [String], rows: [[String]], to path: String) throws {
        try FieldClient.writePrivate(data(header: header, rows: rows), to: path)
    }
}
