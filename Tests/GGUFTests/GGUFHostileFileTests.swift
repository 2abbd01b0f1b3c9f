import Foundation
import Testing
@testable import GGUF

/// Assembles raw GGUF bytes field by field, so tests can write what no honest writer would.
struct RawGGUF {
    var bytes: [UInt8] = []
    mutating func raw(_ b: [UInt8]) { bytes += b }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func str(_ s: String) { u64(UInt64(s.utf8.count)); bytes += Array(s.utf8) }
    mutating func header(version: UInt32 = 3, tensors: UInt64, kvs: UInt64) {
        raw(Array("GGUF".utf8)); u32(version); u64(tensors); u64(kvs)
    }
    mutating func tensor(_ name: String, dims: [UInt64], type: UInt32 = 0, offset: UInt64) {
        str(name); u32(UInt32(dims.count)); for d in dims { u64(d) }; u32(type); u64(offset)
    }
    mutating func pad(to alignment: Int = 32) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }
}

@Suite struct GGUFHostileFileTests {
    func problem(_ bytes: [UInt8]) -> GGUFError.Problem? {
        do {
            _ = try GGUFFile(bytes: bytes, name: "bad.gguf")
            return nil
        } catch {
            #expect(error.path == "bad.gguf")
            #expect(!error.description.isEmpty)
            return error.problem
        }
    }

    @Test func truncatedAtEveryHeaderOffset() throws {
        let good = GGUFRoundTripTests.sampleWriter().bytes()
        let f = try GGUFFile(bytes: good)
        for cut in 0..<f.dataOffset {
            let p = problem(Array(good[..<cut]))
            #expect(p != nil, "cut at \(cut) was accepted")
            switch p {
            case .truncated?, .stringTooLong?, .countTooLarge?: break
            case .emptyFile? where cut == 0: break
            default: Issue.record("cut at \(cut): \(String(describing: p))")
            }
        }
    }

    @Test func truncatedInsideTensorData() throws {
        let good = GGUFRoundTripTests.sampleWriter().bytes()
        let p = problem(Array(good.dropLast(40)))
        guard case .tensorOutOfRange = p else { Issue.record("\(String(describing: p))"); return }
    }

    @Test func emptyAndTextFiles() throws {
        #expect(problem([]) == .emptyFile)
        #expect(problem(Array("hello, this is text\n".utf8)) == .badMagic(found: Array("hell".utf8)))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty.gguf").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(throws: GGUFError(path: empty, .emptyFile)) { try GGUFFile(path: empty) }
        #expect(throws: GGUFError(path: dir.path, .notARegularFile)) { try GGUFFile(path: dir.path) }
        let missing = dir.appendingPathComponent("missing.gguf").path
        do {
            _ = try GGUFFile(path: missing)
            Issue.record("missing file accepted")
        } catch {
            #expect(error.description.contains("missing.gguf: cannot open: No such file"))
        }
    }

    @Test func wrongMagicAndVersions() {
        var r = RawGGUF(); r.raw(Array("GGML".utf8)); r.u32(3); r.u64(0); r.u64(0)
        #expect(problem(r.bytes) == .badMagic(found: Array("GGML".utf8)))
        for v: UInt32 in [0, 1, 4, 99] {
            var r = RawGGUF(); r.header(version: v, tensors: 0, kvs: 0)
            #expect(problem(r.bytes) == .unsupportedVersion(v))
        }
        var be = RawGGUF(); be.header(version: 3 << 24, tensors: 0, kvs: 0)
        #expect(problem(be.bytes) == .bigEndian)
        var v2 = RawGGUF(); v2.header(version: 2, tensors: 0, kvs: 0)
        #expect(problem(v2.bytes) == nil)
    }

    @Test func absurdCounts() {
        var r = RawGGUF(); r.header(tensors: 1 << 62, kvs: 0)
        guard case .countTooLarge(let what, let count, _) = problem(r.bytes) else { Issue.record("accepted"); return }
        #expect(what == "tensor count" && count == 1 << 62)
        var k = RawGGUF(); k.header(tensors: 0, kvs: UInt64.max)
        guard case .countTooLarge = problem(k.bytes) else { Issue.record("kv count accepted"); return }
        var a = RawGGUF(); a.header(tensors: 0, kvs: 1); a.str("arr"); a.u32(9); a.u32(4); a.u64(1 << 60)
        guard case .countTooLarge = problem(a.bytes) else { Issue.record("array count accepted"); return }
    }

    @Test func stringLongerThanFile() {
        var r = RawGGUF(); r.header(tensors: 0, kvs: 1); r.u64(1 << 40); r.raw(Array("key and more bytes".utf8))
        guard case .stringTooLong(let length, _) = problem(r.bytes) else { Issue.record("accepted"); return }
        #expect(length == 1 << 40)
        var v = RawGGUF(); v.header(tensors: 0, kvs: 1); v.str("k"); v.u32(8); v.u64(UInt64.max)
        guard case .stringTooLong = problem(v.bytes) else { Issue.record("value string accepted"); return }
    }

    @Test func keysAndValueTypes() {
        var d = RawGGUF(); d.header(tensors: 0, kvs: 2)
        d.str("a.b"); d.u32(4); d.u32(1); d.str("a.b"); d.u32(4); d.u32(2)
        #expect(problem(d.bytes) == .duplicateKey("a.b"))
        var e = RawGGUF(); e.header(tensors: 0, kvs: 1); e.str(""); e.u32(4); e.u32(1)
        #expect(problem(e.bytes) == .emptyKey)
        var u = RawGGUF(); u.header(tensors: 0, kvs: 1); u.str("k"); u.u32(13); u.u32(1)
        #expect(problem(u.bytes) == .unknownValueType(id: 13, key: "k"))
        var ue = RawGGUF(); ue.header(tensors: 0, kvs: 1); ue.str("k"); ue.u32(9); ue.u32(77); ue.u64(1)
        #expect(problem(ue.bytes) == .unknownValueType(id: 77, key: "k"))
        var bad = RawGGUF(); bad.header(tensors: 0, kvs: 1); bad.u64(2); bad.raw([0xC3, 0x28]); bad.u32(4); bad.u32(1)
        #expect(problem(bad.bytes) == .invalidUTF8(what: "key of metadata record 0"))
        var deep = RawGGUF(); deep.header(tensors: 0, kvs: 1); deep.str("deep"); deep.u32(9)
        for _ in 0..<20 { deep.u32(9); deep.u64(1) }
        deep.u32(4); deep.u64(1); deep.u32(5)
        #expect(problem(deep.bytes) == .arrayNestingTooDeep(key: "deep"))
    }

    @Test func alignmentKey() {
        for (type, value): (UInt32, UInt32) in [(4, 0), (4, 48)] {
            var r = RawGGUF(); r.header(tensors: 0, kvs: 1); r.str("general.alignment"); r.u32(type); r.u32(value)
            #expect(problem(r.bytes) == .badAlignment("is \(value)"))
        }
        var t = RawGGUF(); t.header(tensors: 0, kvs: 1); t.str("general.alignment"); t.u32(5); t.u32(32)
        #expect(problem(t.bytes) == .badAlignment("is INT32"))
    }

    /// One F32 tensor header with the given fields, then padding and `dataBytes` of data.
    func tensorFile(_ build: (inout RawGGUF) -> Void, count: UInt64 = 1, dataBytes: Int = 64) -> [UInt8] {
        var r = RawGGUF(); r.header(tensors: count, kvs: 0)
        build(&r)
        r.pad()
        r.raw([UInt8](repeating: 0, count: dataBytes))
        return r.bytes
    }

    @Test func tensorTableProblems() {
        #expect(problem(tensorFile { $0.tensor("w", dims: [4], offset: 0) }) == nil)
        #expect(problem(tensorFile({ $0.tensor("w", dims: [4], offset: 0); $0.tensor("w", dims: [4], offset: 32) }, count: 2))
                == .duplicateTensor("w"))
        #expect(problem(tensorFile { $0.tensor("", dims: [4], offset: 0) }) == .emptyTensorName)
        #expect(problem(tensorFile { $0.tensor("w", dims: [1, 1, 1, 1, 1], offset: 0) }) == .badDimensionCount(tensor: "w", count: 5))
        #expect(problem(tensorFile { $0.tensor("w", dims: [], offset: 0) }) == .badDimensionCount(tensor: "w", count: 0))
        #expect(problem(tensorFile { $0.tensor("w", dims: [4, 0], offset: 0) }) == .badDimension(tensor: "w", index: 1, value: 0))
        #expect(problem(tensorFile { $0.tensor("w", dims: [1 << 31, 1 << 31, 1 << 31], offset: 0) })
                == .shapeOverflow(tensor: "w", shape: [1 << 31, 1 << 31, 1 << 31]))
        #expect(problem(tensorFile { $0.tensor("w", dims: [1 << 61, 1 << 2], offset: 0) })
                == .shapeOverflow(tensor: "w", shape: [1 << 61, 4]))
        #expect(problem(tensorFile { $0.tensor("w", dims: [4], type: 4, offset: 0) }) == .unknownTensorType(tensor: "w", id: 4))
        #expect(problem(tensorFile { $0.tensor("w", dims: [4], type: 999, offset: 0) }) == .unknownTensorType(tensor: "w", id: 999))
        #expect(problem(tensorFile { $0.tensor("w", dims: [33], type: 8, offset: 0) })
                == .notBlockMultiple(tensor: "w", rowLength: 33, type: "Q8_0", blockSize: 32))
        #expect(problem(tensorFile { $0.tensor("w", dims: [4], offset: 8) }) == .misalignedTensor(tensor: "w", offset: 8, alignment: 32))
    }

    @Test func tensorDataOutOfRangeOrOverlapping() {
        guard case .tensorOutOfRange(let name, _, _) = problem(tensorFile({ $0.tensor("w", dims: [64], offset: 0) }, dataBytes: 100)) else {
            Issue.record("out of range accepted"); return
        }
        #expect(name == "w")
        guard case .tensorOutOfRange = problem(tensorFile { $0.tensor("w", dims: [4], offset: UInt64.max - 31) }) else {
            Issue.record("offset overflow accepted"); return
        }
        let overlap = tensorFile({ $0.tensor("a", dims: [16], offset: 0); $0.tensor("b", dims: [16], offset: 32) }, count: 2, dataBytes: 128)
        #expect(problem(overlap) == .overlappingTensors("a", "b"))
        let sharedStart = tensorFile({ $0.tensor("a", dims: [4], offset: 0); $0.tensor("b", dims: [4], offset: 0) }, count: 2)
        #expect(problem(sharedStart) == .overlappingTensors("a", "b"))
    }

    @Test func randomByteCorruptionNeverCrashes() {
        let good = GGUFRoundTripTests.sampleWriter().bytes()
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var b = good
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = problem(b)
        }
    }
}
