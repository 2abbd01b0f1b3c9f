import Foundation
import Testing
@testable import Reasoning

@Suite struct BuiltinTasksTests {
    @Test func sha1MatchesKnownDigests() {
        func hex(_ s: String) -> String { SHA1.digest(Array(s.utf8)).map { String(format: "%02x", $0) }.joined() }
        #expect(hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex("小明") == "6ca6738e54b83abef20aca22a2507003bf266193")
        #expect(hex(String(repeating: "a", count: 1000)) == "291e9a6c66994949b57ba5e650361e98fc36b1ba")
    }

    /// The held-out split is the training pipeline's (values from tools/demo_model/tasks.py).
    @Test func heldOutSplitAgreesWithTheTrainingPipeline() {
        for k in ["add:27+7", "add:51+7", "add:69+7", "add:72+7"] { #expect(BuiltinTasks.isHeldOut(k), "\(k)") }
        for k in ["add:12+34", "add:4827+3956", "cmp:9.11|9.9|True", "count:strawberry:r", "sort:3,1,2:True", "mul:123*4"] {
            #expect(!BuiltinTasks.isHeldOut(k), "\(k)")
        }
    }

    @Test func setsAreFreshReproducibleAndCorrect() throws {
        let a = try #require(BuiltinTasks.make(set: "demo", perFamily: 12, seed: 7))
        #expect(a.count == 7 * 12)
        #expect(a == BuiltinTasks.make(set: "demo", perFamily: 12, seed: 7))
        #expect(a != BuiltinTasks.make(set: "demo", perFamily: 12, seed: 8))
        #expect(Set(a.map(\.prompt)).count == a.count)
        #expect(BuiltinTasks.make(set: "nonsense", perFamily: 1, seed: 1) == nil)
        #expect(BuiltinTasks.make(set: "arith", perFamily: 3, seed: 1)?.count == 12)
        // Every answer is right: recompute it from the question for the arithmetic families.
        for t in a where t.id.hasPrefix("add") || t.id.hasPrefix("sub") || t.id.hasPrefix("mul") {
            let nums = t.prompt.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            #expect(nums.count == 2, "\(t.prompt)")
            let want = t.id.hasPrefix("add") ? nums[0] + nums[1]
                : t.id.hasPrefix("sub") ? (t.prompt.hasPrefix("Subtract") ? nums[1] - nums[0] : nums[0] - nums[1])
                : nums[0] * nums[1]
            #expect(t.answer == String(want), "\(t.prompt) -> \(t.answer)")
        }
        for t in a where t.id.hasPrefix("sort") {
            let nums = t.prompt.split(separator: ":").last!.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            let got = t.answer.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            #expect(got.sorted() == nums.sorted() && (got == got.sorted() || got == got.sorted(by: >)), "\(t.prompt)")
        }
        for t in a where t.id.hasPrefix("count") {
            let letter = t.prompt.contains("字母") ? t.prompt.split(separator: " ").last!.first!
                : t.prompt.contains("Count the letter") ? t.prompt.split(separator: " ")[3].first!
                : t.prompt.hasPrefix("How many times") ? t.prompt.split(separator: " ")[6].first! : t.prompt.split(separator: " ")[2].first!
            let word = t.prompt.contains("字母") ? String(t.prompt.split(separator: " ")[1])
                : String(t.prompt.split(separator: " ").last!.dropLast())
            #expect(t.answer == String(word.filter { $0 == letter }.count), "\(t.prompt)")
        }
        // The demo model says "The answer is …"; the rule reads that sentence.
        #expect(a.allSatisfy { $0.rule == .answerIs })
    }

    @Test func answerIsRuleReadsTheDemoModelsSentence() {
        let r = AnswerRule.answerIs
        #expect(r.matches(output: "The answer is 8645.", expected: "8645"))
        #expect(r.matches(output: "So it is 3. The answer is 3,7, 19.", expected: "3, 7, 19"))
        #expect(r.matches(output: "答案是 42。", expected: "42"))
        #expect(!r.matches(output: "The answer is 8646.", expected: "8645"))
        #expect(!r.matches(output: "8645", expected: "8645"))
        #expect(AnswerRule("answer-is") == .answerIs)
    }
}
