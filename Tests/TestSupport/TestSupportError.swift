/// A helper process failed to start, or a program the test needs is missing (which fails the test, never
/// skips it).
public struct TestSupportError: Error, CustomStringConvertible {
    /// What went wrong, with what to install or run to fix it.
    public var description: String

    /// An error that says `description`.
    public init(_ description: String) { self.description = description }
}
