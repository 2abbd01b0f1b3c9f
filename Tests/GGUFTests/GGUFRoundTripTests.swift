import Foundation
import Testing
@testable import GGUF

@Suite struct GGUFRoundTripTests {
    static func sampleWriter(alignment: Int = 32) -> GGUFWriter {
        var w = GGUFWriter(alignment: alignment)
        w.set("general.architecture", "qwen3")
        w.set("u8", .uint8(250))
        w.set("i8", .int8(-5))
        w.set("u16", .uint16(65000))
        w.set("i16", .int16(-30000))
        w.set("u32", .uint32(4_000_000_000))
        w.set("i32", .int32(-2_000_000_000))
        w.set("f32", .float32(1.5))
        w.set("bool", .bool(true))
        w.set("u64", .uint64(1 << 40))
        w.set("i64", .int64(-(1 << 40)))
        w.set("f64", .float64(-2.25))
        w.set("text", "héllo 你好")
        w.set("tokens", strings: ["a", "Ġb", ""])
        w.set("nested", .array(GGUFArray(.array, [
            .array(GGUFArray(.int32, [.int32(1), .int32(2)])),
            .array(GGUFArray(.string, [.string("x")])),
        ])))
        w.addTensor("a", shape: [3, 2], floats: [1, 2, 3, 4, 5, 6])
        w.addTensor("b", type: .q8_0, shape: [32], data: [UInt8](repeating: 7, count: 34))
        w.addTensor("c", type: .f16, shape: [5], data: [UInt8](repeating: 1, count: 10))
        return w
    }

    @Test func everyValueTypeRoundTrips() throws {
        let w = Self.sampleWriter()
        let f = try GGUFFile(bytes: w.bytes())
        #expect(f.version == 3)
        #expect(f.metadata.count == w.metadata.count)
        for (key, value) in w.metadata {
            #expect(f[key] == value, "\(key)")
        }
        #expect(f.architecture == "qwen3")
        #expect(try f.int("u32") == 4_000_000_000)
        #expect(try f.strings("tokens") == ["a", "Ġb", ""])
        #expect(f["nested"]?.array?.values.count == 2)
    }

    @Test(arguments: [32, 64, 4096])
    func tensorsRoundTripAtAlignment(alignment: Int) throws {
        let w = Self.sampleWriter(alignment: alignment)
        let f = try GGUFFile(bytes: w.bytes())
        #expect(f.alignment == alignment)
        #expect(f.dataOffset % alignment == 0)
        #expect(f.tensors.map(\.name) == ["a", "b", "c"])
        let a = try f.requireTensor("a")
        #expect(a.shape == [3, 2])
        #expect(a.rowLength == 3 && a.rowCount == 2)
        #expect(a.type == .f32)
        let floats = Array(f.data(of: a).bindMemory(to: Float.self))
        #expect(floats == [1, 2, 3, 4, 5, 6])
        let b = try f.requireTensor("b")
        #expect(b.byteCount == 34)
        #expect(Array(f.data(of: b)) == [UInt8](repeating: 7, count: 34))
        for t in f.tensors { #expect(t.offset % alignment == 0) }
    }

    @Test func memoryMappedFileMatchesInMemoryParse() throws {
        let w = Self.sampleWriter()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-rt-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try w.write(to: path)
        let f = try GGUFFile(path: path)
        #expect(f.path == path)
        #expect(f.fileSize == w.bytes().count)
        #expect(f.tensors == (try GGUFFile(bytes: w.bytes())).tensors)
        #expect(Array(f.data(of: try f.requireTensor("c"))) == [UInt8](repeating: 1, count: 10))
    }

    /// Dropping a mapped tensor's pages keeps its bytes; on a file held in memory it does nothing.
    @Test func droppedPagesReadBackTheSameBytes() throws {
        var w = GGUFWriter(alignment: 4096)
        let big = (0..<(3 * 4096 + 102)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        w.addTensor("big", type: .q8_0, shape: [big.count / 34 * 32], data: Array(big[..<(big.count / 34 * 34)]))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-drop-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try w.write(to: path)
        for f in [try GGUFFile(path: path), try GGUFFile(bytes: w.bytes())] {
            let data = f.data(of: try f.requireTensor("big"))
            let want = Array(big[..<data.count])
            #expect(Array(data) == want)
            f.dropResidency(data)
            #expect(Array(data) == want)
            f.dropResidency(UnsafeRawBufferPointer(start: data.baseAddress, count: 10 * 4096 * 4096))  // out of range: ignored
            #expect(Array(data) == want)
        }
    }

    @Test func typedAccessorsNameKeyAndTypes() throws {
        let f = try GGUFFile(bytes: Self.sampleWriter().bytes(), name: "m.gguf")
        #expect(throws: GGUFError(path: "m.gguf", .missingKey("nope"))) { try f.int("nope") }
        #expect(throws: GGUFError(path: "m.gguf", .wrongType(key: "text", expected: "an integer", found: "STRING"))) {
            try f.int("text")
        }
        #expect(try f.optionalInt("nope") == nil)
        #expect(try f.double("u8") == 250)
        #expect(throws: GGUFError(path: "m.gguf", .missingTensor("zz"))) { try f.requireTensor("zz") }
        let e = GGUFError(path: "m.gguf", .wrongType(key: "text", expected: "an integer", found: "STRING"))
        #expect(e.description == "m.gguf: metadata 'text' is STRING; expected an integer")
    }

    @Test func typeTableIsConsistent() {
        #expect(GGMLType.byID(8) == .q8_0)
        #expect(GGMLType.byID(4) == nil)
        #expect(GGMLType.byID(1000) == nil)
        #expect(GGMLType.named("q4_k") == .q4_K)
        #expect(GGMLType.q4_K.byteCount(elements: 512) == 288)
        #expect(GGMLType.q4_K.byteCount(elements: 100) == nil)
        for (i, t) in GGMLType.all.enumerated() { if let t { #expect(Int(t.id) == i) } }
    }
}
