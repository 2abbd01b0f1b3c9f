import Foundation

/// The demo reasoning model shipped inside ThinkScope (a tiny Qwen3-MoE trained by this project;
/// see docs/MODEL_CARD.md), packaged as a SwiftPM resource next to the executable.
public enum EmbeddedModel {
    public static let fileName = "thinkscope-demo.gguf"

    /// The model file, or nil when this build has none. Looked up without `Bundle.module`, whose
    /// accessor aborts the program when the resource bundle has been moved away.
    public static var path: String? {
        if let override = ProcessInfo.processInfo.environment["THINKSCOPE_DEMO_MODEL"], !override.isEmpty {
            return override
        }
        let fm = FileManager.default
        let bundles = ["ThinkScope_EmbeddedModel.resources", "ThinkScope_EmbeddedModel.bundle/Contents/Resources",
                       "ThinkScope_EmbeddedModel.bundle"]
        for dir in executableDirectories() {
            for b in bundles {
                let candidate = dir.appendingPathComponent(b).appendingPathComponent(fileName).path
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
