/// Counters for the operations dashboard.
struct LiveCounters: Sendable {
    var messagesTotal: Int64
}

extension ChatService {
    /// Records a connected socket; `true` when the user just came online.
    func socketConnected(user: ChatUser, socketID: String) -> Bool {
        live.withLockedValue { $0.presence.connect(user: user.id, socket: socketID) }
    }

    /// Records a disconnected socket; returns whether the user went offline and the typing changes
    /// (a user who goes offline stops typing everywhere).
    func socketDisconnected(user: ChatUser, socketID: String) -> (wentOffline: Bool, typing: [TypingTracker.Change]) {
        live.withLockedValue { state in
            guard state.presence.disconnect(user: user.id, socket: socketID) else { return (false, []) }
            return (true, state.typing.removeUser(user.id))
        }
    }

    /// A `typing` signal of a local socket; whether it was accepted (to relay it to the other cluster
    /// nodes) and the change to announce, if any. The caller checked membership.
    func typing(_ user: ChatUser, in roomID: String, isTyping: Bool) -> TypingTracker.Outcome {
        let now = self.now
        return live.withLockedValue { $0.typing.signal(user, in: roomID, isTyping: isTyping, now: now) }
    }

    /// A `typing` signal another cluster node accepted (not throttled again); the change to announce, if any.
    func relayedTyping(_ user: ChatUser, in roomID: String, isTyping: Bool) -> TypingTracker.Change? {
        let now = self.now
        return live.withLockedValue {
            $0.typing.signal(user, in: roomID, isTyping: isTyping, now: now, throttled: false).change
        }
    }

    /// Stops `user` typing in `roomID` (they left it).
    func stopTyping(_ user: ChatUser, in roomID: String) -> TypingTracker.Change? {
        live.withLockedValue { $0.typing.remove(user.id, from: roomID) }
    }

    /// Expires stale typing entries and forgets idle rate-limit buckets.
    func tick() -> [TypingTracker.Change] {
        let now = self.now
        return live.withLockedValue { state in
            state.sendLimiter.prune(now: now)
            state.loginLimiter.prune(now: now)
            state.registrationLimiter.prune(now: now)
            return state.typing.expire(now: now)
        }
    }

    /// Whether `user` may signal typing in `roomID`.
    func mayType(_ user: ChatUser, in roomID: String) async -> Bool {
        (try? await room(id: roomID, for: user, action: .send)) != nil
    }

    var counters: LiveCounters {
        live.withLockedValue { LiveCounters(messagesTotal: $0.messagesTotal) }
    }

    /// The ids of the users with a socket on this node, sorted.
    var localOnlineUserIDs: [String] {
        live.withLockedValue { $0.presence.onlineUserIDs }
    }
}
