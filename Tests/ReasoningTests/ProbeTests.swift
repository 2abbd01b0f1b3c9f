import EmbeddedModel
import Engine
import Foundation
import GGUF
import Testing
@testable import Reasoning
import Tokenizer

extension Run {
    /// Each probe point's latest report, in order.
    var probes: [Probe] { events.latestProbes }
}

@Suite struct ProbeTests {
    func probing(every: Int, style: EndStyle = .bare) -> GenerationSettings {
        var s = settings(Unlimited(), style: style)
        s.probe = ProbeSettings(every: every)
        return s
    }

    @Test func aProbeEveryKThinkingTokensAnswersAsACapThere() throws {
        let chat = try testChat()
        let r = Run(ScriptedModel(chat: chat, thinkLength: 20), chat, probing(every: 8))
        #expect(r.reason == .endOfTurn)
        #expect(r.probes.map(\.thinkingTokens) == [8, 16])
        // `<think>` is token 0, so n thinking tokens end at index n + 1.
        #expect(r.probes.map(\.tokenIndex) == [9, 17])
        for p in r.probes {
            #expect(p.text == "42" && p.answer == "42" && p.answerTokens == 2)
            #expect(p.meanLogProbability < 0 && p.meanLogProbability > -0.1)
            let cap = Run(ScriptedModel(chat: chat, thinkLength: 20), chat, settings(Cap(p.thinkingTokens)))
            #expect(cap.tokens.filter { $0.phase == .answer && $0.origin == .sampled }.map(\.text).joined() == p.text)
        }
    }

    @Test func probesDoNotChangeTheRun() throws {
        let chat = try testChat()
        let plain = Run(ScriptedModel(chat: chat, thinkLength: 20), chat, settings(Unlimited()))
        let probed = Run(ScriptedModel(chat: chat, thinkLength: 20), chat, probing(every: 3))
        #expect(probed.tokens == plain.tokens)
        #expect(probed.probes.count == 6)
    }

    @Test func theFinalAnswerIsScoredAtEveryProbePointOnceTheRunHasAnswered() throws {
        let chat = try testChat()
        let model = ScriptedModel(chat: chat, thinkLength: 20)
        let r = Run(model, chat, probing(every: 5))
        // Every probe answered "42", the final answer, so its own tokens score it: one fork per
        // probe, none for scoring.
        #expect(model.tally.forks == r.probes.count)
        let reports = r.events.compactMap { if case .probe(let p) = $0 { p } else { nil } }
        // Each point is reported when its probe ends, then again with the final answer's probability.
        #expect(reports.count == 2 * r.probes.count)
        let finished = r.events.firstIndex { if case .finished = $0 { true } else { false } }!
        let firstScored = r.events.firstIndex { if case .probe(let p) = $0 { p.finalAnswerProbability != nil } else { false } }!
        #expect(firstScored < finished)
        // Scripted logits: 10 for the wanted token, 0 for the 260 others; "42" is two wanted tokens.
        let perToken = exp(10.0) / (exp(10.0) + 260)
        for p in r.probes {
            let got = try #require(p.finalAnswerProbability)
            #expect(abs(got - perToken * perToken) < 1e-4)
        }
    }

    /// A probe that answered otherwise is scored from its own model, which has read the end of
    /// thinking: only the end's last token, the lead and the target (but its last token) are read,
    /// and P is what a fork of the run gives.
    @Test func aProbesOwnModelScoresItsPointWithoutReadingTheEndAgain() throws {
        let chat = try testChat()
        let model = ScriptedModel(chat: chat, thinkLength: 20)
        let r = Run(model, chat, settings(Unlimited(), style: .qwen))
        let start = try #require(model.replyStart)
        let scorer = try #require(AnswerScorer(model: model, replyStart: start, tokens: r.tokens, chat: chat,
                                               endStyle: .qwen, rule: nil))
        #expect(scorer.end.count > 10 && scorer.target.count == 2)
        let probe = model.fork(at: start + 9)
        try probe.evaluate(scorer.end + [Int(Character("7").asciiValue!)])  // and an answer token of its own
        let answer = scorer.lead.count + scorer.target.count - 1
        var read = model.tally.tokensRead
        let fromProbe = try scorer.probability(probe: probe, at: 9)
        #expect(model.tally.tokensRead - read == 1 + answer)
        read = model.tally.tokensRead
        let fromRun = try scorer.probability(at: 9)
        #expect(model.tally.tokensRead - read == scorer.end.count + answer)
        #expect(fromProbe > 0.9 && abs(fromProbe - fromRun) < 1e-12)
    }

    @Test func aStoppedRunEndsWithoutWaitingForItsProbes() throws {
        let chat = try testChat()
        let control = ReasoningControl()
        let r = Run(ScriptedModel(chat: chat, thinkLength: 30), chat, probing(every: 4), control: control) { t, c in
            if t.index == 10 { c.stop() }
        }
        #expect(r.reason == .stopped)
        #expect(r.probes.allSatisfy { $0.finalAnswerProbability == nil })
    }

    @Test func pivotSearchBisectsTheLargestRise() throws {
        var scored: [Int] = []
        let p = Pivot.search(points: [(0, 0.1), (32, 0.2), (64, 0.9), (96, 0.95)], answer: "8777") { i in
            scored.append(i)
            return i >= 50 ? 0.9 : 0.2
        }
        #expect(p == Pivot(tokenIndex: 49, before: 0.2, after: 0.9, answer: "8777"))
        #expect(scored.count == 5, "log2(32) scorings, not one per token")
        #expect(Pivot.search(points: [(0, 0.5), (10, 0.4)], answer: "x") { _ in 0 } == nil)
    }

    @Test func thinkingSummaryCountsTheWastedTailAndHesitations() throws {
        func probe(_ n: Int, _ a: String) -> Probe {
            Probe(thinkingTokens: n, tokenIndex: n + 1, text: a, answer: a, meanLogProbability: 0, answerTokens: 1)
        }
        let markers = ThinkingMarkers(hesitations: ["Wait", "Hmm"], switches: ["Alternatively"])
        let text = "Hmm, 12. Wait, no. Alternatively 13. wait. Awaiting nothing. Hmmm"
        let s = ThinkingSummary(thinking: text, thinkingTokens: 100,
                                probes: [probe(64, "13"), probe(16, "12"), probe(32, "13"), probe(48, "12")],
                                markers: markers)
        #expect(s.settledAt == 64 && s.wastedTail == 36)
        #expect(s.hesitations == 4)  // Hmm, Wait, wait, Hmmm (not "Awaiting")
        #expect(s.switches == 1)
        let none = ThinkingSummary(thinking: "", thinkingTokens: 5, probes: [], markers: nil)
        #expect(none.wastedTail == nil && none.hesitations == 0)
    }

    @Test func theShippedMarkersFileLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/EmbeddedModel/thinking-markers.json").standardized.path
        let m = try ThinkingMarkers.load(path: path)
        #expect(m.hesitations.contains("Wait") && m.switches.contains("Alternatively"))
        #expect(throws: TraceError.self) { try ThinkingMarkers.load(path: "/nonexistent/markers.json") }
    }

    @Test func answersAreReadByRuleOrByTheDemoForm() {
        #expect(Probe.extractAnswer("4821 + 3956 = 8777. The answer is 8777.") == "8777")
        #expect(Probe.extractAnswer("so it is 1,234, I think") == "1,234")
        #expect(Probe.extractAnswer("Paris\n\nis the capital\n") == "is the capital")
        #expect(Probe.extractAnswer("x = 12", rule: .regex(#"x = (\d+)"#)) == "12")
        #expect(Probe.extractAnswer("", rule: nil) == nil)
    }
}

/// Probes on the shipped demo model: a probe at n thinking tokens (qwen end style, greedy) gives
/// exactly the answer a cap at n gives, so one probed run predicts a whole cap sweep.
@Suite(.serialized) struct DemoModelProbeTests {
    @Test func probeAnswersEqualACapSweep() throws {
        let (model, chat) = try #require(EmbeddedModelReasoningTests.loaded, "the embedded demo model must be built into the package")
        let tasks = try #require(BuiltinTasks.make(set: "demo", perFamily: 8, seed: 7)).prefix(50)
        #expect(tasks.count == 50)
        let budgets = [16, 32, 64, 128]
        var compared = 0, mismatches: [String] = []
        for task in tasks {
            let prompt = chat.render([.user(task.prompt)], enableThinking: true)
            var s = settings(Unlimited(), style: .qwen)
            s.maxTokens = 600
            let sweep = BudgetSweep.run(Generator(model: EngineModel(session: Session(model: model, context: 1024)), chat: chat,
                                                  settings: s), prompt: prompt, budgets: budgets)
            // Thinking past the largest budget changes no probe at or below it.
            s.policy = Cap(budgets.last! + 1)
            s.probe = ProbeSettings(every: 16, maxAnswerTokens: 200, rule: task.rule)
            let probed = Run(EngineModel(session: Session(model: model, context: 1024)), chat, s, prompt: prompt)
            for (b, outcome) in zip(budgets, sweep) {
                guard let probe = probed.probes.first(where: { $0.thinkingTokens == b }) else { continue }
                compared += 1
                let capAnswer = outcome.tokens.filter { $0.phase == .answer && $0.origin == .sampled }.map(\.text).joined()
                if probe.text != capAnswer { mismatches.append("\(task.id) n=\(b): probe \(probe.text.debugDescription) cap \(capAnswer.debugDescription)") }
            }
        }
        print("probe vs cap sweep: \(compared) points compared, \(mismatches.count) differ")
        #expect(compared >= 100, "most problems think past 16 and 32 tokens")
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    /// A probe that answered with the run's own final answer reports P(final answer) from its own
    /// tokens' log-probabilities, without a prefill; it must be what the prefill gives.
    @Test func probesThatGaveTheFinalAnswerScoreItAsAPrefillWould() throws {
        let (model, chat) = try #require(EmbeddedModelReasoningTests.loaded, "the embedded demo model must be built into the package")
        let prompt = chat.render([.user("What is 4821 + 3956?")], enableThinking: true)
        var s = settings(Unlimited(), style: .qwen)
        s.sampling = .greedy
        s.maxTokens = 600
        s.probe = ProbeSettings(every: 8)
        let trunk = EngineModel(session: Session(model: model, context: 1024))
        let r = Run(trunk, chat, s, prompt: prompt)
        let scorer = try #require(AnswerScorer(model: trunk, replyStart: prompt.count, tokens: r.tokens, chat: chat,
                                               endStyle: .qwen, rule: nil))
        var own = 0
        for p in r.probes {
            let reported = try #require(p.finalAnswerProbability)
            let prefilled = try scorer.probability(at: p.tokenIndex)
            #expect(abs(reported - prefilled) <= 1e-5 + 1e-4 * prefilled, "probe at \(p.tokenIndex): \(reported) vs \(prefilled)")
            if p.answer == scorer.answer { own += 1 }
        }
        // Both kinds of point occur: probes that answered otherwise, and ones that gave the final answer.
        #expect(own >= 1 && own < r.probes.count, "\(r.probes.map { $0.answer ?? "-" })")
    }
}
