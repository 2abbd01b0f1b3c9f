import Foundation

/// A problem with a checkable answer, for budget sweeps.
public struct SweepTask: Sendable, Equatable {
    public var id: String
    public var prompt: String
    public var system: String?
    public var answer: String
    public var rule: AnswerRule

    public init(id: String, prompt: String, system: String? = nil, answer: String, rule: AnswerRule = .lastNumber) {
        self.id = id
        self.prompt = prompt
        self.system = system
        self.answer = answer
        self.rule = rule
    }

    public func isCorrect(_ output: String) -> Bool { rule.matches(output: output, expected: answer) }
}

/// How the answer is read from the model's answer text.
public enum AnswerRule: Sendable, Equatable {
    /// The last number in the text equals the expected number (compared as numbers).
    case lastNumber
    /// The trimmed text equals the expected text.
    case exact
    /// The text contains the expected text (case-insensitive).
    case contains
    /// The first capture group (or the whole match) of the first match equals the expected text.
    case regex(String)
    /// What follows the last "The answer is " (or "答案是 "), without the closing period, equals
    /// the expected text, up to spacing after commas ("3,7, 19" = "3, 7, 19"): the demo model's form.
    case answerIs

    /// Parses `last-number`, `exact`, `contains`, `answer-is` or `regex:PATTERN`.
    public init?(_ text: String) {
        switch text {
        case "last-number": self = .lastNumber
        case "answer-is": self = .answerIs
        case "exact": self = .exact
        case "contains": self = .contains
        default:
            guard text.hasPrefix("regex:"), (try? NSRegularExpression(pattern: String(text.dropFirst(6)))) != nil else { return nil }
            self = .regex(String(text.dropFirst(6)))
        }
    }

    public func matches(output: String, expected: String) -> Bool {
        switch self {
        case .lastNumber:
            guard let got = AnswerRule.lastNumber(in: output), let want = Double(expected.replacingOccurrences(of: ",", with: "")) else { return false }
            return abs(got - want) <= 1e-9 * max(1, abs(want))
        case .exact:
            return output.trimmingCharacters(in: .whitespacesAndNewlines) == expected.trimmingCharacters(in: .whitespacesAndNewlines)
        case .contains:
            return output.range(of: expected, options: .caseInsensitive) != nil
        case .answerIs:
            guard let got = AnswerRule.answerIs(in: output) else { return false }
            func norm(_ s: String) -> String {
                s.replacingOccurrences(of: ",", with: ", ").split(whereSeparator: \.isWhitespace).joined(separator: " ")
            }
            return norm(got) == norm(expected)
        case .regex(let pattern):
            guard let re = try? NSRegularExpression(pattern: pattern),
                  let m = re.firstMatch(in: output, range: NSRange(output.startIndex..., in: output)) else { return false }
            let r = m.numberOfRanges > 1 ? m.range(at: 1) : m.range
            guard let range = Range(r, in: output) else { return false }
            return output[range].trimmingCharacters(in: .whitespaces) == expected
        }
    }

    /// The answer as this rule reads it from `output` (for `contains`, the expected text is not
    /// known here: the last line).
    public func extract(from output: String) -> String? {
        switch self {
        case .lastNumber: return AnswerRule.lastNumberText(in: output)
        case .answerIs: return AnswerRule.answerIs(in: output)
        case .exact: return output.trimmingCharacters(in: .whitespacesAndNewlines)
        case .contains:
            return output.split(whereSeparator: \.isNewline).last.map { $0.trimmingCharacters(in: .whitespaces) }
        case .regex(let pattern):
            guard let re = try? NSRegularExpression(pattern: pattern),
                  let m = re.firstMatch(in: output, range: NSRange(output.startIndex..., in: output)) else { return nil }
            return Range(m.numberOfRanges > 1 ? m.range(at: 1) : m.range, in: output).map { String(output[$0]) }
        }
    }

    /// The value after the last "The answer is " (failing that, the last "答案是 "), without its
    /// closing period: tools/demo_model/tasks.py's extract_answer.
    static func answerIs(in text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        for (lead, end) in [("The answer is ", "."), ("答案是 ", "。")] {
            guard let r = t.range(of: lead, options: .backwards) else { continue }
            var v = String(t[r.upperBound...]).trimmingCharacters(in: .whitespaces)
            if v.hasSuffix(end) { v.removeLast() }
            return v.trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// The last number written in `text` ("8,645", "-3", "9.9"), if any.
    static func lastNumber(in text: String) -> Double? {
        lastNumberText(in: text).flatMap { Double($0.replacingOccurrences(of: ",", with: "")) }
    }

    /// The last number in `text` as written.
    static func lastNumberText(in text: String) -> String? {
        let re = try! NSRegularExpression(pattern: #"-?\d[\d,]*(?:\.\d+)?"#)
        let matches = re.matches(in: text, range: NSRange(text.startIndex..., in: text))
        guard let last = matches.last, let r = Range(last.range, in: text) else { return nil }
        return String(text[r]).trimmingCharacters(in: CharacterSet(charactersIn: ","))
    }
}

/// A malformed task line: reported, skipped, never fatal.
public struct TaskFileProblem: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var message: String
    public var description: String { "\(path):\(line): \(message)" }
}

/// Task files are JSON Lines: `{"prompt": "...", "answer": "42", "extract": "last-number"}` with
/// optional `id` and `system`; `extract` defaults to `last-number` (docs/TASK_FORMAT.md).
public enum TaskFile {
    public static func load(path: String) throws -> (tasks: [SweepTask], problems: [TaskFileProblem]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TraceError(path: path, line: nil, message: "cannot read the task file")
        }
        return parse(data, path: path)
    }

    public static func parse(_ data: Data, path: String) -> (tasks: [SweepTask], problems: [TaskFileProblem]) {
        var tasks: [SweepTask] = [], problems: [TaskFileProblem] = []
        for (i, raw) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let line = i + 1
            let text = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty || text.hasPrefix("#") { continue }
            func problem(_ m: String) { problems.append(TaskFileProblem(path: path, line: line, message: m)) }
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                problem("not a JSON object"); continue
            }
            guard let prompt = obj["prompt"] as? String, !prompt.isEmpty else { problem("missing or empty \"prompt\" (a string)"); continue }
            let answer: String
            if let s = obj["answer"] as? String { answer = s } else if let n = obj["answer"] as? NSNumber { answer = n.stringValue } else {
                problem("missing \"answer\" (a string or number)"); continue
            }
            var rule = AnswerRule.lastNumber
            if let r = obj["extract"] {
                guard let s = r as? String, let parsed = AnswerRule(s) else {
                    problem("\"extract\" must be last-number, exact, contains, answer-is or regex:PATTERN (a valid regular expression)"); continue
                }
                rule = parsed
            }
            tasks.append(SweepTask(id: obj["id"] as? String ?? "line-\(line)", prompt: prompt, system: obj["system"] as? String,
                                   answer: answer, rule: rule))
        }
        return (tasks, problems)
    }
}
