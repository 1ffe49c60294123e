import ArgumentParser

/// The `switchboard` command: `serve` (the chat server, default) and `conformance`.
@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A Socket.IO v5 / Engine.IO v4 server, and a chat server built on it.",
        subcommands: [ServeCommand.self, ConformanceCommand.self, BenchCommand.self, BenchServerCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
