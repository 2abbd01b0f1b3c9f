/// Parses and validates a GGUF image. Limits follow llama.cpp's reader where it is stricter than
/// the spec only when the stricter rule protects us (alignment, bounds, duplicates); permissive
/// where real files vary (any aligned tensor offset is accepted, not only back-to-back layout).
enum GGUFParser {
    struct Parsed {
        var version: UInt32
        var metadata: [(key: String, value: GGUFValue)]
        var tensors: [GGUFTensorInfo]
        var alignment: Int
        var dataOffset: Int
    }

    static let maxArrayNesting = 8
    static let maxDimensions = 4
    static let defaultAlignment = 32

    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(GGUFError) -> Parsed {
        var r = ByteReader(bytes, path: path)
        try r.need(4, "magic")
        let magic = Array(try r.readBytes(4, "magic"))
        guard magic == Array("GGUF".utf8) else { throw r.error(.badMagic(found: magic), at: 0) }
        let version = try r.read(UInt32.self, "version")
        if version & 0xFFFF == 0 && version != 0 { throw r.error(.bigEndian, at: 4) }
        guard version == 2 || version == 3 else { throw r.error(.unsupportedVersion(version), at: 4) }

        // A tensor record is at least 8 (name length) + 1 (name) + 4 (n_dims) + 8 (dim) + 4 (type) + 8 (offset).
        let tensorCount = try r.readCount("tensor count", minimumItemSize: 33)
        // A KV record is at least 8 (key length) + 1 (key) + 4 (type) + 1 (value).
        let kvCount = try r.readCount("metadata count", minimumItemSize: 14)

        var metadata: [(key: String, value: GGUFValue)] = []
        metadata.reserveCapacity(kvCount)
        var seenKeys = Set<String>()
        for i in 0..<kvCount {
            let start = r.offset
            let key = try r.readString("key of metadata record \(i)")
            guard !key.isEmpty else { throw r.error(.emptyKey, at: start) }
            guard seenKeys.insert(key).inserted else { throw r.error(.duplicateKey(key), at: start) }
            let typeID = try r.read(UInt32.self, "value type of '\(key)'")
            guard let type = GGUFValueType(rawValue: typeID) else {
                throw r.error(.unknownValueType(id: typeID, key: key), at: r.offset - 4)
            }
            let value = try readValue(&r, type: type, key: key, depth: 0)
            metadata.append((key, value))
        }

        var alignment = defaultAlignment
        if let a = metadata.first(where: { $0.key == "general.alignment" })?.value {
            guard case .uint32(let v) = a else { throw r.error(.badAlignment("is \(a.typeDescription)"), at: nil) }
            guard v > 0, v & (v - 1) == 0 else { throw r.error(.badAlignment("is \(v)"), at: nil) }
            alignment = Int(v)
        }

        var raw: [(name: String, type: GGMLType, shape: [Int], offset: UInt64, at: Int)] = []
        raw.reserveCapacity(tensorCount)
        var seenTensors = Set<String>()
        for i in 0..<tensorCount {
            let start = r.offset
            let name = try r.readString("name of tensor \(i)")
            guard !name.isEmpty else { throw r.error(.emptyTensorName, at: start) }
            guard seenTensors.insert(name).inserted else { throw r.error(.duplicateTensor(name), at: start) }
            let nDims = try r.read(UInt32.self, "dimension count of '\(name)'")
            guard nDims >= 1, nDims <= UInt32(maxDimensions) else {
                throw r.error(.badDimensionCount(tensor: name, count: nDims), at: r.offset - 4)
            }
            var dims: [UInt64] = []
            for d in 0..<Int(nDims) {
                let v = try r.read(UInt64.self, "dimension \(d) of '\(name)'")
                guard v >= 1, v <= 1 << 62 else { throw r.error(.badDimension(tensor: name, index: d, value: v), at: r.offset - 8) }
                dims.append(v)
            }
            let typeID = try r.read(UInt32.self, "type of '\(name)'")
            guard let type = GGMLType.byID(typeID) else {
                throw r.error(.unknownTensorType(tensor: name, id: typeID), at: r.offset - 4)
            }
            let offset = try r.read(UInt64.self, "data offset of '\(name)'")
            var elements = 1
            for d in dims {
                let (p, overflow) = elements.multipliedReportingOverflow(by: Int(d))
                if overflow { throw r.error(.shapeOverflow(tensor: name, shape: dims), at: start) }
                elements = p
            }
            let shape = dims.map { Int($0) }
            guard shape[0] % type.blockSize == 0 else {
                throw r.error(.notBlockMultiple(tensor: name, rowLength: shape[0], type: type.name, blockSize: type.blockSize), at: start)
            }
            raw.append((name, type, shape, offset, start))
        }

        let headerEnd = r.offset
        let dataOffset = tensorCount > 0 ? (headerEnd + alignment - 1) / alignment * alignment : headerEnd
        let fileSize = bytes.count
        if tensorCount > 0 && dataOffset > fileSize {
            throw r.error(.truncated(needed: dataOffset - headerEnd, available: fileSize - headerEnd, reading: "padding before tensor data"), at: headerEnd)
        }

        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(raw.count)
        for t in raw {
            guard let byteCount = t.type.byteCount(elements: t.shape.reduce(1, *)) else {
                throw r.error(.shapeOverflow(tensor: t.name, shape: t.shape.map(UInt64.init)), at: t.at)
            }
            guard t.offset % UInt64(alignment) == 0 else {
                throw r.error(.misalignedTensor(tensor: t.name, offset: t.offset, alignment: alignment), at: t.at)
            }
            let (end, overflow) = t.offset.addingReportingOverflow(UInt64(dataOffset) + UInt64(byteCount))
            guard !overflow, end <= UInt64(fileSize) else {
                throw r.error(.tensorOutOfRange(tensor: t.name, end: overflow ? .max : end, fileSize: fileSize), at: t.at)
            }
            tensors.append(GGUFTensorInfo(name: t.name, type: t.type, shape: t.shape, offset: Int(t.offset),
                                          fileOffset: dataOffset + Int(t.offset), byteCount: byteCount))
        }

        let byStart = tensors.sorted { $0.offset < $1.offset }
        for (a, b) in zip(byStart, byStart.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw GGUFError(path: path, offset: a.fileOffset, .overlappingTensors(a.name, b.name))
        }

        return Parsed(version: version, metadata: metadata, tensors: tensors, alignment: alignment, dataOffset: dataOffset)
    }

    private static func readValue(_ r: inout ByteReader, type: GGUFValueType, key: String, depth: Int) throws(GGUFError) -> GGUFValue {
        let what = "value of '\(key)'"
        switch type {
        case .uint8: return .uint8(try r.read(UInt8.self, what))
        case .int8: return .int8(try r.read(Int8.self, what))
        case .uint16: return .uint16(try r.read(UInt16.self, what))
        case .int16: return .int16(try r.read(Int16.self, what))
        case .uint32: return .uint32(try r.read(UInt32.self, what))
        case .int32: return .int32(try r.read(Int32.self, what))
        case .float32: return .float32(try r.readFloat(what))
        case .bool: return .bool(try r.read(UInt8.self, what) != 0)
        case .string: return .string(try r.readString(what))
        case .uint64: return .uint64(try r.read(UInt64.self, what))
        case .int64: return .int64(try r.read(Int64.self, what))
        case .float64: return .float64(try r.readDouble(what))
        case .array:
            guard depth < maxArrayNesting else { throw r.error(.arrayNestingTooDeep(key: key)) }
            let elementID = try r.read(UInt32.self, "element type of '\(key)'")
            guard let element = GGUFValueType(rawValue: elementID) else {
                throw r.error(.unknownValueType(id: elementID, key: key), at: r.offset - 4)
            }
            let count = try r.readCount("element count of '\(key)'", minimumItemSize: element.minimumSize)
            var values: [GGUFValue] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                values.append(try readValue(&r, type: element, key: key, depth: depth + 1))
            }
            return .array(GGUFArray(element, values))
        }
    }
}
