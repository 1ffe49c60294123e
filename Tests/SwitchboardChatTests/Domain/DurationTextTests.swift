import Testing

@testable import SwitchboardChat

@Suite struct DurationTextTests {
    @Test func unitsAreSecondsMinutesHoursDays() {
        #expect(DurationText.seconds("90") == 90)
        #expect(DurationText.seconds("45s") == 45)
        #expect(DurationText.seconds("30m") == 1_800)
        #expect(DurationText.seconds("12h") == 43_200)
        #expect(DurationText.seconds(" 7D ") == 604_800)
    }

    @Test(arguments: ["", "h", "0", "-5m", "1.5h", "12x", "１２h", "99999999999d"])
    func malformedOrAbsurdDurationsAreRefused(_ text: String) {
        #expect(DurationText.seconds(text) == nil)
    }
}
