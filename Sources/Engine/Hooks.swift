/// The closed set of places inside the forward pass that an observer can tap.
public enum TapPoint: String, CaseIterable, Sendable {
    /// Per MoE layer and token: softmax router probabilities over all experts.
    case routerProbabilities
    /// Per MoE layer and token: the selected experts and their renormalised weights.
    case selectedExperts
    /// Per MoE layer and token: the L2 norm of each selected expert's own output, before its
    /// routing weight scales it (how loud the expert is, whatever the router thinks of it).
    case expertOutputNorms
    /// Final logits of each position that produces output.
    case logits
}

/// Routing of one token through one MoE layer. Buffers are borrowed: valid only during the call;
/// copy what you keep.
public struct RoutingTap {
    public let layer: Int
    /// Position of the token in the sequence.
    public let position: Int
    public let probabilities: UnsafeBufferPointer<Float>
    public let experts: UnsafeBufferPointer<Int32>
    public let weights: UnsafeBufferPointer<Float>
}

/// The output norms of one token's selected experts in one MoE layer (`norms[j]` belongs to
/// `experts[j]`; a slot a mask left unfilled reports its stand-in expert, whose weight is 0).
/// Buffers are borrowed: valid only during the call.
public struct ExpertNormTap {
    public let layer: Int
    public let position: Int
    public let experts: UnsafeBufferPointer<Int32>
    public let norms: UnsafeBufferPointer<Float>
}

/// Receives taps from the forward pass. Called on the thread that runs the session, synchronously.
/// With no observer installed a tap costs one branch.
public protocol ForwardObserver: AnyObject {
    /// Which taps this observer wants (asked once when installed).
    var taps: Set<TapPoint> { get }
    func routing(_ tap: RoutingTap)
    func logits(position: Int, _ logits: UnsafeBufferPointer<Float>)
    func expertNorms(_ tap: ExpertNormTap)
}

extension ForwardObserver {
    public func routing(_ tap: RoutingTap) {}
    public func expertNorms(_ tap: ExpertNormTap) {}
    public func logits(position: Int, _ logits: UnsafeBufferPointer<Float>) {}
}

/// Counts expert selections per layer (layers × experts), split into named buckets (e.g. the
/// reasoning phase), from the routing tap. This is how routing statistics are made: by an
/// observer, not by model code.
public final class RoutingStatistics: ForwardObserver {
    public let layers: Int
    public let experts: Int
    public var taps: Set<TapPoint> { [.selectedExperts] }
    /// The bucket new selections are counted in.
    public var bucket: Int = 0
    /// counts[bucket][layer * experts + expert]
    public private(set) var counts: [[Int]]

    public init(layers: Int, experts: Int, buckets: Int = 1) {
        self.layers = layers
        self.experts = experts
        counts = Array(repeating: Array(repeating: 0, count: layers * experts), count: max(buckets, 1))
    }

    public func routing(_ tap: RoutingTap) {
        for e in tap.experts where Int(e) < experts {
            counts[bucket][tap.layer * experts + Int(e)] += 1
        }
    }

    /// Selection count for one cell, summed over `buckets` (all when nil).
    public func count(layer: Int, expert: Int, buckets: [Int]? = nil) -> Int {
        (buckets ?? Array(counts.indices)).reduce(0) { $0 + counts[$1][layer * experts + expert] }
    }

    public func reset() {
        for b in counts.indices { counts[b] = Array(repeating: 0, count: layers * experts) }
    }
}
