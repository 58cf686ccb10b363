import CanvassCore
import CanvassStore
import Logging
import PostgresNIO

/// The server's store on PostgreSQL: the same records, feed, accounts and automation tables as
/// `ServerStore` on SQLite, for several `canvass-server` processes on one database.
public final class PostgresStore: Sendable {
    public let client: PostgresClient

    public init(client: PostgresClient) { self.client = client }
}
