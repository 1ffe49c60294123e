import Foundation

/// Programs on the machine that tests run: found in known directories or on `PATH`, run to completion.
public enum ExternalProgram {
    /// Where a run's standard error goes.
    public enum ErrorOutput: Sendable {
        /// Into the captured output, after standard output.
        case merged
        /// To the test process's own standard error.
        case inherited
        /// Nowhere.
        case discarded
    }

    /// The path of the executable `name`, looked up in `directories` first, then on `PATH`. A missing program
    /// throws (the test fails; it is never skipped).
    public static func find(_ name: String, in directories: [String] = []) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        for directory in directories + path.split(separator: ":").map(String.init) {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestSupportError("\(name) not found in \(directories) or on PATH: install it")
    }

    /// Runs `executable` to completion and returns its exit status and standard output.
    @discardableResult
    public static func run(
        _ executable: String, _ arguments: [String], errorOutput: ErrorOutput = .merged
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        switch errorOutput {
        case .merged: process.standardError = pipe
        case .inherited: process.standardError = FileHandle.standardError
        case .discarded: process.standardError = FileHandle.nullDevice
        }
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// ``run(_:_:errorOutput:)`` on a Dispatch thread, so the blocking wait never holds one of the cooperative
    /// threads that timing-sensitive tests running in parallel need.
    public static func runDetached(
        _ executable: String, _ arguments: [String], errorOutput: ErrorOutput = .merged
    ) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try run(executable, arguments, errorOutput: errorOutput) })
            }
        }
    }

    /// The path of our own executable `name` (`switchboard`, `chatstore-bench`) as `swift build --build-tests`
    /// leaves it in this package's `.build/debug`; throws when it is not built.
    public static func built(_ name: String) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent(".build/debug/\(name)").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSupportError("\(path) is missing: run swift build --build-tests first")
        }
        return path
    }
}
