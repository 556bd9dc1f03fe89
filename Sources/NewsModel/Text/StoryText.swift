/// The one normalisation every story's text gets on the way in, so that the index, the matcher and
/// the tagger all see the same characters.
public enum StoryText {
    /// `text` without control characters: C0 controls other than tab, line feed and carriage return
    /// (NUL among them, which SQLite's tokenizer would treat as the end of the text), DEL, and the C1
    /// controls U+0080–U+009F. Each removed character becomes a space, so words on either side stay
    /// apart.
    public static func clean(_ text: String) -> String {
        guard text.utf8.contains(where: isSuspect) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(isControl(scalar) ? " " : scalar)
        }
        return String(scalars)
    }

    /// A quick test on bytes: ASCII controls (other than tab, LF, CR), DEL, and the lead byte 0xC2 of the
    /// two-byte C1 controls.
    @inline(__always)
    private static func isSuspect(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F || byte == 0xC2
    }

    @inline(__always)
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || (value >= 0x7F && value <= 0x9F)
    }
}
