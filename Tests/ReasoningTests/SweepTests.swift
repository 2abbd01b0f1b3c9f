import Foundation
import Testing
@testable import Reasoning

@Suite struct SweepTests {
    @Test func taskFilesSkipMalformedLinesWithLineNumbers() {
        let text = """
        {"prompt": "What is 6 x 7?", "answer": "42"}
        # a comment

        not json
        {"answer": "1"}
        {"prompt": "p", "answer": 3, "extract": "exact", "id": "x"}
        {"prompt": "p", "answer": "3", "extract": "regex:("}
        {"prompt": "Which is bigger?", "answer": "9.9", "extract": "regex:answer is ([0-9.]+)"}
        """
        let (tasks, problems) = TaskFile.parse(Data(text.utf8), path: "t.jsonl")
        #expect(tasks.map(\.id) == ["line-1", "x", "line-8"])
        #expect(problems.map(\.line) == [4, 5, 7])
        #expect(problems[0].description == "t.jsonl:4: not a JSON object")
        #expect(tasks[1].rule == .exact && tasks[1].answer == "3")
    }

    @Test func answerRules() {
        #expect(AnswerRule.lastNumber.matches(output: "So 12 + 30 = 42.\nThe answer is 42.", expected: "42"))
        #expect(AnswerRule.lastNumber.matches(output: "The answer is 8,645.", expected: "8645"))
        #expect(!AnswerRule.lastNumber.matches(output: "The answer is 9.11.", expected: "9.9"))
        #expect(AnswerRule.lastNumber.matches(output: "-3", expected: "-3"))
        #expect(!AnswerRule.lastNumber.matches(output: "no number", expected: "1"))
        #expect(AnswerRule.contains.matches(output: "The answer is Yes.", expected: "yes"))
        #expect(AnswerRule("regex:is ([0-9.]+)")!.matches(output: "The answer is 9.9", expected: "9.9"))
        #expect(AnswerRule("regex:(") == nil)
    }

    @Test func s1MetricsFromCells() {
        func cell(_ b: Int?, acc: Int, think: Int, within: Int) -> SweepCell {
            var c = SweepCell(mode: "cap", budget: b)
            c.runs = 10; c.correct = acc; c.thinkingTokens = think * 10; c.withinBudget = within
            return c
        }
        // Accuracy 20% at 0 tokens, 60% at 100, 80% at 200: slopes 40, 30 and 20 points per 100 tokens.
        let s = SweepSummary(mode: "cap", cells: [cell(0, acc: 2, think: 0, within: 10), cell(100, acc: 6, think: 100, within: 10),
                                                  cell(nil, acc: 8, think: 200, within: 5)])
        #expect(abs(s.scaling! - 30) < 1e-9)
        #expect(s.performance == 0.8)
        #expect(abs(s.control - 25.0 / 30) < 1e-12)
    }

    @Test func sweepOnTheScriptedModelShowsTheBudgetEffect() throws {
        let chat = try testChat()
        // The scripted model answers 42 only after thinking ≥ 12 tokens; cut earlier it still says 42,
        // so check counts: cap(b) thinks min(b, 12) sampled tokens, no-think none.
        let sweep = Sweep(chat: chat, makeModel: { ScriptedModel(chat: chat, thinkLength: 12) },
                          base: settings(Unlimited()), thinkingSampling: .greedy, answerOnlySampling: .greedy,
                          budgets: [0, 4, nil], modes: [.cap, .noThink, .exact], samples: 2)
        let task = SweepTask(id: "t", prompt: "q", answer: "42")
        var progress: [Int] = []
        let cells = sweep.run([task]) { progress.append($0) }
        #expect(progress == [1, 2, 3, 4, 5, 6])
        let think = Dictionary(uniqueKeysWithValues: cells.map { ("\($0.mode)/\($0.budget.map(String.init) ?? "inf")", $0.meanThinkingTokens) })
        #expect(think["cap/0"] == 0 && think["cap/4"] == 4 && think["cap/inf"] == 12)
        #expect(think["no-think/0"] == 0)
        #expect(think["exact/4"] == 4)
        #expect(cells.allSatisfy { $0.runs == 2 && $0.accuracy == 1 && $0.control == 1 })
    }

    @Test func aParallelSweepGivesTheSameTableOnEachWorkersModels() throws {
        let chat = try testChat()
        let sweep = Sweep(chat: chat, makeModel: { ScriptedModel(chat: chat, thinkLength: 12) },
                          base: settings(Unlimited()), thinkingSampling: .greedy, answerOnlySampling: .greedy,
                          budgets: [0, 4, nil], modes: [.cap, .noThink, .exact], samples: 2)
        let tasks = (0..<5).map { SweepTask(id: "t\($0)", prompt: "q\($0)", answer: "42") }
        let sequential = sweep.run(tasks)
        let workers = Workers()
        var progress: [Int] = []
        let parallel = sweep.run(tasks, parallel: 3, workerModel: { w in
            workers.add(w)
            return ScriptedModel(chat: chat, thinkLength: 12)
        }, progress: { progress.append($0) })
        #expect(parallel == sequential)
        #expect(progress.sorted() == Array(1...sweep.runCount(tasks: tasks.count)))
        #expect(workers.seen.isSubset(of: [0, 1, 2]) && !workers.seen.isEmpty)
    }
}

final class Workers: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var seen = Set<Int>()
    func add(_ w: Int) {
        lock.lock()
        seen.insert(w)
        lock.unlock()
    }
}
