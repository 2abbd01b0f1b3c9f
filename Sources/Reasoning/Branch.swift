import Engine

/// What a branch changes at its fork point.
public enum Intervention: Sendable, Equatable {
    /// The run as it was generated (the root of a tree).
    case none
    /// The token at the fork point is replaced by this one (one of the sampler's alternatives).
    case alternative(token: Int, text: String)
    /// The run continues from the fork point with a fresh sampler seeded `seed` (on-policy).
    case resample(seed: UInt64)
    /// The text from the fork point on is replaced by `text`, then the model continues. Off-policy:
    /// the model did not write it, and edited chains of thought give unreliable effects.
    case edit(text: String)
    /// From the fork point on, the model routes with `mask` (MoE experts dropped or forced); the
    /// tokens are sampled anew (the run's seed).
    case mask(ExpertMask)

    /// The model would not have produced the branch's start itself.
    public var offPolicy: Bool {
        if case .edit = self { return true }
        return false
    }

    /// Short, for the tree pane and the command line (text is not sanitized here).
    public var label: String {
        switch self {
        case .none: return "run"
        case .alternative(_, let text): return "→ \(text.debugDescription)"
        case .resample(let seed): return "resample #\(seed)"
        case .edit(let text): return "✎ \(text.debugDescription) (off-policy)"
        case .mask(let m): return "⊘ " + m.text
        }
    }
}

extension Intervention: Codable {
    enum Keys: String, CodingKey { case kind, token, text, seed, mask }
    enum Kind: String, Codable { case none, alternative, resample, edit, mask }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(Kind.self, forKey: .kind) {
        case .none: self = .none
        case .alternative: self = .alternative(token: try c.decode(Int.self, forKey: .token), text: try c.decode(String.self, forKey: .text))
        case .resample: self = .resample(seed: try c.decode(UInt64.self, forKey: .seed))
        case .edit: self = .edit(text: try c.decode(String.self, forKey: .text))
        case .mask: self = .mask(try c.decode(ExpertMask.self, forKey: .mask))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .none: try c.encode(Kind.none, forKey: .kind)
        case .alternative(let token, let text):
            try c.encode(Kind.alternative, forKey: .kind)
            try c.encode(token, forKey: .token)
            try c.encode(text, forKey: .text)
        case .resample(let seed):
            try c.encode(Kind.resample, forKey: .kind)
            try c.encode(seed, forKey: .seed)
        case .edit(let text):
            try c.encode(Kind.edit, forKey: .kind)
            try c.encode(text, forKey: .text)
        case .mask(let m):
            try c.encode(Kind.mask, forKey: .kind)
            try c.encode(m, forKey: .mask)
        }
    }
}

/// One node of a branch tree: a run forked from its parent's path after `at` tokens, changed by
/// an intervention and continued to the end of its answer.
public struct Branch: Sendable, Equatable, Codable {
    public var id: Int
    /// The node this one forks from (nil: the root, the run itself).
    public var parent: Int?
    /// Tokens of the parent's path kept before the intervention (the fork position).
    public var at: Int
    public var intervention: Intervention
    /// Resamples started together from one token share a group (its id is the first sample's id).
    public var group: Int?
    /// The branch's own tokens, from the fork point on (their `index` continues the parent's).
    public var tokens: [TokenEvent]
    /// The answer read from the whole path's answer text (`Probe.extractAnswer`).
    public var answer: String?
    /// Thinking and answer tokens of the whole path (sampled and injected; delimiters excluded).
    public var thinkingTokens: Int
    public var answerTokens: Int
    /// How the branch ended (nil while it runs).
    public var reason: FinishReason?

    public init(id: Int, parent: Int?, at: Int, intervention: Intervention, group: Int? = nil, tokens: [TokenEvent] = [],
                answer: String? = nil, thinkingTokens: Int = 0, answerTokens: Int = 0, reason: FinishReason? = nil) {
        self.id = id
        self.parent = parent
        self.at = at
        self.intervention = intervention
        self.group = group
        self.tokens = tokens
        self.answer = answer
        self.thinkingTokens = thinkingTokens
        self.answerTokens = answerTokens
        self.reason = reason
    }

    public var finished: Bool { reason != nil }
}

/// A run and the branches made from it. Node 0 is the root (the run). Ids are positions in
/// `nodes`; a parent always comes before its children.
public struct BranchTree: Sendable, Equatable {
    public private(set) var nodes: [Branch]

    /// A tree holding only the run (`stats`: its counts).
    public init(run tokens: [TokenEvent], reason: FinishReason?, stats: GenerationStats = GenerationStats(), rule: AnswerRule? = nil) {
        nodes = [Branch(id: 0, parent: nil, at: 0, intervention: .none)]
        updateRun(tokens, reason: reason, stats: stats, rule: rule)
    }

    /// A tree from recorded nodes (a trace), checked: ids in order, parents before children, fork
    /// positions within the parent's path. Returns nil with the reason otherwise.
    public static func restore(_ nodes: [Branch]) -> Result<BranchTree, BranchTreeError> {
        guard let root = nodes.first, root.id == 0, root.parent == nil else { return .failure(.init(node: 0, "the first node must be the root (id 0, no parent)")) }
        var t = BranchTree(run: [], reason: nil)
        t.nodes[0] = root
        for n in nodes.dropFirst() {
            guard n.id == t.nodes.count else { return .failure(.init(node: n.id, "ids must count up from 0 (expected \(t.nodes.count))")) }
            guard let p = n.parent, p >= 0, p < n.id else { return .failure(.init(node: n.id, "parent must be an earlier node")) }
            guard n.at >= 0, n.at <= t.pathLength(p) else { return .failure(.init(node: n.id, "fork position \(n.at) is beyond the parent's \(t.pathLength(p)) tokens")) }
            t.nodes.append(n)
        }
        return .success(t)
    }

    public var root: Branch { nodes[0] }
    public var count: Int { nodes.count }
    public subscript(id: Int) -> Branch { nodes[id] }
    public func contains(_ id: Int) -> Bool { nodes.indices.contains(id) }

    /// Replaces the root's tokens as the run grows or ends.
    public mutating func updateRun(_ tokens: [TokenEvent], reason: FinishReason?, stats: GenerationStats, rule: AnswerRule? = nil) {
        finish(0, tokens: tokens, reason: reason, stats: stats, rule: rule)
    }

    /// Appends a token of the run as it is generated.
    public mutating func appendToRun(_ t: TokenEvent) { nodes[0].tokens.append(t) }

    /// Adds a node forked from `parent` after `at` of its path's tokens; returns its id.
    @discardableResult
    public mutating func add(parent: Int, at: Int, intervention: Intervention, group: Int? = nil) -> Int {
        let id = nodes.count
        nodes.append(Branch(id: id, parent: parent, at: min(max(0, at), pathLength(parent)), intervention: intervention, group: group))
        return id
    }

    /// Adds one node per intervention, all forked from `parent` after `at` tokens, as one group
    /// (its id is the first node's); returns their ids.
    @discardableResult
    public mutating func addGroup(parent: Int, at: Int, interventions: [Intervention]) -> [Int] {
        let g = nodes.count
        return interventions.map { add(parent: parent, at: at, intervention: $0, group: g) }
    }

    /// Records a node's tokens, end and counts (`stats`: the whole path's, as its run counted
    /// them); the answer is read from the path once the node has ended.
    public mutating func finish(_ id: Int, tokens: [TokenEvent], reason: FinishReason?, stats: GenerationStats, rule: AnswerRule? = nil) {
        guard contains(id) else { return }
        nodes[id].tokens = tokens
        nodes[id].reason = reason
        nodes[id].thinkingTokens = stats.thinkingTokens
        nodes[id].answerTokens = stats.answerTokens
        let answerText = path(id).filter { $0.phase == .answer }.map(\.text).joined()
        nodes[id].answer = reason == nil ? nil : Probe.extractAnswer(answerText, rule: rule)
    }

    /// Every token from the reply's start to the node's end: the parent's path up to the fork,
    /// then the node's own tokens.
    public func path(_ id: Int) -> [TokenEvent] {
        let n = nodes[id]
        guard let p = n.parent else { return n.tokens }
        return Array(path(p).prefix(n.at)) + n.tokens
    }

    public func pathLength(_ id: Int) -> Int {
        let n = nodes[id]
        guard let p = n.parent else { return n.tokens.count }
        return min(n.at, pathLength(p)) + n.tokens.count
    }

    public func children(of id: Int) -> [Int] { nodes.filter { $0.parent == id }.map(\.id) }

    /// The samples of a resample group, in order.
    public func members(ofGroup g: Int) -> [Int] { nodes.filter { $0.group == g }.map(\.id) }

    /// Answers of a group's finished samples, most frequent first (ties: first seen first);
    /// a sample without an answer counts as "—".
    public func histogram(group g: Int) -> [(answer: String, count: Int)] {
        var counts: [String: Int] = [:], order: [String] = []
        for id in members(ofGroup: g) where nodes[id].finished {
            let a = nodes[id].answer ?? "—"
            if counts[a] == nil { order.append(a) }
            counts[a, default: 0] += 1
        }
        return order.enumerated().sorted { (counts[$0.1]!, -$0.0) > (counts[$1.1]!, -$1.0) }.map { ($0.1, counts[$0.1]!) }
    }

    /// The first token index where the node's thinking differs from its parent's (the fork
    /// point, or later when the branch happened to write the same tokens); nil for the root or
    /// when the thinking is the same.
    public func departure(_ id: Int) -> Int? {
        guard let p = nodes[id].parent else { return nil }
        let mine = path(id).filter { $0.phase == .thinking }, theirs = path(p).filter { $0.phase == .thinking }
        for (i, (a, b)) in zip(mine, theirs).enumerated() where a.id != b.id { return i }
        return mine.count == theirs.count ? nil : min(mine.count, theirs.count)
    }
}

public struct BranchTreeError: Error, Equatable, Sendable, CustomStringConvertible {
    public var node: Int
    public var message: String
    init(node: Int, _ message: String) {
        self.node = node
        self.message = message
    }
    public var description: String { "branch \(node): \(message)" }
}
