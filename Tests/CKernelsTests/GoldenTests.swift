import CKernels
import Foundation
import Testing

/// Golden vectors from ggml's reference code (engine-facts §2.12).
enum Golden {
    static let x: [Float] = (0..<256).map { i in sinf(0.37 * Float(i)) * (1 + 0.3 * Float(i % 7)) }
    static let y: [Float] = (0..<256).map { i in cosf(0.11 * Float(i)) * 0.8 }

    static let q8_0 = hexBytes("9e250015314e646e66180bf2d2b09281d7d8e601254d732d393a2d11eabcdbc7b7b3a125bed80211284256605a4108f4d9ba9f8f8fe2ec012145677f2b2e250eebc299d45f25c2bdc5dd033421384c56523c15f6dec2a89897a9f0021e3f5f777f251f0becc57c25a081d2cbd0e3042f5c2b3d47443210e2e6ceb7a8a6b6d702193551676f6417089625efceac9081d8dae9052a52762e38382a0de4b6dac6b8b5c1dd08132b44575f57a5253c05f1d6b89e9092e4ee052548697f2b2c220ae7bd95d4c6c2cbe308372137498b25524c350ef4dcc2aa9c9db1f30520405e7379221b07e9c39e81d3cdd3e809335f8a252b3c45412d0bdde4cdb7aaaabbdd041b3752666c5f1405ebcba98e81d9dcec09")
    static let q4_0 = hexBytes("93356889abddfebfcecab99775436140353696b5fcaa988765442302525468799accfebf54b5ecfcfcda988566442313036467799acc7135625035252536588baebbdcecfceb99968a359765336140353647688b9dbfcbdcecdb99b5546879abcdfebfcfcab9a876536150358035fdfdaba98776442302525357689abcee7f35bbdcecfceb998676553313036466789a")
    static let y_q8_0_block0 = hexBytes("731e7f7e7c78736c645b51463a2d201204f6e8dbcdc1b5aaa198918b868381818386")
    static let q4_K = hexBytes("191eb329fffdf5f9fef9f1fbec7efbaa37597a8c9dbecdd9c8b775635130150506576a7c9ebadbfbaaa896836534134323025345576a89bbecadcccbc8b69563615030212637598b9dbfdfe9f9e89683a775634120150506586a7d9fbbdbeb9a99967355340343343638597aac9daebdadbdcbc9a786546342322327385a8c9ebfdfeaead89784624025050556596b8e")
    static let q5_K = hexBytes("a019b029fefef9fbfef8f1fdff8ededce1c1c1c383870f0f1f1e1e3c7c78f8f0f0e1e1c1c383870f0f1f1e3e3c7878f86093f71a4d7eadb3a27e0ad6a2602b0b0db0c5fa3f86c8f846523d07cb7917964605b6a9aed51275d86999a6a17d39d6d2a070525c7eb2164b8ebfe3f2ef4b266efad692502b0b0db1c5fa3f86c7f745423d07bb691797787c81b306693b6c8b6a8aa7926e2bc8d5a373565e71c4184c8fbfe4f3d13d18e3905a290abdc1e62c")
    static let q6_K = hexBytes("70956cd3f9db49b6430d25ac8541d67667a0a66a40f38000832b06738ad054f68d0540354b9218cb79b2f22d15dc45907ce84590985fc6f09514973d1540aaebac841c45c156c75a011a74cd2bae4eeadcf9997d24a819750c4d3a52a923d083016fa48a12483c6bd7540f076e3620a5ed5aa3b98d5113bf2ea13802607ab02532367a6b5b4f9f8ece8d89c4d4a0a171bebaf9f8e4d19151454506171a1f6f6bf5f5f8e8dc9d4d4d0a0a07172262b2b6b9faebe6e3939743421515195c686cbc8070907d5177866d805d7f939e86ad86b991")

    /// ggml's reference Q8_0 (round half away from zero, id = 1/d): what the golden dots used.
    static func referenceQ8_0(_ v: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        for b in stride(from: 0, to: v.count, by: 32) {
            let blk = v[b..<b + 32]
            let amax = blk.map { abs($0) }.max()!
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            let h = fp16(d)
            out += [UInt8(h & 0xFF), UInt8(h >> 8)]
            out += blk.map { UInt8(bitPattern: Int8(($0 * id).rounded())) }
        }
        return out
    }
}

struct GoldenCase: Sendable, CustomTestStringConvertible {
    let type: WType
    let block: [UInt8]
    let first: [Float]
    let at128: [Float]
    let sum: Float
    let dot: Double
    var testDescription: String { type.name }
}

private let cases: [GoldenCase] = [
    GoldenCase(type: .q8_0, block: Golden.q8_0,
               first: [0, 0.460784912, 1.07516479, 1.71148682, 2.19421387, 2.41363525, 2.23809814, 0.526611328],
               at128: [], sum: 0.335769653, dot: 8.94531536),
    GoldenCase(type: .q4_0, block: Golden.q4_0,
               first: [0, 0.348388672, 1.04516602, 1.74194336, 2.09033203, 2.4387207, 2.09033203, 0.696777344],
               at128: [], sum: -1.48803711, dot: 7.49089527),
    GoldenCase(type: .q4_K, block: Golden.q4_K,
               first: [-0.13451767, 0.615779877, 0.99092865, 1.7412262, 2.11637497, 2.49152374, 2.11637497, 0.615779877],
               at128: [-0.259567261, -0.974136353, -1.68870544, -2.40327454], sum: 0.270336151, dot: 9.51231766),
    GoldenCase(type: .q5_K, block: Golden.q5_K,
               first: [-0.0302734375, 0.48059082, 1.16174316, 1.67260742, 2.18347168, 2.35375977, 2.18347168, 0.48059082],
               at128: [-0.376831055, -1.06896973, -1.7611084, -2.45324707], sum: -0.236450195, dot: 8.64852715),
    GoldenCase(type: .q6_K, block: Golden.q6_K,
               first: [0, 0.44708252, 1.07299805, 1.69891357, 2.2354126, 2.41424561, 2.2354126, 0.536499023],
               at128: [-0.357666016, -1.07299805, -1.78833008, -2.41424561], sum: 0.667829514, dot: 9.04157639),
]

@Suite("Golden vectors (engine-facts §2.12)")
struct GoldenTests {
    @Test("inputs reproduce with this libm")
    func inputs() {
        #expect(bits(Golden.x[1]) == 0x3EF0_B0F5)
    }

    @Test("dequantized values and sums are exact", arguments: cases)
    func dequant(_ c: GoldenCase) {
        #expect(c.block.count == c.type.rowSize(256))
        let v = dequantize(c.type.id, c.block, n: 256)
        for (i, e) in c.first.enumerated() { #expect(v[i] == e, "\(c.type.name)[\(i)] = \(v[i]) want \(e)") }
        for (i, e) in c.at128.enumerated() { #expect(v[128 + i] == e, "\(c.type.name)[\(128 + i)] = \(v[128 + i])") }
        // The sheet's sums were accumulated in double and rounded once.
        let sum = Float(v.reduce(0.0) { $0 + Double($1) })
        #expect(sum == c.sum, "\(c.type.name) sum \(sum) want \(c.sum)")
        // Dequantized values track the original input.
        for i in 0..<256 { #expect(abs(v[i] - Golden.x[i]) < 0.3) }
    }

    @Test("vec_dot against the activation matches at every level", arguments: cases, Level.allCases)
    func vecDot(_ c: GoldenCase, _ level: Level) {
        let xq: [UInt8] = c.type.dotType == WType.q8_0.id
            ? Golden.referenceQ8_0(Golden.y)
            : at(level) { activations(c.type, Golden.y, m: 1, n: 256).bytes }
        let d = at(level) {
            c.block.withUnsafeBytes { w in xq.withUnsafeBytes { ck_vec_dot(c.type.id, w.baseAddress, $0.baseAddress, 256) } }
        }
        #expect(abs(Double(d) - c.dot) <= 1e-5 * abs(c.dot), "\(c.type.name) \(level): \(d) want \(c.dot)")
    }

    @Test("reference Q8_0 of y matches block 0")
    func activationBlock() {
        #expect(Array(Golden.referenceQ8_0(Golden.y)[0..<34]) == Golden.y_q8_0_block0)
    }

    @Test("our x86 Q8_0 of y stays within one step of the reference", arguments: Level.allCases)
    func x86Q8_0(_ level: Level) {
        let ours = at(level) { activations(.q8_0, Golden.y, m: 1, n: 256).bytes }
        let ref = Golden.referenceQ8_0(Golden.y)
        for b in 0..<8 {
            #expect(ours[b * 34] == ref[b * 34] && ours[b * 34 + 1] == ref[b * 34 + 1])
            for j in 2..<34 {
                #expect(abs(Int(Int8(bitPattern: ours[b * 34 + j])) - Int(Int8(bitPattern: ref[b * 34 + j]))) <= 1)
            }
        }
    }

    @Test("Q8_K of y: d, qs and bsums", arguments: Level.allCases)
    func q8K(_ level: Level) {
        let q = at(level) { activations(.q4_K, Golden.y, m: 1, n: 256).bytes }
        let d = q.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: Float.self) }
        #expect(d == -0.00629921257)
        #expect(q[4..<12].map { Int8(bitPattern: $0) } == [-127, -126, -124, -120, -115, -108, -100, -91])
        let bs = (0..<16).map { g in q.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 260 + 2 * g, as: Int16.self) } }
        #expect(Array(bs[0..<4]) == [-1209, 1511, 640, -1752])
        for g in 0..<16 {
            let s = (0..<16).reduce(0) { $0 + Int(Int8(bitPattern: q[4 + 16 * g + $1])) }
            #expect(Int(bs[g]) == s)
        }
    }
}
