import Foundation

/// What ships inside ThinkScope as SwiftPM resources next to the executable: the demo reasoning
/// model (a tiny Qwen3-MoE trained by this project; see docs/MODEL_CARD.md) and small data files.
public enum EmbeddedModel {
    public static let fileName = "thinkscope-demo.gguf"
    /// Hesitation and thought-switch words (data, not code: edit the file to change them).
    public static let markersFileName = "thinking-markers.json"

    /// The model file, or nil when this build has none.
    public static var path: String? {
        if let override = ProcessInfo.processInfo.environment["THINKSCOPE_DEMO_MODEL"], !override.isEmpty {
            return override
        }
        return resource(fileName)
    }

    /// The thinking-markers file, or nil when this build has none.
    public static var markersPath: String? { resource(markersFileName) }

    /// A shipped file by name. Looked up without `Bundle.module`, whose accessor aborts the program
    /// when the resource bundle has been moved away.
    static func resource(_ name: String) -> String? {
        let fm = FileManager.default
        let bundles = ["ThinkScope_EmbeddedModel.resources", "ThinkScope_EmbeddedModel.bundle/Contents/Resources",
                       "ThinkScope_EmbeddedModel.bundle"]
        for dir in executableDirectories() {
            for b in bundles {
                let candidate = dir.appendingPathComponent(b).appendingPathComponent(name).path
                if fm.isReadableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    private static func executableDirectories() -> [URL] {
        var dirs: [URL] = []
        let proc = URL(fileURLWithPath: "/proc/self/exe")
        if FileManager.default.fileExists(atPath: proc.path) {
            dirs.append(proc.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        if let exe = Bundle.main.executableURL { dirs.append(exe.resolvingSymlinksInPath().deletingLastPathComponent()) }
        dirs.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent())
        return dirs
    }
}
