// Release-mode harness for the Tokenizer target (built by tools/bench_tokenizer.sh in a scratch package that
// links Sources/GGUF and Sources/Tokenizer; it is not part of the app).
//
//   tokbench bench VOCAB.gguf TEXT_FILE [-r REPEATS] [--special] [--no-cache]  -> JSON timings
//   tokbench tokenize VOCAB.gguf TEXT_FILE [--special]                        -> JSON ids (bytes tokenized as-is)
//   tokbench tokenize-hex VOCAB.gguf HEX_LINES [--special]                    -> one JSON id array per input line
import Foundation
import GGUF
import Tokenizer

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

let args = CommandLine.arguments
guard args.count >= 4 else {
    FileHandle.standardError.write("usage: tokbench bench|tokenize VOCAB TEXT [-r N] [--special] [--no-cache]\n".data(using: .utf8)!)
    exit(2)
}
let special = args.contains("--special")
var repeats = 5
if let i = args.firstIndex(of: "-r"), i + 1 < args.count { repeats = Int(args[i + 1]) ?? 5 }

let t0 = now()
let file = try GGUFFile(path: args[2])
let tParsed = now()
let vocab = try Vocabulary(gguf: file)
let t1 = now()
FileHandle.standardError.write("load: GGUF parse \(tParsed - t0) s, vocabulary build \(t1 - tParsed) s\n".data(using: .utf8)!)
var tok = BPETokenizer(vocabulary: vocab)
if args.contains("--no-cache") { tok.wordCache = false }
let data = try Data(contentsOf: URL(fileURLWithPath: args[3]))

switch args[1] {
case "tokenize":
    let ids = tok.encode(bytes: data, parseSpecial: special)
    print("[" + ids.map(String.init).joined(separator: ", ") + "]")
case "tokenize-hex":  // one hex-encoded input per line -> one JSON array of ids per line
    var out = ""
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
        var bytes: [UInt8] = []
        var it = line.utf8.makeIterator()
        func nib(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
        while let a = it.next(), let b = it.next() { bytes.append(nib(a) << 4 | nib(b)) }
        out += "[" + tok.encode(bytes: bytes, parseSpecial: special).map(String.init).joined(separator: ",") + "]\n"
    }
    FileHandle.standardOutput.write(out.data(using: .utf8)!)
case "bench":
    let text = String(decoding: data, as: UTF8.self)
    _ = tok.encode(text, parseSpecial: special)  // warm-up (character tables)
    var times: [Double] = []
    var n = 0
    for _ in 0..<repeats {
        let a = now()
        n = tok.encode(text, parseSpecial: special).count
        times.append(now() - a)
    }
    times.sort()
    let median = times[times.count / 2]
    print("""
    {"engine": "thinkscope", "load_s": \(t1 - t0), "bytes": \(data.count), "tokens": \(n), \
    "special": \(special), "word_cache": \(tok.wordCache), "median_s": \(median), "min_s": \(times[0]), \
    "mb_per_s": \(Double(data.count) / median / 1e6)}
    """)
default:
    exit(2)
}
