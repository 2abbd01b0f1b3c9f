#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Engine
import Foundation

/// The first line of a trace: what produced it.
public struct TraceHeader: Codable, Sendable, Equatable {
    public var format = TraceFormat.name
    public var version = TraceFormat.version
    public var model: ModelIdentity
    public var settings: TraceSettings
    /// The conversation as text (role, content) and the rendered prompt ids.
    public var messages: [TraceMessage]
    public var promptTokens: [Int]
    public var created: String

    public init(model: ModelIdentity, settings: TraceSettings, messages: [TraceMessage], promptTokens: [Int], created: String) {
        self.model = model
        self.settings = settings
        self.messages = messages
        self.promptTokens = promptTokens
        self.created = created
    }

    public struct ModelIdentity: Codable, Sendable, Equatable {
        public var file: String
        public var size: Int
        public var headerHash: String
        public var architecture: String
        public var layers: Int?
        public var experts: Int?

        public init(file: String, size: Int, headerHash: String, architecture: String, layers: Int? = nil, experts: Int? = nil) {
            self.file = file
            self.size = size
            self.headerHash = headerHash
            self.architecture = architecture
            self.layers = layers
            self.experts = experts
        }
    }
}

public struct TraceMessage: Codable, Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// The generation settings as recorded.
public struct TraceSettings: Codable, Sendable, Equatable {
    public var thinking: Bool
    public var policy: String
    public var budget: Int?
    public var minimum: Int?
    public var endStyle: String
    public var grace: Int
    public var maxTokens: Int
    public var temperature: Float
    public var topK: Int
    public var topP: Float
    public var minP: Float
    public var seed: UInt64
    /// Live answer probes every this many thinking tokens (absent: none; older traces).
    public var probeEvery: Int?
    /// The expert mask the run started with (`--mask`, or the inspector's live mask; absent: none,
    /// and in traces written before masks were recorded).
    public var mask: ExpertMask?

    public init(thinking: Bool, settings s: GenerationSettings, mask: ExpertMask? = nil) {
        self.thinking = thinking
        policy = String(describing: type(of: s.policy))
        budget = s.policy.limit
        minimum = (s.policy as? Minimum)?.minimum
        endStyle = s.endStyle.rawValue
        grace = s.grace
        maxTokens = s.maxTokens
        temperature = s.sampling.temperature
        topK = s.sampling.topK
        topP = s.sampling.topP
        minP = s.sampling.minP
        seed = s.sampling.seed
        probeEvery = s.probe?.every
        self.mask = mask?.isEmpty == false ? mask : nil
    }
}

extension TraceSettings {
    /// The settings the run was recorded with, as far as the trace keeps them (penalties and the
    /// "Wait" text are not recorded: the defaults stand in).
    public var generationSettings: GenerationSettings {
        var s = GenerationSettings()
        switch policy {
        case "Cap": s.policy = budget.map { Cap($0) } ?? Unlimited()
        case "Minimum": s.policy = Minimum(minimum ?? 0, cap: budget)
        default: s.policy = Unlimited()
        }
        s.endStyle = EndStyle(rawValue: endStyle) ?? .qwen
        s.grace = max(0, grace)
        s.maxTokens = max(1, maxTokens)
        s.sampling = SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP, seed: seed)
        return s
    }
}

/// The last line: how the run ended.
public struct TraceFooter: Codable, Sendable, Equatable {
    public var reason: FinishReason
    public var stats: GenerationStats
}

public enum TraceFormat {
    public static let name = "thinkscope-trace"
    public static let version = 1
}

public struct TraceError: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public var line: Int?
    public var message: String
    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// One JSON object per line. Field `type` says which record it is.
enum TraceLine: Codable {
    case header(TraceHeader)
    case phase(Phase)
    case token(TokenEvent)
    case stats(GenerationStats)
    case error(String)
    case probe(Probe)
    case mask(MaskChange)
    case branch(Branch)
    case footer(TraceFooter)

    enum Kind: String, Codable { case header, phase, token, stats, error, probe, mask, branch, footer }
    enum Keys: String, CodingKey { case type, phase, message }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(Kind.self, forKey: .type) {
        case .header: self = .header(try TraceHeader(from: decoder))
        case .phase: self = .phase(try c.decode(Phase.self, forKey: .phase))
        case .token: self = .token(try TokenEvent(from: decoder))
        case .stats: self = .stats(try GenerationStats(from: decoder))
        case .error: self = .error(try c.decode(String.self, forKey: .message))
        case .probe: self = .probe(try Probe(from: decoder))
        case .mask: self = .mask(try MaskChange(from: decoder))
        case .branch: self = .branch(try Branch(from: decoder))
        case .footer: self = .footer(try TraceFooter(from: decoder))
        }
    }

    /// Just the `type` of a line (to tell a bad branch line, which is dropped, from other bad lines).
    struct KindOnly: Decodable { var type: Kind }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .header(let h): try c.encode(Kind.header, forKey: .type); try h.encode(to: encoder)
        case .phase(let p): try c.encode(Kind.phase, forKey: .type); try c.encode(p, forKey: .phase)
        case .token(let t): try c.encode(Kind.token, forKey: .type); try t.encode(to: encoder)
        case .stats(let s): try c.encode(Kind.stats, forKey: .type); try s.encode(to: encoder)
        case .error(let m): try c.encode(Kind.error, forKey: .type); try c.encode(m, forKey: .message)
        case .probe(let p): try c.encode(Kind.probe, forKey: .type); try p.encode(to: encoder)
        case .mask(let m): try c.encode(Kind.mask, forKey: .type); try m.encode(to: encoder)
        case .branch(let b): try c.encode(Kind.branch, forKey: .type); try b.encode(to: encoder)
        case .footer(let f): try c.encode(Kind.footer, forKey: .type); try f.encode(to: encoder)
        }
    }

    init?(_ event: ReasoningEvent) {
        switch event {
        case .phase(let p): self = .phase(p)
        case .token(let t): self = .token(t)
        case .stats(let s): self = .stats(s)
        case .error(let m): self = .error(m)
        case .probe(let p): self = .probe(p)
        case .mask(let m): self = .mask(m)
        case .finished: return nil
        }
    }

    /// The encoding used for traces and `run --json`: one compact line, keys sorted.
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }()

    func jsonLine() -> String {
        let data = (try? Self.encoder.encode(self)) ?? Data("{\"type\":\"error\",\"message\":\"unencodable\"}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension ReasoningEvent {
    /// The event as one line of JSON (the format of traces and `run --json`).
    public var jsonLine: String {
        switch self {
        case .finished(let reason, let stats): return TraceLine.footer(TraceFooter(reason: reason, stats: stats)).jsonLine()
        default: return TraceLine(self)!.jsonLine()
        }
    }
}

/// Writes a trace as it happens, unbuffered: each line goes to the file in one `write(2)` before
/// the next event, so Ctrl-C or a crash of the process leaves every finished line readable (at
/// worst the last line is torn, which the reader tolerates).
public final class TraceWriter {
    public let path: String
    private let fd: Int32

    public init(path: String, header: TraceHeader) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw TraceError(path: path, line: nil, message: "cannot write: \(String(cString: strerror(errno)))")
        }
        try writeLine(TraceLine.header(header).jsonLine())
    }

    deinit { close(fd) }

    public func record(_ event: ReasoningEvent) throws {
        try writeLine(event.jsonLine)
    }

    /// A branch of the run (after the run's footer).
    public func record(branch: Branch) throws {
        try writeLine(TraceLine.branch(branch).jsonLine())
    }

    /// Writes a whole trace — header, events, branches — to `path` through a temporary file that
    /// is renamed into place, so a reader never sees half of it.
    public static func save(path: String, header: TraceHeader, events: [ReasoningEvent], branches: [Branch]) throws {
        let temporary = path + ".part"
        do {
            let w = try TraceWriter(path: temporary, header: header)
            for e in events { try w.record(e) }
            for b in branches { try w.record(branch: b) }
        }
        guard rename(temporary, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw TraceError(path: path, line: nil, message: "cannot write: \(why)")
        }
    }

    private func writeLine(_ line: String) throws {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TraceError(path: path, line: nil, message: "write failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}

/// A trace read back: the header, the events in order, the footer if the run finished, and
/// whether the last line was cut off (a run that was killed mid-write).
public struct Trace: Sendable {
    public var header: TraceHeader
    public var events: [ReasoningEvent]
    public var footer: TraceFooter?
    public var truncatedLastLine: Bool
    /// The run's branches (the tree's nodes after the root), checked: a parent comes first and
    /// a fork lies within its parent's path.
    public var branches: [Branch]
    /// Lines that were dropped without failing the whole trace (bad branch lines), each naming
    /// its line and field.
    public var problems: [TraceError]
    /// Where the run's live expert mask changed, in token order.
    public var maskChanges: [MaskChange] { events.compactMap { if case .mask(let m) = $0 { m } else { nil } } }

    /// Reads a trace. A malformed line is an error naming its line number, except a torn last
    /// line, which is dropped (and reported in `truncatedLastLine`).
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TraceError(path: path, line: nil, message: "cannot read the file")
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String = "<trace>") throws {
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        let endsWithNewline = data.last == 0x0A
        if endsWithNewline { lines.removeLast() }
        guard !lines.isEmpty, !(lines.count == 1 && lines[0].isEmpty) else {
            throw TraceError(path: path, line: nil, message: "empty file; expected a ThinkScope trace (JSON Lines)")
        }
        var header: TraceHeader?
        var events: [ReasoningEvent] = []
        var footer: TraceFooter?
        var torn = false
        var branches: [(line: Int, branch: Branch)] = []
        var problems: [TraceError] = []
        for (i, raw) in lines.enumerated() {
            let lineNumber = i + 1
            let isLast = i == lines.count - 1
            let parsed: TraceLine
            do {
                parsed = try TraceLine.decoder.decode(TraceLine.self, from: Data(raw))
            } catch {
                if isLast && !endsWithNewline && lineNumber > 1 {
                    torn = true
                    break
                }
                if header != nil, (try? TraceLine.decoder.decode(TraceLine.KindOnly.self, from: Data(raw)))?.type == .branch {
                    problems.append(TraceError(path: path, line: lineNumber, message: "branch dropped: \(Self.describe(error))"))
                    continue
                }
                throw TraceError(path: path, line: lineNumber, message: "not a trace record: \(Self.describe(error))")
            }
            switch parsed {
            case .header(let h):
                guard lineNumber == 1 else { throw TraceError(path: path, line: lineNumber, message: "a second header") }
                guard h.format == TraceFormat.name else {
                    throw TraceError(path: path, line: 1, message: "format is '\(h.format)'; expected '\(TraceFormat.name)'")
                }
                guard h.version <= TraceFormat.version else {
                    throw TraceError(path: path, line: 1, message: "trace version \(h.version) is newer than this ThinkScope reads (\(TraceFormat.version))")
                }
                header = h
            case _ where header == nil:
                throw TraceError(path: path, line: 1, message: "the first line is not a trace header")
            case .footer(let f):
                footer = f
                events.append(.finished(f.reason, f.stats))
            case .phase(let p): events.append(.phase(p))
            case .token(let t): events.append(.token(t))
            case .stats(let s): events.append(.stats(s))
            case .error(let m): events.append(.error(m))
            case .probe(let p): events.append(.probe(p))
            case .mask(let m): events.append(.mask(m))
            case .branch(let b): branches.append((lineNumber, b))
            }
        }
        guard let header else { throw TraceError(path: path, line: 1, message: "the first line is not a trace header") }
        self.header = header
        self.events = events
        self.footer = footer
        truncatedLastLine = torn
        // The tree must hold together; from the first node that does not, the rest is dropped.
        let root = Branch(id: 0, parent: nil, at: 0, intervention: .none,
                          tokens: events.compactMap { if case .token(let t) = $0 { t } else { nil } }, reason: footer?.reason)
        if case .failure(let e) = BranchTree.restore([root] + branches.map(\.branch)), let bad = branches.first(where: { $0.branch.id == e.node }) ?? branches.first {
            problems.append(TraceError(path: path, line: bad.line, message: "branch dropped with the rest after it: \(e.message)"))
            branches = Array(branches.prefix { $0.line < bad.line })
        }
        self.branches = branches.map(\.branch)
        self.problems = problems
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            return "missing field '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            return "field '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))': \(ctx.debugDescription)"
        case DecodingError.dataCorrupted(let ctx):
            let at = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return at.isEmpty ? "invalid JSON" : "field '\(at)': \(ctx.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
