extension String {
    /// The text without leading and trailing white space (the Unicode `White_Space` property: spaces,
    /// tabs, line breaks, no-break and other spaces), as `trimmingCharacters(in: .whitespacesAndNewlines)`
    /// gives it, without Foundation's NSString round trip, which was a tenth of ingest's time.
    public var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
