import ArgumentParser
import Foundation

/// Reads an option's fallback from the environment (`SWITCHBOARD_<NAME>`), as 12-factor apps expect.
enum EnvironmentDefault {
    /// The value of `SWITCHBOARD_<name>`, if set and not empty.
    static func string(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment["SWITCHBOARD_" + name], !value.isEmpty else {
            return nil
        }
        return value
    }

    /// The integer value of `SWITCHBOARD_<name>`; throws a validation error when it is not a number.
    static func int(_ name: String) throws -> Int? {
        guard let raw = string(name) else { return nil }
        guard let value = Int(raw) else {
            throw ValidationError("SWITCHBOARD_\(name) must be a whole number, got '\(raw)'")
        }
        return value
    }
}
