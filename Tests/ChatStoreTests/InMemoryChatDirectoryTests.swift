import ChatStore
import Testing

@Suite struct InMemoryChatDirectoryTests {
    @Test(arguments: DirectoryCheck.all)
    func directoryContract(_ check: DirectoryCheck) async throws {
        try await check.run(InMemoryChatDirectory())
    }
}
