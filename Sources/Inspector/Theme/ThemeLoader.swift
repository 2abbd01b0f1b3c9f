import Foundation
import Yams

/// A theme file that cannot be used, with the file, the field and what was expected.
public struct ThemeError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var field: String?
    public var message: String

    public var description: String {
        "\(file): " + (field.map { "field '\($0)': " } ?? "") + message
    }
}

/// Reads base16 scheme files (YAML): the current format (`system`, `name`, `author`, `variant`,
/// `palette: {base00 … base0F}`), base24 schemes (base10 … base17 are ignored) and the legacy
/// format (`scheme`, `author`, `base00 … base0F` at the top level). Colours are hex, with or
/// without `#`. ThinkScope's own optional settings live under `thinkscope:`:
///
///     thinkscope:
///       colors: 16            # draw with the 16 ANSI colours (follows the terminal's palette)
///       heatmap: viridis      # magma (default) or viridis
///       background: terminal  # leave the background to the terminal
public enum ThemeLoader {
    public static func load(path: String) throws(ThemeError) -> Theme {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
            throw ThemeError(file: path, message: exists ? (isDir.boolValue ? "is a directory, not a theme file" : "cannot read the file") : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ThemeError(file: path, message: "is not UTF-8 text; expected a base16 YAML scheme")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ThemeError) -> Theme {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ThemeError(file: file, message: "is not valid YAML (\(describe(error)))")
        }
        guard let root, case .mapping = root else {
            throw ThemeError(file: file, message: "expected a base16 scheme: a YAML mapping with 'palette:' holding base00 … base0F")
        }
        let paletteNode: Node
        let prefix: String
        if let p = root["palette"] {
            guard case .mapping = p else {
                throw ThemeError(file: file, field: "palette", message: "expected a mapping of base00 … base0F to hex colours")
            }
            paletteNode = p
            prefix = "palette."
        } else if root["base00"] != nil {
            paletteNode = root  // legacy format
            prefix = ""
        } else {
            throw ThemeError(file: file, field: "palette", message: "is missing; a base16 scheme needs 'palette:' with base00 … base0F")
        }
        if let system = root["system"]?.string, !["base16", "base24"].contains(system) {
            throw ThemeError(file: file, field: "system", message: "expected \"base16\" or \"base24\", got \"\(system)\"")
        }
        var palette: [RGB] = []
        for i in 0..<16 {
            let key = "base0" + String(i, radix: 16, uppercase: true)
            let node = paletteNode[key] ?? paletteNode[key.lowercased()]
            guard let node else {
                throw ThemeError(file: file, field: prefix + key, message: "is missing; a base16 scheme needs base00 … base0F")
            }
            guard let s = node.string, let c = RGB(hex: s) else {
                let shown = node.string.map { "\"\($0)\"" } ?? "a \(kind(node))"
                throw ThemeError(file: file, field: prefix + key, message: "expected a hex colour like \"7cafc2\", got \(shown)")
            }
            palette.append(c)
        }
        let name = root["name"]?.string ?? root["scheme"]?.string ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var variant: Theme.Variant
        if let v = root["variant"] {
            guard let s = v.string, let parsed = Theme.Variant(rawValue: s) else {
                throw ThemeError(file: file, field: "variant", message: "expected \"dark\" or \"light\", got \(v.string.map { "\"\($0)\"" } ?? kind(v))")
            }
            variant = parsed
        } else {
            variant = palette[0].luminance > palette[5].luminance ? .light : .dark
        }
        var theme = Theme(name: name, variant: variant, palette: palette)
        if let ext = root["thinkscope"] {
            guard case .mapping = ext else {
                throw ThemeError(file: file, field: "thinkscope", message: "expected a mapping (colors, heatmap, background)")
            }
            if let c = ext["colors"] {
                switch c.string {
                case "16": theme.colorSet = .ansi16
                case "256", "truecolor", "full": theme.colorSet = .full
                default: throw ThemeError(file: file, field: "thinkscope.colors", message: "expected 16, 256 or truecolor, got \(c.string ?? kind(c))")
                }
            }
            if let h = ext["heatmap"] {
                guard let s = h.string, let k = Colormap.Kind(rawValue: s) else {
                    throw ThemeError(file: file, field: "thinkscope.heatmap",
                                     message: "expected one of \(Colormap.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got \(h.string ?? kind(h))")
                }
                theme.heatmap = k
            }
            if let b = ext["background"] {
                switch b.string {
                case "terminal": theme.terminalBackground = true
                case "theme": theme.terminalBackground = false
                default: throw ThemeError(file: file, field: "thinkscope.background", message: "expected terminal or theme, got \(b.string ?? kind(b))")
                }
            }
        }
        return theme
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .scalar: return "scalar"
        case .mapping: return "mapping"
        case .sequence: return "list"
        }
    }

    static func describe(_ error: Error) -> String {
        if let y = error as? YamlError {
            switch y {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                return "line \(mark.line), column \(mark.column): \(problem)"
            case .reader(let problem, _, _, _):
                return problem
            default:
                break
            }
        }
        return String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    }
}
