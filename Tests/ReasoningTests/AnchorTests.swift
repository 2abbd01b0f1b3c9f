import Foundation
import Testing
@testable import Reasoning
import Tokenizer

@Suite struct AnchorTests {
    func tok(_ i: Int, _ text: String, _ phase: Phase = .thinking, injected: Bool = false) -> TokenEvent {
        TokenEvent(index: i, id: i, text: text, phase: phase, origin: injected ? .injected : .sampled, logProbability: nil,
                   alternatives: [], routing: [])
    }

    @Test func sentencesSplitAsThoughtAnchorsDoesAtTokenBoundaries() {
        let texts = ["", "Add", " 9.11", " and", " 2.", " ones:", " 1 + 6 = 7", ".\n", "Ok.", " So", " the", " sum", " is", " 11.11", "!",
                     "\n\n", "Check", " it", " twice", " now", "."]
        var tokens = texts.enumerated().map { tok($0, $1) }
        tokens.append(tok(texts.count, "", .thinking))  // </think>
        tokens.append(tok(texts.count + 1, " 11.11", .answer))
        let s = ThinkingSentence.split(tokens)
        // "Ok." is shorter than 10 characters: it joins the next piece; a blank line alone is no sentence.
        #expect(s.map(\.text) == ["Add 9.11 and 2.", " ones: 1 + 6 = 7.\n", "Ok. So the sum is 11.11!", "Check it twice now."])
        #expect(s.map(\.firstToken) == [1, 5, 8, 16])
        #expect(s.map(\.tokenCount) == [4, 3, 7, 5])
        #expect(s.map(\.index) == [0, 1, 2, 3])
    }

    @Test func injectedTextBelongsToNoSentence() {
        let tokens = [tok(0, "Think about this one."), tok(1, " Wait", injected: true), tok(2, " Then think again.")]
        #expect(ThinkingSentence.split(tokens).map(\.firstToken) == [0, 2])
    }

    @Test func importanceIsTheShiftAndKLBetweenKeptAndResampledAnswers() {
        let s = ThinkingSentence(index: 0, firstToken: 0, tokenCount: 1, text: "x")
        let i = SentenceImportance(sentence: s, resampled: ["7": 1, "8": 3], kept: ["7": 4], reference: "7")
        #expect(i.shift == 1 - 0.25)
        // Laplace: kept (5/6, 1/6), resampled (2/6, 4/6).
        let expected = 5.0 / 6 * log((5.0 / 6) / (2.0 / 6)) + 1.0 / 6 * log((1.0 / 6) / (4.0 / 6))
        #expect(abs(i.kl - expected) < 1e-12)
        let same = SentenceImportance(sentence: s, resampled: ["7": 4], kept: ["7": 4], reference: "7")
        #expect(same.kl == 0 && same.shift == 0)
    }

    @Test func aDeterministicModelGivesNoSentenceAnyImportance() throws {
        let chat = try testChat()
        let model = ScriptedModel(chat: chat, thought: "one two. three four five. six seven! ", thinkLength: 80)
        let s = settings(Unlimited())
        let prompt = chat.render([.user("q")], enableThinking: true).map(Int.init)
        var tokens: [TokenEvent] = []
        Generator(model: model, chat: chat, settings: s).run(prompt: prompt.map { TokenID($0) }) { if case .token(let t) = $0 { tokens.append(t) } }
        let finder = AnchorFinder(chat: chat, settings: s, prompt: prompt, samples: 3, maxInFlight: 4)
        var reports: [(Int, Int)] = []
        let result = try finder.analyse(model: model, tokens: tokens) { reports.append(($0, $1)) }
        #expect(result.count == ThinkingSentence.split(tokens).count && result.count >= 3)
        #expect(reports.last! == (finder.runCount(sentences: result.count), finder.runCount(sentences: result.count)))
        #expect(reports.count == finder.runCount(sentences: result.count) + 1)
        #expect(result.allSatisfy { $0.kl == 0 && $0.shift == 0 && $0.resampled == ["42": 3] && $0.kept == ["42": 3] })
    }

    @Test func aStoppedAnalysisCountsNothingMore() throws {
        let chat = try testChat()
        let model = ScriptedModel(chat: chat, thought: "one two. three four five. ", thinkLength: 30)
        let s = settings(Unlimited())
        let prompt = chat.render([.user("q")], enableThinking: true).map(Int.init)
        var tokens: [TokenEvent] = []
        Generator(model: model, chat: chat, settings: s).run(prompt: prompt.map { TokenID($0) }) { if case .token(let t) = $0 { tokens.append(t) } }
        let control = ReasoningControl()
        control.stop()
        let result = try AnchorFinder(chat: chat, settings: s, prompt: prompt, samples: 2).analyse(model: model, tokens: tokens, control: control)
        #expect(result.allSatisfy { $0.resampled.isEmpty && $0.kept.isEmpty })
    }
}
