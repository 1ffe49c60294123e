import ChatStore
import Foundation
import SocketIO
import SwitchboardJSON

/// The `stats` sample sent to `/admin` once a second: `users` counts the distinct users online on every
/// cluster node; the other figures are this node's.
struct OperationsStats: Hashable, Sendable {
    var t: Int64
    var connections: Int
    var sockets: Int
    var rooms: Int
    var users: Int
    var messagesPerSecond: Double
    var messagesTotal: Int64
    var backupLagMessages: Int
    var backupLagSeconds: Double
    /// When this node's backup job last completed a run (ms since the epoch); `nil` before the first.
    var lastBackupAt: Int64?
    var rssBytes: Int64

    var json: JSONValue {
        var object: JSONObject = [
            "t": .int(t), "connections": .int(Int64(connections)), "sockets": .int(Int64(sockets)),
            "rooms": .int(Int64(rooms)), "users": .int(Int64(users)), "messagesPerSecond": .double(messagesPerSecond),
            "messagesTotal": .int(messagesTotal), "backupLagMessages": .int(Int64(backupLagMessages)),
            "backupLagSeconds": .double(backupLagSeconds), "rssBytes": .int(rssBytes),
        ]
        if let lastBackupAt { object["lastBackupAt"] = .int(lastBackupAt) }
        return .object(object)
    }
}

/// Samples the server for the dashboard.
struct OperationsSampler: Sendable {
    /// The most pending messages counted for the backup lag (beyond that the figure saturates).
    static let maxLagCount = 10_000

    let io: SocketIOServer
    let service: ChatService
    let events: ChatEvents

    /// A sample at `now`; `previousTotal`/`previousTime` give the message rate.
    func sample(now: Int64, previousTotal: Int64?, previousTime: Int64?) async -> OperationsStats {
        let main = io.mainNamespace
        let sockets = main.sockets
        var rooms: Set<String> = []
        for socket in sockets { for room in socket.rooms where room.hasPrefix("room:") { rooms.insert(room) } }
        let counters = service.counters
        var rate = 0.0
        if let previousTotal, let previousTime, now > previousTime {
            rate = Double(counters.messagesTotal - previousTotal) * 1000 / Double(now - previousTime)
        }
        let (lagCount, lagSeconds) = await backupLag(now: now)
        return OperationsStats(
            t: now, connections: io.connectionCount, sockets: sockets.count, rooms: rooms.count,
            users: await events.onlineUserCount(), messagesPerSecond: rate, messagesTotal: counters.messagesTotal,
            backupLagMessages: lagCount, backupLagSeconds: lagSeconds,
            lastBackupAt: service.messages.backup?.lastCompletedRunAt, rssBytes: Self.residentBytes())
    }

    /// Messages in the hot store not yet archived, and the age of the oldest, in seconds.
    func backupLag(now: Int64) async -> (Int, Double) {
        let store = service.messages
        guard let archive = store.archive else { return (0, 0) }
        let checkpoint: MessageID?
        do { checkpoint = try await archive.readCheckpoint() } catch { return (0, 0) }
        guard let pending = try? await store.hotStore.pending(after: checkpoint, limit: Self.maxLagCount) else {
            return (0, 0)
        }
        let oldest = pending.first.map { max(0, Double(now - $0.createdAt) / 1000) } ?? 0
        return (pending.count, oldest)
    }

    /// The process's resident set size from `/proc/self/statm` (0 where unavailable).
    static func residentBytes() -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int64(fields[1]) else { return 0 }
        return pages * Int64(sysconf(Int32(_SC_PAGESIZE)))
    }
}
