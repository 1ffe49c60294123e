import ArgumentParser

/// `--host` and `--port` for the commands that serve a fixed contract on loopback by default.
struct ListenOptions: ParsableArguments {
    @Option(name: .long, help: "Address to listen on (loopback by default).")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "TCP port to listen on (0 picks a free port).")
    var port: Int = 3000
}
