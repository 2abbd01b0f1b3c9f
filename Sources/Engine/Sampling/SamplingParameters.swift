/// How the next token is chosen. Checked when a `Sampler` is built; invalid values are rejected
/// there, never silently clamped.
public struct SamplingParameters: Sendable, Equatable, Codable {
    /// 0 means greedy (arg-max after penalties).
    public var temperature: Float
    /// Keep the k most likely tokens; 0 disables.
    public var topK: Int
    /// Keep the smallest set whose probability reaches p; 1 disables.
    public var topP: Float
    /// Keep tokens with p ≥ minP · p_max; 0 disables.
    public var minP: Float
    /// Subtracted once from the logit of every token seen in the penalty window.
    public var presencePenalty: Float
    /// llama.cpp's repetition penalty: logit / r when positive, logit · r otherwise; 1 disables.
    public var repetitionPenalty: Float
    /// How many recent tokens the penalties look at.
    public var penaltyWindow: Int
    public var seed: UInt64
    /// How many top alternatives each sampled token reports.
    public var alternatives: Int

    public init(temperature: Float, topK: Int = 0, topP: Float = 1, minP: Float = 0, presencePenalty: Float = 0,
                repetitionPenalty: Float = 1, penaltyWindow: Int = 64, seed: UInt64 = 0, alternatives: Int = 5) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.presencePenalty = presencePenalty
        self.repetitionPenalty = repetitionPenalty
        self.penaltyWindow = penaltyWindow
        self.seed = seed
        self.alternatives = alternatives
    }

    public static let greedy = SamplingParameters(temperature: 0)
    /// Qwen3's recommendation for thinking mode: T 0.6, top-p 0.95, top-k 20, min-p 0.
    public static let qwenThinking = SamplingParameters(temperature: 0.6, topK: 20, topP: 0.95, minP: 0)
    /// Qwen3's recommendation for non-thinking mode: T 0.7, top-p 0.8, top-k 20, min-p 0.
    public static let qwenNonThinking = SamplingParameters(temperature: 0.7, topK: 20, topP: 0.8, minP: 0)

    /// Why these parameters are unusable, or nil.
    public var problem: String? {
        if !temperature.isFinite || temperature < 0 { return "temperature must be 0 (greedy) or positive, got \(temperature)" }
        if topK < 0 { return "top-k must be 0 (off) or positive, got \(topK)" }
        if !(topP > 0 && topP <= 1) { return "top-p must be in (0, 1], got \(topP)" }
        if !(minP >= 0 && minP <= 1) { return "min-p must be in [0, 1], got \(minP)" }
        if !presencePenalty.isFinite { return "presence penalty must be a finite number" }
        if !(repetitionPenalty > 0) || !repetitionPenalty.isFinite { return "repetition penalty must be positive, got \(repetitionPenalty)" }
        if penaltyWindow < 0 { return "penalty window must be 0 or more, got \(penaltyWindow)" }
        if alternatives < 0 { return "alternatives must be 0 or more, got \(alternatives)" }
        return nil
    }
}
