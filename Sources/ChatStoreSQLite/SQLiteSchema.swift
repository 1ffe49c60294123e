/// The schema of the chat's SQLite file: the message archive (version 1) and the chat directory (version 2).
enum SQLiteSchema {
    /// Schema versions in order; version `n` is `migrations[n - 1]`.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE messages (
                id INTEGER PRIMARY KEY NOT NULL,
                room TEXT NOT NULL,
                client_message_id TEXT NOT NULL,
                sender TEXT NOT NULL,
                body TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                edited_at INTEGER,
                deleted_at INTEGER,
                metadata TEXT NOT NULL DEFAULT '{}'
            )
            """,
            "CREATE INDEX messages_room_id ON messages (room, id)",
            "CREATE TABLE backup_checkpoint (name TEXT PRIMARY KEY NOT NULL, message_id INTEGER NOT NULL)",
        ],
        [
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY NOT NULL,
                username TEXT NOT NULL,
                username_key TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at INTEGER NOT NULL
            )
            """,
            """
            CREATE TABLE rooms (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                name_key TEXT NOT NULL,
                kind TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at INTEGER NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX rooms_name_key ON rooms (name_key) WHERE kind <> 'direct'",
            "CREATE INDEX rooms_kind ON rooms (kind, created_at, id)",
            """
            CREATE TABLE room_members (
                room_id TEXT NOT NULL REFERENCES rooms (id),
                user_id TEXT NOT NULL,
                PRIMARY KEY (room_id, user_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX room_members_user ON room_members (user_id, room_id)",
            """
            CREATE TABLE read_markers (
                room_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                message_id INTEGER NOT NULL,
                PRIMARY KEY (room_id, user_id)
            ) WITHOUT ROWID
            """,
        ],
    ]
}
