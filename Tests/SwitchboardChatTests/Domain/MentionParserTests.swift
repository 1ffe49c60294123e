import Testing

@testable import SwitchboardChat

@Suite struct MentionParserTests {
    @Test func findsMentionsInOrderOnceEachLowerCased() {
        #expect(MentionParser.usernames(in: "@Bob hi @alice and @bob again") == ["bob", "alice"])
    }

    @Test func trailingPunctuationIsNotPartOfTheName() {
        #expect(MentionParser.usernames(in: "thanks @bob. and @carol-, (@dave)") == ["bob", "carol", "dave"])
        #expect(MentionParser.usernames(in: "ping @e.v.e!") == ["e.v.e"])
    }

    @Test func emailAddressesAndDoubleAtAreNotMentions() {
        #expect(MentionParser.usernames(in: "mail bob@example.com") == [])
        #expect(MentionParser.usernames(in: "@@bob") == [])
    }

    @Test func namesOutsideTheUsernameLengthAreIgnored() {
        #expect(MentionParser.usernames(in: "@al @" + String(repeating: "x", count: 33)) == [])
        #expect(MentionParser.usernames(in: "@abc") == ["abc"])
        #expect(MentionParser.usernames(in: "@") == [])
        #expect(MentionParser.usernames(in: "") == [])
    }

    @Test func mentionsFollowNonNameCharacters() {
        #expect(MentionParser.usernames(in: "hi,@bob\n@carol:@dave") == ["bob", "carol", "dave"])
    }
}
