import ChatStore

/// A signed-in user and their access token.
struct SignedIn: Sendable {
    var token: String
    var user: ChatUser
}

extension ChatService {
    /// Creates an account; `conflict` (`username_taken` on the wire) when the name is taken.
    func register(username rawUsername: String, password rawPassword: String, displayName: String?, address: String?)
        async throws(ChatError) -> SignedIn
    {
        try admitRegistration(from: address)
        let username = try InputValidation.username(rawUsername)
        let password = try InputValidation.password(rawPassword)
        let displayName = try InputValidation.displayName(displayName, fallback: username)
        let hasher = self.hasher
        let hash: String
        do {
            hash = try await Self.offloaded { try hasher.hash(password) }
        } catch {
            throw ChatError(.internal, "cannot hash the password")
        }
        let record = UserRecord(
            id: IdentifierGenerator.make(prefix: "u_"), username: username, displayName: displayName, passwordHash: hash,
            createdAt: now)
        do throws(ChatError) {
            try await store { try await directory.createUser(record) }
        } catch where error.code == .conflict {
            throw ChatError(.conflict, "that username is taken")
        }
        let user = remember(ChatUser(record))
        return SignedIn(token: try await issueToken(for: user), user: user)
    }

    /// Checks a username and password; `bad_credentials` (as ``ChatError/Code/forbidden``) when wrong.
    /// Failures count against the address's login budget.
    func login(username rawUsername: String, password: String, address: String?) async throws(ChatError) -> SignedIn {
        let key = address ?? "unknown"
        if case .limited(let wait) = live.withLockedValue({ $0.loginLimiter.check(key, now: now) }) {
            throw ChatError(.rateLimited, "too many failed sign-ins; wait a little", retryAfterMilliseconds: wait)
        }
        let record = try await store { try await directory.user(username: rawUsername.lowercased()) }
        let hasher = self.hasher
        // Without an account, still spend the time of a hash so timing does not reveal which names exist.
        let encoded = record?.passwordHash ?? decoyHash
        let matches = (try? await Self.offloaded { hasher.verify(password, against: encoded) }) ?? false
        guard let record, matches else {
            let now = self.now
            _ = live.withLockedValue { $0.loginLimiter.admit(key, now: now) }
            throw ChatError(Self.badCredentials, "wrong username or password")
        }
        let user = remember(ChatUser(record))
        return SignedIn(token: try await issueToken(for: user), user: user)
    }

    /// The wire code of a failed sign-in.
    static let badCredentials = ChatError.Code(rawValue: "bad_credentials")

    /// A well-formed hash of no real password with the current iterations, verified when the username
    /// does not exist.
    var decoyHash: String {
        "pbkdf2-sha256$\(hasher.iterations)$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    }

    /// The user a token names, if the token is valid and the account exists.
    func authenticate(_ token: String?) async throws(TokenError) -> ChatUser {
        let identity = try await tokens.verify(token)
        let user: ChatUser
        do {
            guard let record = try await directory.user(id: identity.userID) else { throw TokenError.invalid }
            user = ChatUser(record)
        } catch let error as TokenError {
            throw error
        } catch {
            throw TokenError(code: "unavailable", message: "the account store is unavailable; try again")
        }
        return remember(user)
    }

    /// Takes a registration token of `address` (registrations cost a slow hash).
    private func admitRegistration(from address: String?) throws(ChatError) {
        let now = self.now
        let decision = live.withLockedValue { $0.registrationLimiter.admit(address ?? "unknown", now: now) }
        if case .limited(let wait) = decision {
            throw ChatError(.rateLimited, "too many attempts; wait a little", retryAfterMilliseconds: wait)
        }
    }

    private func issueToken(for user: ChatUser) async throws(ChatError) -> String {
        do {
            return try await tokens.issue(userID: user.id, username: user.username)
        } catch {
            throw ChatError(.internal, "cannot sign the token")
        }
    }

    /// Runs CPU-heavy work (password hashing) off the caller's executor.
    static func offloaded<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await Task.detached(priority: .medium) { try body() }.value
    }
}
