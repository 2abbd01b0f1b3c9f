import Engine
import Reasoning
import Tokenizer

/// Everything that can happen to the inspector.
public enum Action: Sendable {
    case key(Key)
    /// Text pasted at once (bracketed paste).
    case paste(String)
    case mouse(MouseEvent)
    case resize(width: Int, height: Int)
    case engine(ReasoningEvent)
    /// The clock, in seconds (monotonic).
    case tick(Double)
    /// The model finished loading in the background.
    case modelLoaded(ModelSummary)
    case modelFailed(String)
    /// One budget of comparison `id` is done.
    case compareOutcome(id: Int, CompareOutcome)
    /// Comparison `id` is over (every budget reported, or stopped).
    case compareFinished(id: Int)
    /// Comparison `id` could not run.
    case compareFailed(id: Int, String)
    /// The pivot of the latest run (`token` is its text), or nil when P(final answer) never rises.
    case pivotFound(Pivot?, token: String)
    /// The pivot could not be searched (no model, no final answer …).
    case pivotFailed(String)
    /// A branch of tree `tree` ended (`stats`: the counts of its whole path).
    case branchFinished(tree: Int, node: Int, tokens: [TokenEvent], reason: FinishReason, stats: GenerationStats)
    /// Branches of tree `tree` could not run.
    case branchFailed(tree: Int, nodes: [Int], String)
    /// Thought anchors of tree `tree`: progress, the results, or why they could not be computed.
    case anchorsProgress(tree: Int, done: Int, total: Int)
    case anchorsFound(tree: Int, [SentenceImportance])
    case anchorsFailed(tree: Int, String)
    /// The answer probes of node `node`'s path (its probe curve).
    case branchProbes(tree: Int, node: Int, [Probe])
    /// A replayed trace's branches (the nodes after the root).
    case branchesLoaded([Branch])
    /// The latest run was written as a trace (`automatic`: by `--trace-dir`).
    case traceSaved(path: String, automatic: Bool)
    case traceSaveFailed(String)
    /// The main model's expert output norms so far (after each run).
    case expertNorms(ExpertNorms)
}

/// What to start: the conversation so far plus the new prompt, and the budget settings.
public struct RunRequest: Sendable, Equatable {
    public var messages: [ChatMessage]
    /// Whether this turn thinks (the slider, unless `/think` or `/no_think` says otherwise).
    public var thinking: Bool
    /// Thinking budget (nil = unlimited).
    public var limit: Int?
    public var mode: BudgetMode
    public var endStyle: EndStyle

    public init(messages: [ChatMessage], thinking: Bool, limit: Int?, mode: BudgetMode, endStyle: EndStyle) {
        self.messages = messages
        self.thinking = thinking
        self.limit = limit
        self.mode = mode
        self.endStyle = endStyle
    }

    /// The budget policy for the generation loop.
    public var policy: any BudgetPolicy {
        guard let n = limit else { return Unlimited() }
        return mode == .exact ? Minimum.exact(n) : Cap(n)
    }
}

/// What the reducer asks the outside world to do.
public enum Effect: Sendable, Equatable {
    case startRun(RunRequest)
    /// Run the last prompt at several budgets, sharing the thinking (`.stop` stops it).
    case startCompare(CompareRequest)
    /// Change the live thinking budget (nil = unlimited; lower than spent ends thinking now).
    case setBudget(Int?)
    case endThinking
    case stop
    /// Forget the conversation (the engine may drop its cache).
    case resetConversation
    /// Search the latest run for the token where P(final answer | stop here) rises most.
    case findPivot
    /// Run branches of the latest run (`.stop` stops them).
    case runBranches(BranchRequest)
    /// Answer probes along a finished branch's path (every `every` thinking tokens), for its curve.
    case probeBranch(tree: Int, node: Int, path: [TokenEvent], every: Int)
    /// Sentence importance of the latest run, K resamples per sentence (`.stop` stops it).
    case findAnchors(tree: Int, samples: Int)
    /// Write the latest run and its branches as a trace (`automatic`: only where `--trace-dir`
    /// asks for every run).
    case saveTrace(branches: [Branch], automatic: Bool)
    /// Route the main model with this mask from its next token on (nil: the router's own choice).
    case setExpertMask(ExpertMask?)
    case quit
}

/// `/think` and `/no_think` in user text switch thinking per turn; the most recent one wins.
public enum ThinkSwitch {
    public static func resolve(_ userTexts: [String], default on: Bool) -> Bool {
        for text in userTexts.reversed() {
            let think = text.range(of: "/think", options: .backwards)
            let noThink = text.range(of: "/no_think", options: .backwards)
            switch (think, noThink) {
            case (nil, nil): continue
            case (_?, nil): return true
            case (nil, _?): return false
            case (let a?, let b?): return a.lowerBound > b.lowerBound
            }
        }
        return on
    }
}

#if canImport(Foundation)
import Foundation
#endif
