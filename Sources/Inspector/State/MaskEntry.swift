import Engine
import Reasoning

/// What a typed expert mask means for the model on screen: the one check the branch menu's `x`
/// and the live mask `M` both make before a mask runs.
public enum MaskEntry: Sendable, Equatable {
    case invalid(String)
    /// Empty text (the live mask: back to the router's own choice).
    case clear
    case ready(ExpertMask)
    /// The mask drops experts far louder than the others of their layer (super experts):
    /// the user confirms first.
    case loud(ExpertMask, [SuperExpert])
}

extension InspectorState {
    /// Parses and checks `text` against the model and the expert norms seen so far.
    func checkMask(_ text: String) -> MaskEntry {
        if text.allSatisfy(\.isWhitespace) { return .clear }
        switch ExpertMask.parse(text) {
        case .failure(let e): return .invalid(DisplayText.sanitize(e.description))
        case .success(let m):
            if let why = m.problem(layers: model.layers, experts: model.experts ?? 0, used: 1) { return .invalid(why) }
            let loud = expertNorms?.superExperts(droppedBy: m) ?? []
            return loud.isEmpty ? .ready(m) : .loud(m, loud)
        }
    }
}

/// The words of the super-expert warning.
enum SuperExpertWarning {
    static func lines(_ found: [SuperExpert]) -> [String] {
        let named = found.prefix(4).map { "L\($0.layer) e\($0.expert) (output norm \(ratio($0.ratio))× its layer's median)" }
        return ["⚠ super expert: " + named.joined(separator: ", ") + (found.count > 4 ? " and \(found.count - 4) more" : ""),
                "masking such an expert can break the model (as in Qwen3-30B-A3B)",
                "Enter masks anyway · Esc back to the mask"]
    }

    static func ratio(_ r: Double) -> String { r >= 100 ? String(Int(r.rounded())) : String(format: "%.1f", r) }
}

#if canImport(Foundation)
import Foundation
#endif
