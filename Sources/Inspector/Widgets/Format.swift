import Foundation
/// Number and time formats of the status line.
enum Format {
    static func rate(_ v: Double) -> String {
        guard v.isFinite, v > 0 else { return "–" }
        return v >= 100 ? "\(Int(v.rounded()))" : String(Double(Int(v * 10 + 0.5)) / 10)
    }

    static func seconds(_ t: Double) -> String {
        guard t.isFinite, t >= 0 else { return "0.0s" }
        if t < 60 { return String(Double(Int(t * 10)) / 10) + "s" }
        let m = Int(t) / 60, s = Int(t) % 60
        return "\(m)m" + (s < 10 ? "0" : "") + "\(s)s"
    }

    static func count(_ n: Int) -> String {
        n >= 100_000 ? "\(n / 1000)k" : "\(n)"
    }

    static func fraction(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        if r >= 1 { return "1.0" }
        let hundredths = Int((r * 100).rounded())
        return "." + (hundredths < 10 ? "0" : "") + "\(hundredths)"
    }

    /// A KL divergence in nats, two decimals.
    static func kl(_ v: Double) -> String { String(format: "%.2f", v) }

    static func logProb(_ v: Float) -> String {
        guard v.isFinite else { return "-inf" }
        let x = Double(v)
        let s = String(Double(Int((abs(x) * 100).rounded())) / 100)
        return (x < 0 ? "−" : "") + s
    }

    static func percent(_ logp: Float) -> String {
        let p = exp(Double(logp)) * 100
        guard p.isFinite else { return "0%" }
        return p >= 10 ? "\(Int(p.rounded()))%" : String(Double(Int(p * 10 + 0.5)) / 10) + "%"
    }

    /// Token text made visible: escapes sanitized, newline as ↵, tab as →, quoted.
    static func tokenText(_ s: String) -> String {
        var out = ""
        for ch in DisplayText.sanitize(s) {
            switch ch {
            case "\n": out += "↵"
            case "\t": out += "→"
            default: out.append(ch)
            }
        }
        return "\"" + out + "\""
    }
}

import Reasoning
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
