import Testing

@testable import SwitchboardChat

@Suite struct InputValidationTests {
    @Test func usernameIsLowerCasedAndKeepsAllowedCharacters() throws {
        #expect(try InputValidation.username("Alice_01.x-y") == "alice_01.x-y")
    }

    @Test(arguments: ["ab", String(repeating: "a", count: 33), "", "has space", "émile", "a/b", "x@y"])
    func usernameBreakingARuleIsRefused(_ raw: String) {
        #expect(throws: ChatError.self) { try InputValidation.username(raw) }
    }

    @Test func usernameLengthBoundsAreInclusive() throws {
        #expect(try InputValidation.username("abc") == "abc")
        #expect(try InputValidation.username(String(repeating: "z", count: 32)).count == 32)
    }

    @Test func passwordIsCountedInBytes() throws {
        #expect(try InputValidation.password("12345678") == "12345678")
        #expect(throws: ChatError.self) { try InputValidation.password("1234567") }
        // Four characters of four bytes each: 16 bytes, accepted although only 4 characters.
        #expect(try InputValidation.password("😀😀😀😀").utf8.count == 16)
        #expect(try InputValidation.password(String(repeating: "p", count: 128)).utf8.count == 128)
        do throws(ChatError) {
            _ = try InputValidation.password(String(repeating: "p", count: 129))
            Issue.record("a 129-byte password was accepted")
        } catch { #expect(error.code == .tooLong) }
    }

    @Test func displayNameDefaultsToTheUsernameAndIsTrimmed() throws {
        #expect(try InputValidation.displayName(nil, fallback: "bob") == "bob")
        #expect(try InputValidation.displayName("   ", fallback: "bob") == "bob")
        #expect(try InputValidation.displayName("  Bob B.  ", fallback: "bob") == "Bob B.")
        #expect(try InputValidation.displayName(String(repeating: "é", count: 64), fallback: "x").count == 64)
    }

    @Test func displayNameTooLongOrWithControlCharactersIsRefused() {
        #expect(throws: ChatError.self) { try InputValidation.displayName(String(repeating: "a", count: 65), fallback: "x") }
        #expect(throws: ChatError.self) { try InputValidation.displayName("bad\u{7}bell", fallback: "x") }
    }

    @Test func roomNameAllowsLettersDigitsSpaceAndPunctuation() throws {
        #expect(try InputValidation.roomName("  Team-1_ops.v2 Café  ") == "Team-1_ops.v2 Café")
        #expect(try InputValidation.roomName(String(repeating: "r", count: 48)).count == 48)
    }

    @Test(arguments: ["", "   ", String(repeating: "r", count: 49), "hash#tag", "<script>", "a/b", "tab\tname"])
    func roomNameBreakingARuleIsRefused(_ raw: String) {
        #expect(throws: ChatError.self) { try InputValidation.roomName(raw) }
    }

    @Test func textIsTrimmedAndBoundedInCharacters() throws {
        let limits = ChatLimits(maxTextLength: 5)
        #expect(try InputValidation.text("  hello \n", limits: limits) == "hello")
        #expect(try InputValidation.text("👍🏽👍🏽👍🏽👍🏽👍🏽", limits: limits).count == 5)
        #expect(throws: ChatError.self) { try InputValidation.text(" \n\t ", limits: limits) }
        do throws(ChatError) {
            _ = try InputValidation.text("toolong", limits: limits)
            Issue.record("an over-long text was accepted")
        } catch { #expect(error.code == .tooLong) }
    }

    @Test func textDefaultLimitIsFourThousandCharacters() throws {
        let limits = ChatLimits()
        #expect(try InputValidation.text(String(repeating: "x", count: 4_000), limits: limits).count == 4_000)
        #expect(throws: ChatError.self) { try InputValidation.text(String(repeating: "x", count: 4_001), limits: limits) }
    }

    @Test func clientMessageIDIsOneToSixtyFourCharacters() throws {
        let limits = ChatLimits()
        #expect(try InputValidation.clientMessageID("c-1", limits: limits) == "c-1")
        #expect(try InputValidation.clientMessageID(String(repeating: "c", count: 64), limits: limits).count == 64)
        #expect(throws: ChatError.self) { try InputValidation.clientMessageID("", limits: limits) }
        #expect(throws: ChatError.self) { try InputValidation.clientMessageID(String(repeating: "c", count: 65), limits: limits) }
    }
}
