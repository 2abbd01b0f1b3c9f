import Foundation

/// Finds themes by name in the themes folders, or by path.
public struct ThemeLibrary: Sendable {
    public var directories: [String]

    public init(directories: [String]) { self.directories = directories }

    /// `$THINKSCOPE_THEMES`, `./themes`, then the `themes/` folder of the source tree this binary
    /// was built from.
    public static var standard: ThemeLibrary {
        var dirs: [String] = []
        if let env = ProcessInfo.processInfo.environment["THINKSCOPE_THEMES"], !env.isEmpty { dirs.append(env) }
        dirs.append(FileManager.default.currentDirectoryPath + "/themes")
        let source = URL(fileURLWithPath: #filePath)  // …/Sources/Inspector/Theme/ThemeLoader.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        dirs.append(source.appendingPathComponent("themes").path)
        var seen = Set<String>()
        return ThemeLibrary(directories: dirs.filter { seen.insert(URL(fileURLWithPath: $0).standardized.path).inserted })
    }

    /// Theme names available (file names without extension), sorted.
    public var names: [String] {
        var out = Set<String>()
        for d in directories {
            for f in (try? FileManager.default.contentsOfDirectory(atPath: d)) ?? [] where f.hasSuffix(".yaml") || f.hasSuffix(".yml") {
                out.insert(URL(fileURLWithPath: f).deletingPathExtension().lastPathComponent)
            }
        }
        return out.sorted()
    }

    /// A theme by name or path. nil name: the default dark (or light, when the terminal says its
    /// background is light through COLORFGBG) theme if present, else the built-in palette.
    public func resolve(_ nameOrPath: String?) throws(ThemeError) -> Theme {
        guard let spec = nameOrPath else {
            let light = Self.terminalLooksLight
            if let path = find(light ? "thinkscope-light" : "thinkscope-dark") { return try ThemeLoader.load(path: path) }
            return .builtinDark
        }
        if spec.contains("/") || spec.hasSuffix(".yaml") || spec.hasSuffix(".yml") {
            return try ThemeLoader.load(path: spec)
        }
        guard let path = find(spec) else {
            let known = names
            throw ThemeError(file: spec, message: "no such theme" + (known.isEmpty ? " (no themes folder found)" : "; available: \(known.joined(separator: ", "))"))
        }
        return try ThemeLoader.load(path: path)
    }

    func find(_ name: String) -> String? {
        for d in directories {
            for ext in ["yaml", "yml"] {
                let p = "\(d)/\(name).\(ext)"
                if FileManager.default.fileExists(atPath: p) { return p }
            }
        }
        return nil
    }

    /// COLORFGBG="15;0" means light text on dark; "0;15" dark on light.
    static var terminalLooksLight: Bool {
        guard let v = ProcessInfo.processInfo.environment["COLORFGBG"],
              let bg = v.split(separator: ";").last.flatMap({ Int($0) }) else { return false }
        return bg == 7 || bg == 15
    }
}
