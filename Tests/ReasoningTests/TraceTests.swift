import Engine
import Foundation
import Testing
@testable import Reasoning
import Tokenizer

@Suite struct TraceTests {
    func header() -> TraceHeader {
        TraceHeader(model: .init(file: "m.gguf", size: 123, headerHash: "00ff", architecture: "qwen3moe", layers: 2, experts: 8),
                    settings: TraceSettings(thinking: true, settings: settings(Cap(8))),
                    messages: [TraceMessage(role: "user", content: "6 × 7? 你好 \"quoted\"\n")],
                    promptTokens: [1, 2, 3], created: "2026-11-29T12:00:00Z")
    }

    func recordedRun() throws -> (path: String, events: [ReasoningEvent]) {
        let chat = try testChat()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID()).jsonl").path
        let writer = try TraceWriter(path: path, header: header())
        var events: [ReasoningEvent] = []
        Generator(model: ScriptedModel(chat: chat, thought: "é中\u{1B}[31m", thinkLength: 12), chat: chat, settings: settings(Cap(8)))
            .run(prompt: chat.render([.user("q")])) { e in
                events.append(e)
                try? writer.record(e)
            }
        return (path, events)
    }

    @Test func roundTrips() throws {
        let (path, events) = try recordedRun()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trace = try Trace(path: path)
        #expect(trace.header == header())
        #expect(trace.events == events)
        #expect(trace.footer?.reason == .endOfTurn)
        #expect(!trace.truncatedLastLine)
    }

    @Test func probesRoundTripAndOlderTracesWithoutThemStillRead() throws {
        let chat = try testChat()
        var s = settings(Unlimited())
        s.probe = ProbeSettings(every: 4)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var h = header()
        h.settings = TraceSettings(thinking: true, settings: s)
        let writer = try TraceWriter(path: path, header: h)
        var events: [ReasoningEvent] = []
        Generator(model: ScriptedModel(chat: chat, thinkLength: 12), chat: chat, settings: s).run(prompt: chat.render([.user("q")])) { e in
            events.append(e)
            try? writer.record(e)
        }
        let trace = try Trace(path: path)
        #expect(trace.events == events)
        #expect(trace.header.settings.probeEvery == 4)
        #expect(trace.events.count { if case .probe = $0 { true } else { false } } == 6)
        // A version-1 trace written before probes existed: no probeEvery, no probe lines.
        var old = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.contains(#""type":"probe""#) }
        old[0] = Substring(old[0].replacingOccurrences(of: #","probeEvery":4"#, with: ""))
        let older = try Trace(data: Data((old.joined(separator: "\n") + "\n").utf8))
        #expect(older.header.settings.probeEvery == nil)
        #expect(older.footer?.reason == .endOfTurn)
    }

    @Test func theMaskARunStartedWithIsInTheHeaderAndOlderTracesStillRead() throws {
        var h = header()
        h.settings = TraceSettings(thinking: true, settings: settings(Cap(8)), mask: ExpertMask(dropped: [5], droppedInLayer: [1: [2]]))
        let line = String(decoding: try JSONEncoder().encode(TraceLine.header(h)), as: UTF8.self)
        #expect(line.contains(#""mask":{"#))
        let text = line + "\n" + #"{"type":"footer","reason":"endOfTurn","stats":{"promptTokens":3,"thinkingTokens":0,"answerTokens":0,"injectedTokens":0,"prefillTokensPerSecond":0,"decodeTokensPerSecond":0,"elapsed":0}}"# + "\n"
        let trace = try Trace(data: Data(text.utf8))
        #expect(trace.header.settings.mask == ExpertMask(dropped: [5], droppedInLayer: [1: [2]]))
        // No mask: no field; a trace without the field reads as unmasked.
        let plain = String(decoding: try JSONEncoder().encode(TraceLine.header(header())), as: UTF8.self)
        #expect(!plain.contains("mask"))
        #expect(try Trace(data: Data((plain + "\n").utf8)).header.settings.mask == nil)
        #expect(TraceSettings(thinking: true, settings: settings(Cap(8)), mask: ExpertMask()).mask == nil)
    }

    @Test func everyLineIsOneJSONObject() throws {
        let (path, _) = try recordedRun()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n") {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(obj?["type"] is String)
        }
    }

    @Test func aTraceCutMidLineStillReads() throws {
        let (path, _) = try recordedRun()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        let lines = full.split(separator: 0x0A)
        // Cut in the middle of every line after the header.
        var offset = lines[0].count + 1
        for line in lines.dropFirst() {
            let cut = full.prefix(offset + line.count / 2)
            let t = try Trace(data: cut)
            #expect(t.truncatedLastLine)
            #expect(t.footer == nil)
            offset += line.count + 1
        }
    }

    @Test func malformedLinesAreReportedWithLineNumbers() throws {
        let (path, _) = try recordedRun()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[3] = "{\"type\":\"token\",\"index\":\"three\"}"
        let bad = Data((lines.joined(separator: "\n") + "\n").utf8)
        #expect(throws: TraceError.self) { try Trace(data: bad, path: "t.jsonl") }
        do { _ = try Trace(data: bad, path: "t.jsonl") } catch let e as TraceError {
            #expect(e.line == 4)
            #expect(e.description.hasPrefix("t.jsonl:4: "))
        }
        #expect(throws: TraceError(path: "e", line: nil, message: "empty file; expected a ThinkScope trace (JSON Lines)")) {
            try Trace(data: Data(), path: "e")
        }
        let noHeader = Data("{\"type\":\"phase\",\"phase\":\"thinking\"}\n".utf8)
        #expect(throws: TraceError(path: "x", line: 1, message: "the first line is not a trace header")) {
            try Trace(data: noHeader, path: "x")
        }
        let garbage = Data("hello\nworld\n".utf8)
        #expect(throws: TraceError.self) { try Trace(data: garbage, path: "g") }
        var future = lines
        future[0] = future[0].replacingOccurrences(of: "\"version\":1", with: "\"version\":99")
        #expect(throws: TraceError.self) { try Trace(data: Data(future.joined(separator: "\n").utf8), path: "f") }
    }
}

/// Traces that record a branch tree.
@Suite struct BranchTraceTests {
    /// A run of the scripted model, a resample group and an edit of the first sample, saved whole.
    static func savedTree() throws -> (path: String, events: [ReasoningEvent], branches: [Branch]) {
        let chat = try testChat()
        let model = ScriptedModel(chat: chat, thinkLength: 10)
        let s = settings(Unlimited())
        let prompt = chat.render([.user("q")], enableThinking: true).map(Int.init)
        var events: [ReasoningEvent] = []
        Generator(model: model, chat: chat, settings: s).run(prompt: prompt.map { TokenID($0) }) { events.append($0) }
        let tokens = events.compactMap { if case .token(let t) = $0 { t } else { nil } }
        var tree = BranchTree(run: tokens, reason: .endOfTurn)
        let runner = BranchRunner(chat: chat, settings: s, prompt: prompt)
        let group = BranchRunner.resamples(base: 1, count: 2)
        let ids = tree.addGroup(parent: 0, at: 3, interventions: group)
        var firstModel: LanguageModel?
        for (i, o) in try runner.run(from: model, path: tokens, at: 3, interventions: group, onFinished: { i, _, m in
            if i == 0 { firstModel = m }
        }).enumerated() {
            tree.finish(ids[i], tokens: o.tokens, reason: o.reason, stats: o.stats)
        }
        let edit = tree.add(parent: ids[0], at: 6, intervention: .edit(text: "no"))
        let out = try runner.run(from: try #require(firstModel), path: tree.path(ids[0]), at: 6, interventions: [.edit(text: "no")])
        tree.finish(edit, tokens: out[0].tokens, reason: out[0].reason, stats: out[0].stats)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tree-\(UUID()).jsonl").path
        try TraceWriter.save(path: path, header: TraceTests().header(), events: events, branches: Array(tree.nodes.dropFirst()))
        return (path, events, Array(tree.nodes.dropFirst()))
    }

    @Test func aTreeRoundTrips() throws {
        let (path, events, branches) = try Self.savedTree()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trace = try Trace(path: path)
        #expect(trace.events == events)
        #expect(trace.branches == branches && branches.count == 3)
        #expect(trace.problems.isEmpty)
        #expect(branches[2].intervention == .edit(text: "no") && branches[2].parent == 1)
        #expect(!FileManager.default.fileExists(atPath: path + ".part"))
    }

    @Test func badBranchLinesAreDroppedNamingTheLineAndField() throws {
        let (path, events, branches) = try Self.savedTree()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let first = try #require(lines.firstIndex { $0.contains("\"type\":\"branch\"") })
        // The second sample loses its fork position; the edit's parent is fine, so it stays.
        lines[first + 1] = lines[first + 1].replacingOccurrences(of: "\"at\":3,", with: "")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let trace = try Trace(path: path)
        #expect(trace.events == events, "the run itself still loads")
        #expect(trace.problems.count >= 1)
        let p = try #require(trace.problems.first)
        #expect(p.line == first + 2 && p.description.contains("'at'"), "\(p)")
        // Dropping node 2 breaks the ids after it: the tree keeps what holds together.
        #expect(trace.branches == [branches[0]])
        #expect(trace.problems.count == 2)
    }

    @Test func aBranchForkedBeyondItsParentIsDropped() throws {
        let (path, _, branches) = try Self.savedTree()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let last = lines.count - 1
        lines[last] = lines[last].replacingOccurrences(of: "\"at\":6", with: "\"at\":6000")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let trace = try Trace(path: path)
        #expect(trace.branches == Array(branches.prefix(2)))
        #expect(trace.problems.first?.line == last + 1)
        #expect(trace.problems.first?.description.contains("fork position 6000") == true)
    }

    @Test func aMalformedNonBranchLineStillFailsTheTrace() throws {
        let (path, _, _) = try Self.savedTree()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[2] = "{\"type\":\"token\",\"index\":\"x\"}"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TraceError.self) { try Trace(path: path) }
    }
}
