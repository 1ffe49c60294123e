import Testing

@Test func clusterProtocolPlaceholderBuilds() { #expect(Bool(true)) }
