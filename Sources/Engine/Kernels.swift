import CKernels
import GGUF

/// Which GGUF tensor types the engine can run (for `thinkscope info` and error messages).
public enum WeightSupport {
    /// True when the engine's kernels can compute with weights of this type.
    public static func canRun(_ t: GGMLType) -> Bool { Kernels.supportsMatmul(t) }
    /// Every type the kernels compute with, in ggml id order.
    public static var runnableTypes: [GGMLType] { WeightLoader.matmulTypes }
}

/// The engine's only door to the C kernels: maps GGUF types to kernel calls.
enum Kernels {
    static func supportsMatmul(_ t: GGMLType) -> Bool { ck_type_supported(Int32(t.id)) != 0 && t != .q8_K }
    static func supportsDequantize(_ t: GGMLType) -> Bool { ck_type_supported(Int32(t.id)) != 0 }

    static func dequantizeRow(_ t: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        ck_dequantize_row(Int32(t.id), src, dst, Int32(count))
    }

    /// The activation format a weight of type `t` is dotted with.
    static func activationType(for t: GGMLType) -> Int32 { ck_vec_dot_type(Int32(t.id)) }

    /// Bytes one activation row of `n` values takes in the format weight type `t` needs.
    static func activationRowBytes(for t: GGMLType, n: Int) -> Int {
        ck_row_size(ck_vec_dot_type(Int32(t.id)), Int32(n))
    }

    static func quantizeActivation(for t: GGMLType, _ x: UnsafePointer<Float>, _ xq: UnsafeMutableRawPointer, n: Int) {
        ck_quantize_activation(Int32(t.id), x, xq, Int32(n))
    }

    /// The summation order llama.cpp uses for a matmul with `columns` activation rows: one column
    /// goes through its row-by-row `ggml_vec_dot_*`, more through tinyBLAS; `rowwise` forces the
    /// former (its MoE experts). ckernels.h, CK_ORDER_*; the attention of a pass follows the same rule.
    static func order(columns: Int, rowwise: Bool = false) -> Int32 {
        columns == 1 || rowwise ? Int32(CK_ORDER_ROWWISE) : Int32(CK_ORDER_TILED)
    }

    /// y[j*yStride + r] = W[r,:] · x_j for rows r0..<r1 and m activation rows, summed in
    /// `order(columns: m, rowwise:)`.
    /// The packed copy serves row ranges that start on a group of 8 rows and end on one or at the
    /// last row (ck_q8_0_pack), on threads whose level computes with it.
    static func matmul(_ w: WeightMatrix, rows: Range<Int>, xq: UnsafeRawPointer, xqStride: Int, m: Int,
                       y: UnsafeMutablePointer<Float>, yStride: Int, rowwise: Bool = false) {
        var (type, base) = (Int32(w.type.id), w.base)
        if let packed = w.packed, rows.lowerBound % 8 == 0, rows.upperBound % 8 == 0 || rows.upperBound == w.rows {
            let t = ck_packed_type(type)
            if t >= 0 { (type, base) = (t, packed) }
        }
        ck_matmul_order(order(columns: m, rowwise: rowwise), type, base, w.rowBytes,
                        Int32(rows.lowerBound), Int32(rows.upperBound), Int32(w.cols), xq, xqStride, Int32(m), y, yStride)
    }
}
