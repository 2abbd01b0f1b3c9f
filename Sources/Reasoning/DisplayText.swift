/// Model output made safe to show in a terminal: control characters and escape sequences are
/// rendered visibly (ESC as `␛`, other C0/C1 controls as their Unicode control pictures or `\u{…}`),
/// never sent to the terminal. Newlines and tabs are kept.
public enum DisplayText {
    public static func sanitize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            switch s.value {
            case 0x0A, 0x09:
                out.append(s)
            case 0x00..<0x20:
                out.append(Unicode.Scalar(0x2400 + s.value)!)  // ␀ … ␟ (ESC is ␛)
            case 0x7F:
                out.append("\u{2421}")  // ␡
            case 0x80..<0xA0, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069:
                out.append(contentsOf: "\\u{\(String(s.value, radix: 16))}".unicodeScalars)
            default:
                out.append(s)
            }
        }
        return String(out)
    }
}
