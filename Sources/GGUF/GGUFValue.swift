/// The value types a GGUF metadata record can hold, with their on-disk ids.
public enum GGUFValueType: UInt32, Sendable, CaseIterable {
    case uint8 = 0, int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64, float64

    /// Bytes of a fixed-size value; nil for strings and arrays.
    public var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }

    /// The fewest bytes one value of this type takes on disk (used to reject absurd counts early).
    var minimumSize: Int { fixedSize ?? (self == .string ? 8 : 12) }

    public var name: String {
        switch self {
        case .uint8: return "UINT8"
        case .int8: return "INT8"
        case .uint16: return "UINT16"
        case .int16: return "INT16"
        case .uint32: return "UINT32"
        case .int32: return "INT32"
        case .float32: return "FLOAT32"
        case .bool: return "BOOL"
        case .string: return "STRING"
        case .array: return "ARRAY"
        case .uint64: return "UINT64"
        case .int64: return "INT64"
        case .float64: return "FLOAT64"
        }
    }
}

/// An array value: its element type and elements (which may themselves be arrays).
public struct GGUFArray: Sendable, Equatable {
    public var elementType: GGUFValueType
    public var values: [GGUFValue]

    public init(_ elementType: GGUFValueType, _ values: [GGUFValue]) {
        self.elementType = elementType
        self.values = values
    }
}

/// One metadata value.
public indirect enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case float32(Float), bool(Bool), string(String), array(GGUFArray)
    case uint64(UInt64), int64(Int64), float64(Double)

    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .float32: return .float32
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        case .uint64: return .uint64
        case .int64: return .int64
        case .float64: return .float64
        }
    }

    /// A short description of the type for error messages, e.g. "ARRAY of STRING".
    public var typeDescription: String {
        if case .array(let a) = self { return "ARRAY of \(a.elementType.name)" }
        return type.name
    }

    /// Any integer value that fits in Int.
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// A float value, or an integer converted to Double.
    public var double: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return int.map(Double.init)
        }
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var array: GGUFArray? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// An array whose elements are all strings.
    public var strings: [String]? {
        guard let a = array, a.elementType == .string else { return nil }
        return a.values.map { $0.string ?? "" }
    }

    /// An array whose elements are all integers representable as Int.
    public var ints: [Int]? {
        guard let a = array else { return nil }
        var out = [Int]()
        out.reserveCapacity(a.values.count)
        for v in a.values {
            guard let i = v.int else { return nil }
            out.append(i)
        }
        return out
    }

    /// An array whose elements are all numbers.
    public var doubles: [Double]? {
        guard let a = array else { return nil }
        var out = [Double]()
        out.reserveCapacity(a.values.count)
        for v in a.values {
            guard let d = v.double else { return nil }
            out.append(d)
        }
        return out
    }
}
