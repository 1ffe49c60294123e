import ArgumentParser

/// The `switchboard` command.
@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A Socket.IO v5 / Engine.IO v4 server and chat server."
    )
}
