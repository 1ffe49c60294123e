import Testing

@Test func clusterPlaceholderBuilds() { #expect(Bool(true)) }
