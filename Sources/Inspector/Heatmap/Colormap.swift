/// Perceptual colormaps for the expert heatmap, as evenly spaced stops that are interpolated
/// linearly. magma and viridis (van der Walt & Smith) are perceptually uniform; magma's dark low
/// end reads as "inactive". The diverging map runs from blue through the background to orange.
public enum Colormap {
    public enum Kind: String, Sendable, CaseIterable { case magma, viridis }

    static let magmaStops = ["000004", "140e36", "3b0f70", "641a80", "8c2981", "b73779",
                             "de4968", "f7705c", "fe9f6d", "fecf92", "fcfdbf"].map { RGB(hex: $0)! }
    static let viridisStops = ["440154", "482475", "414487", "355f8d", "2a788e", "21918c",
                               "22a884", "44bf70", "7ad151", "bddf26", "fde725"].map { RGB(hex: $0)! }

    /// The colour at t (0…1).
    public static func color(_ kind: Kind, _ t: Double) -> RGB {
        interpolate(kind == .magma ? magmaStops : viridisStops, t)
    }

    /// A diverging colour for t in -1…1: negative blue, positive orange, zero `center`.
    public static func diverging(_ t: Double, center: RGB) -> RGB {
        let neg = [RGB(hex: "2b7bd6")!, RGB(hex: "7fc4ff")!]
        let pos = [RGB(hex: "e06b1f")!, RGB(hex: "ffb36b")!]
        let v = t.clamped(-1, 1)
        let ends = v < 0 ? neg : pos
        let a = abs(v)
        // Near zero fade from the background; the far end brightens for contrast.
        return a < 0.5 ? center.mixed(with: ends[0], a * 2) : ends[0].mixed(with: ends[1], (a - 0.5) * 2)
    }

    static func interpolate(_ stops: [RGB], _ t: Double) -> RGB {
        let x = (t.isFinite ? t : 0).clamped(0, 1) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2)
        return stops[i].mixed(with: stops[i + 1], x - Double(i))
    }

    /// A ramp for 16-colour terminals, dark to bright.
    public static let ansiRamp: [UInt8] = [0, 4, 5, 1, 9, 3, 11, 15]
    /// Density glyphs for terminals without colour (NO_COLOR), empty to full.
    public static let glyphRamp: [Character] = [" ", "·", ":", "-", "=", "+", "*", "#", "%", "@"]
}
