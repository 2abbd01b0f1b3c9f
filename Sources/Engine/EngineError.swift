/// Errors the engine reports to its callers; each names the file or tensor and what was expected.
public enum EngineError: Error, CustomStringConvertible, Equatable, Sendable {
    case unsupportedArchitecture(file: String, found: String, supported: [String])
    case invalidHyperparameter(file: String, key: String, value: String, expected: String)
    case tensorShape(file: String, tensor: String, expected: String, found: String)
    case unsupportedWeightType(file: String, tensor: String, type: String, supported: [String])
    case contextFull(capacity: Int, requested: Int)
    case tokenOutOfRange(token: Int, vocabSize: Int)
    case invalidSampling(String)
    case emptyInput
    case invalidBatch(String)

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let f, let a, let s):
            return "\(f): architecture '\(a)' is not supported; supported: \(s.joined(separator: ", "))"
        case .invalidHyperparameter(let f, let k, let v, let e):
            return "\(f): metadata '\(k)' is \(v); expected \(e)"
        case .tensorShape(let f, let t, let e, let found):
            return "\(f): tensor '\(t)' has shape \(found); expected \(e)"
        case .unsupportedWeightType(let f, let t, let type, let s):
            return "\(f): tensor '\(t)' has weight type \(type), which the engine cannot compute with; supported: \(s.joined(separator: ", "))"
        case .contextFull(let cap, let req):
            return "context is full: \(req) tokens requested, the KV cache holds \(cap) (use a larger --context)"
        case .tokenOutOfRange(let t, let n): return "token id \(t) is outside the vocabulary (0..<\(n))"
        case .invalidSampling(let s): return "invalid sampling settings: \(s)"
        case .emptyInput: return "no input tokens"
        case .invalidBatch(let why): return "invalid batch of sequences: \(why)"
        }
    }
}
