extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

extension Double {
    /// Rounded to 3 decimals.
    var rounded3: Double { (self * 1000).rounded() / 1000 }

    /// Rounded to 3 decimals, as text.
    var formatted3: String { "\(rounded3)" }
}
