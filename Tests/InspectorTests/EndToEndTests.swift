import Foundation
import Testing

/// Drives the real binary in tmux: type a prompt, watch thinking and the answer stream, move the
/// budget, resize, quit, and check the terminal is given back. Runs on a private tmux server.
@Suite(.serialized) struct EndToEndTests {
    static let tmuxPath: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static let binary: String = {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("thinkscope")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url.path }
        }
        return dir.appendingPathComponent("thinkscope").path
    }()

    /// One tmux server and session for a test, with files for the exit code and `stty -a`.
    final class Session {
        let socket = "thinkscope-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID())").path
        var model: String { dir + "/moe.gguf" }
        var stty: String { dir + "/stty.txt" }
        var pidFile: String { dir + "/pid.txt" }

        init(spec: String = #"{"architecture":"qwen3moe","experts":8,"expertsUsed":2,"expertFeedForward":64,"layers":4,"vocab":600}"#) throws {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            _ = try run(EndToEndTests.binary, ["random-model", "--spec", spec, "--out", model])
        }

        deinit {
            _ = try? tmux(["kill-server"])
            try? FileManager.default.removeItem(atPath: dir)
            let tmp = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
            try? FileManager.default.removeItem(atPath: "\(tmp)/tmux-\(getuid())/\(socket)")
        }

        /// Runs a command and returns its output. It is spawned directly (posix_spawn + waitpid)
        /// with a clean signal mask, as from a shell: the test runner's threads block signals, and
        /// the tmux client that starts a server must be reaped reliably. The output goes through a
        /// file, because the tmux server keeps inherited descriptors open.
        @discardableResult
        func run(_ exe: String, _ args: [String]) throws -> String {
            let path = dir + "/out-\(UUID().uuidString).txt"
            defer { try? FileManager.default.removeItem(atPath: path) }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            var attr = posix_spawnattr_t()
            posix_spawnattr_init(&attr)
            defer { posix_spawnattr_destroy(&attr) }
            var none = sigset_t()
            sigemptyset(&none)
            posix_spawnattr_setsigmask(&attr, &none)
            var defaults = sigset_t()
            sigfillset(&defaults)
            posix_spawnattr_setsigdefault(&attr, &defaults)
            posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            let argv: [UnsafeMutablePointer<CChar>?] = ([exe] + args).map { strdup($0) } + [nil]
            defer { for a in argv { free(a) } }
            var pid: pid_t = 0
            let rc = posix_spawn(&pid, exe, &actions, &attr, argv, environ)
            guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        }

        @discardableResult
        func tmux(_ args: [String]) throws -> String {
            try run(EndToEndTests.tmuxPath!, ["-L", socket, "-f", "/dev/null"] + args)
        }

        func start(_ args: String, width: Int = 100, height: Int = 30) throws {
            let cmd = "sh -c 'echo $$ > \(pidFile); exec env -u NO_COLOR TERM=xterm-256color LANG=C.UTF-8 \(EndToEndTests.binary) \(args)'; "
                + "echo EXITCODE=$?; stty -a > \(stty); sleep 60"
            try tmux(["new-session", "-d", "-s", "e2e", "-x", "\(width)", "-y", "\(height)", cmd])
        }

        func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", "e2e"]) }

        func keys(_ keys: String..., literal: Bool = false) throws {
            try tmux(["send-keys", "-t", "e2e"] + (literal ? ["-l"] : []) + keys)
        }

        /// Waits until the screen satisfies `done`; returns the last screen either way.
        @discardableResult
        func wait(seconds: Double = 15, _ what: String, until done: (String) -> Bool,
                  sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
            let end = Date().addingTimeInterval(seconds)
            var last = ""
            while Date() < end {
                last = try screen()
                if done(last) { return last }
                usleep(20_000)
            }
            Issue.record("timed out waiting for \(what); the screen was:\n\(last)", sourceLocation: sourceLocation)
            return last
        }

        func terminalRestored() -> Bool {
            guard let s = try? String(contentsOfFile: stty, encoding: .utf8) else { return false }
            let words = Set(s.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
            return words.contains("icanon") && words.contains("echo") && words.contains("icrnl")
        }
    }

    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed: the end-to-end test needs it (`.ci/run` installs it)"))
    func promptThinkingAnswerBudgetResizeQuit() throws {
        let s = try Session()
        try s.start("tui --model \(s.model) --prefill-think --budget 16 --end-style bare --seed 11 --max-tokens 80")
        // The screen can be captured mid-frame: wait for the whole idle screen.
        let idle = try s.wait("the idle screen") { $0.contains("Type a prompt") && $0.contains("Examples") }
        #expect(idle.contains("Budget"))

        try s.keys("Hello 你好", literal: true)
        try s.wait("the prompt to be typed") { $0.contains("› Hello 你好") }
        try s.keys("Enter")
        let done = try s.wait("the run to finish") { $0.contains("✓ done") || $0.contains("■ token limit") }
        #expect(done.contains("Thinking · 16 tok"), "16 thinking tokens (the budget)")
        #expect(!done.contains("Answer · 0 tok"), "the answer streamed")
        #expect(!done.contains("inj 0 ") && !done.contains("injected 0 "), "the end of thinking was injected")
        #expect(done.contains("▀"), "the heatmap is drawn in colour")
        #expect(done.contains("Experts · whole run"))
        #expect(done.contains("› Hello 你好"))

        try s.keys("]")
        try s.wait("the budget to move to 32") { $0.contains("budget 16/32") }

        try s.keys("b")
        let compared = try s.wait("the budget comparison") { $0.contains("✓ compared") }
        #expect(compared.contains("Compare budgets · Hello 你好"))
        #expect(compared.contains("no-think  think 0 · answer"))
        try s.keys("Escape")
        try s.wait("the comparison to close") { !$0.contains("Compare budgets") && $0.contains("budget 16/32") }

        try s.tmux(["resize-window", "-t", "e2e", "-x", "80", "-y", "24"])
        let small = try s.wait("the 80×24 layout") { screen in
            let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return screen.contains("ThinkScope") && rows.count <= 25 && screen.contains("th 16")
        }
        #expect(small.contains("Thinking"))
        try s.tmux(["resize-window", "-t", "e2e", "-x", "30", "-y", "8"])
        try s.wait("the tiny layout") { $0.contains("ThinkScope") && $0.split(separator: "\n").allSatisfy { $0.count <= 30 } }
        try s.tmux(["resize-window", "-t", "e2e", "-x", "100", "-y", "30"])
        try s.wait("the 100×30 layout again") { $0.contains("budget 16/32") }

        let t0 = Date()
        try s.keys("?")
        try s.wait("the help overlay") { $0.contains("Keys — Esc closes") }
        // Through tmux and its capture round trips; the loop itself is measured in AppLoopTests.
        #expect(Date().timeIntervalSince(t0) < 1.5)
        try s.keys("Escape")
        try s.wait("the help to close") { !$0.contains("Keys — Esc closes") }
        try s.keys("q")
        let after = try s.wait("the program to exit") { $0.contains("EXITCODE=") }
        #expect(after.contains("EXITCODE=0"))
        #expect(!after.contains("ThinkScope"), "the alternate screen was left")
        try s.wait(seconds: 5, "stty output") { _ in FileManager.default.fileExists(atPath: s.stty) }
        #expect(s.terminalRestored(), "terminal modes after exit: \((try? String(contentsOfFile: s.stty, encoding: .utf8)) ?? "none")")
    }

    /// gpt-oss at 24 layers × 32 experts (small widths): harmony opens the analysis channel, the
    /// budget ends it with the final header (which the answer pane does not show), and the heatmap
    /// has every layer and expert.
    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed: the end-to-end test needs it (`.ci/run` installs it)"))
    func gptOssThinksAnswersAndMapsItsExperts() throws {
        let s = try Session(spec: #"{"architecture":"gpt-oss","layers":24,"embedding":128,"heads":2,"kvHeads":1,"headDim":64,"experts":32,"expertsUsed":4,"expertFeedForward":32,"vocab":600,"tiedEmbeddings":false,"slidingWindow":16}"#)
        try s.start("tui --model \(s.model) --budget 16 --end-style bare --seed 5 --max-tokens 60 --reasoning-effort low",
                    width: 120, height: 40)
        try s.wait("the idle screen") { $0.contains("Type a prompt") }
        try s.keys("What is 2+2?", literal: true)
        try s.wait("the prompt to be typed") { $0.contains("› What is 2+2?") }
        try s.keys("Enter")
        let done = try s.wait(seconds: 60, "the run to finish") { $0.contains("✓ done") || $0.contains("■ token limit") }
        #expect(done.contains("gpt-oss 24L×32E"))
        #expect(done.contains("Thinking · 16 tok"), "16 thinking tokens (the budget)")
        #expect(done.contains("24 layers × 32 experts"))
        #expect(!done.contains("assistant") && !done.contains("<|"), "harmony markup stays out of the panes")
        try s.keys("q")
        try s.wait("the program to exit") { $0.contains("EXITCODE=") }
    }

    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed: the end-to-end test needs it (`.ci/run` installs it)"))
    func sigtermRestoresTheTerminal() throws {
        let s = try Session()
        try s.start("tui --model \(s.model)")
        try s.wait("the idle screen") { $0.contains("Type a prompt") }
        let pid = try #require(Int32((try String(contentsOfFile: s.pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(pid, SIGTERM)
        let after = try s.wait("the program to exit") { $0.contains("EXITCODE=") }
        #expect(after.contains("EXITCODE=143"))
        try s.wait(seconds: 5, "stty output") { _ in FileManager.default.fileExists(atPath: s.stty) }
        #expect(s.terminalRestored())
    }

    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed: the end-to-end test needs it (`.ci/run` installs it)"))
    func aBadThemeIsAMessageNotACrash() throws {
        let s = try Session()
        let bad = s.dir + "/bad.yaml"
        try "palette:\n  base00: \"nothex\"\n".write(toFile: bad, atomically: true, encoding: .utf8)
        try s.start("tui --model \(s.model) --theme \(bad)")
        let after = try s.wait("the error") { $0.contains("EXITCODE=") }
        #expect(after.contains("palette.base00"))
        #expect(after.contains("EXITCODE=1"))
    }
}

/// The answer-probe chart on the shipped demo model, through the real binary in tmux.
@Suite(.serialized) struct ProbeEndToEndTests {
    @Test(.enabled(if: EndToEndTests.tmuxPath != nil, "tmux is not installed: the end-to-end test needs it (`.ci/run` installs it)"))
    func theProbeChartFillsInWhileTheModelThinks() throws {
        let s = try EndToEndTests.Session()
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("probed-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: trace) }
        try s.start("tui --probe-every 8 --temperature 0", width: 110, height: 40)
        try s.wait("the idle screen") { $0.contains("Type a prompt") && $0.contains("Examples") && $0.contains("demo model") }
        try s.keys("What is 4821 + 3956?", literal: true)
        try s.keys("Enter")
        try s.keys("p")
        func dots(_ screen: String) -> Int { screen.unicodeScalars.count { (0x2801...0x28FF).contains($0.value) } }
        // Mid-run: the chart has points while the thinking pane is still growing.
        let live = try s.wait("probe points while the model thinks") { screen in
            screen.contains("Answer if stopped now") && dots(screen) > 0 && screen.contains("■") && !screen.contains("✓ done")
        }
        let done = try s.wait("the run to finish") { $0.contains("✓ done") && $0.contains("settled at") }
        #expect(dots(done) > dots(live), "more of the curve once thinking is over")
        #expect(done.contains("■ 8777"), "the final answer is in the legend")
        try s.keys("P")
        let pivot = try s.wait(seconds: 30, "the pivot") { $0.contains("pivot P(8777)") }
        #expect(pivot.contains("cursor"), "the token cursor sits on the pivot")
        try s.keys("q")
        try s.wait("the program to exit") { $0.contains("EXITCODE=0") }

        // A trace with probes replays without a model, the chart open.
        _ = try s.run(EndToEndTests.binary, ["run", "--prompt", "What is 4821 + 3956?", "--temperature", "0",
                                             "--probe-every", "16", "--trace", trace])
        let r = try EndToEndTests.Session()
        try r.start("replay \(trace)", width: 110, height: 40)
        let replay = try r.wait("the replayed chart") { $0.contains("Answer if stopped now") && $0.contains("settled at 128") }
        #expect(dots(replay) > 0)
        try r.keys("P")
        try r.wait("the replay's pivot answer") { $0.contains("replay TRACE --model FILE") }
    }
}

/// The branch menu and tree on the shipped demo model, through the real binary in tmux.
@Suite(.serialized) struct BranchEndToEndTests {
    @Test(.enabled(if: EndToEndTests.tmuxPath != nil, "tmux is not installed: the end-to-end test needs it (`.ci/run` installs it)"))
    func branchAtTheCursorWalkTheTreeAndOpenABranch() throws {
        let s = try EndToEndTests.Session()
        try s.start("tui --seed 3 --probe-every 0", width: 110, height: 36)
        try s.wait("the idle screen") { $0.contains("Type a prompt") && $0.contains("demo model") }
        try s.keys("What is 4821 + 3956?", literal: true)
        try s.keys("Enter")
        try s.wait(seconds: 60, "the run to finish") { $0.contains("✓ done") }
        try s.keys("c")
        try s.wait("the token cursor") { $0.contains("Token #") }
        for _ in 0..<5 { try s.keys("k") }
        try s.keys("b")
        try s.wait("the branch menu") { $0.contains("Branch at token #") && $0.contains("resample ×4") }
        try s.keys("r")
        let tree = try s.wait(seconds: 60, "four resamples to finish") { screen in
            screen.contains("Branches · 4 branches") && screen.contains("resample ×4") && !screen.contains("running")
                && !screen.contains("done…")
        }
        #expect(tree.contains("├─") && tree.contains("└─"))
        #expect(tree.contains("● run"))
        #expect(tree.components(separatedBy: "think ").count - 1 == 5, "the run and four samples, each with its counts")
        // The first sample is selected: walk to the third and open it.
        try s.keys("j", "j")
        try s.keys("Enter")
        let shown = try s.wait("the branch in the panes") { $0.contains("showing branch #3") }
        #expect(shown.contains("Thinking ·"))
        // Branch again from the branch, with an alternative token.
        try s.keys("c")
        try s.wait("the token cursor") { $0.contains("Token #") }
        try s.keys("k", "k", "b")
        try s.wait("the branch menu on the branch") { $0.contains("of #3") }
        try s.keys("a")
        try s.wait("the alternatives") { $0.contains("Replace") }
        try s.keys("Enter")
        let nested = try s.wait(seconds: 60, "the alternative branch") { $0.contains("Branches · 5 branches") && !$0.contains("running") }
        #expect(nested.contains("→ "))
        try s.keys("q")  // closes the tree
        try s.wait("the tree to close") { !$0.contains("Branches ·") }
        try s.keys("q")
        try s.wait("the program to exit") { $0.contains("EXITCODE=0") }
    }

    @Test(.enabled(if: EndToEndTests.tmuxPath != nil, "tmux is not installed: the end-to-end test needs it (`.ci/run` installs it)"))
    func theLiveExpertMaskIsSetShownAndCleared() throws {
        let s = try EndToEndTests.Session()
        try s.start("tui --seed 3 --probe-every 0", width: 110, height: 36)
        try s.wait("the idle screen") { $0.contains("Type a prompt") && $0.contains("demo model") }
        try s.keys("What is 12 + 7?", literal: true)
        try s.keys("Enter")
        try s.wait(seconds: 60, "the run to finish") { $0.contains("✓ done") }
        try s.keys("Escape")  // to the panes
        try s.keys("M")
        try s.wait("the mask editor") { $0.contains("Expert mask of the main run") && $0.contains("now: the router's own choice") }
        try s.keys("9:99", literal: true)
        try s.keys("Enter")
        try s.wait("the refusal") { $0.contains("does not exist") && $0.contains("Expert mask of the main run") }
        try s.keys("C-u")
        try s.keys("*:3", literal: true)
        try s.keys("Enter")
        let masked = try s.wait("the mask in the title bar") { $0.contains("⊘ *:3") && !$0.contains("Expert mask of the main run") }
        #expect(masked.split(separator: "\n").first?.contains("⊘ *:3") == true)
        // The next run routes with it; then M, an empty line and Enter clear it.
        try s.keys("i")
        try s.keys("What is 5 + 4?", literal: true)
        try s.keys("Enter")
        try s.wait(seconds: 60, "the masked run to finish") { $0.contains("✓ done") && $0.contains("5 + 4") }
        try s.keys("Escape", "M", "C-u", "Enter")
        try s.wait("the mask cleared") { !$0.contains("⊘") && $0.contains("mask cleared") }
        try s.keys("q")
        try s.wait("the program to exit") { $0.contains("EXITCODE=0") }
        #expect(s.terminalRestored())
    }
}
