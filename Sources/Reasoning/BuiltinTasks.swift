import Engine

/// The demo model's task families (tools/demo_model/tasks.py) as sweep problems: fresh ones from a
/// seed, drawn only from the held-out split the model never trained on (the same SHA-1 rule on
/// the same problem keys), with the same phrasings (about 8% in Chinese). Only questions and
/// answers are made here; the traces are the training pipeline's business.
public enum BuiltinTasks {
    public static let families = ["add", "sub", "mul", "compare", "count", "sort", "word"]

    /// Named sets: every family, the arithmetic ones, or a single family.
    public static let sets: [String: [String]] = {
        var s: [String: [String]] = ["demo": families, "arith": ["add", "sub", "mul", "word"]]
        for f in families { s[f] = [f] }
        return s
    }()

    public static var setNames: [String] { sets.keys.sorted() }

    /// `perFamily` distinct held-out problems of every family of `set`, in family order.
    /// Returns nil for an unknown set name.
    public static func make(set: String, perFamily: Int, seed: UInt64) -> [SweepTask]? {
        guard let fams = sets[set] else { return nil }
        var rng = TaskRandom(seed: seed)
        var out: [SweepTask] = []
        var seen: Set<String> = []
        for family in fams {
            var made = 0, attempts = 0
            // Some families have few held-out problems (a word and a letter); stop rather than spin.
            while made < perFamily && attempts < perFamily * 400 {
                attempts += 1
                let p = generate(family, &rng)
                guard isHeldOut(p.key), seen.insert(p.key).inserted else { continue }
                made += 1
                out.append(SweepTask(id: "\(family)-\(made)", prompt: p.question, answer: p.answer, rule: .answerIs))
            }
        }
        return out
    }

    /// tasks.py's split: a key is held out when the first 32 bits of its SHA-1 are < 12 mod 100.
    static func isHeldOut(_ key: String) -> Bool {
        let d = SHA1.digest(Array(key.utf8))
        let h = UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
        return h % 100 < 12
    }

    struct Problem { var question: String; var answer: String; var key: String }

    static func generate(_ family: String, _ r: inout TaskRandom) -> Problem {
        let zh = r.chance(0.08)
        switch family {
        case "add": return add(&r, zh)
        case "sub": return sub(&r, zh)
        case "mul": return mul(&r, zh)
        case "compare": return compare(&r, zh)
        case "count": return count(&r, zh)
        case "sort": return sort(&r, zh)
        default: return word(&r, zh)
        }
    }

    // MARK: Families

    static func add(_ r: inout TaskRandom, _ zh: Bool) -> Problem {
        var a = r.number(2, 5), b = r.number(1, 5)
        if r.chance(0.5) { swap(&a, &b) }
        let q = zh ? r.pick(["\(a) 加 \(b) 等于多少?", "计算 \(a) + \(b)。"])
            : r.pick(["What is \(a) + \(b)?", "Compute \(a) + \(b).", "Calculate \(a) plus \(b).",
                      "Add \(a) and \(b).", "What is the sum of \(a) and \(b)?"])
        return Problem(question: q, answer: String(a + b), key: "add:\(a)+\(b)")
    }

    static func sub(_ r: inout TaskRandom, _ zh: Bool) -> Problem {
        var a = r.number(2, 5)
        let b = r.number(1, 5)
        if a == b { a += 1 }
        let q = zh ? r.pick(["\(a) 减 \(b) 等于多少?", "计算 \(a) - \(b)。"])
            : r.pick(["What is \(a) - \(b)?", "Compute \(a) - \(b).", "Calculate \(a) minus \(b).", "Subtract \(b) from \(a)."])
        return Problem(question: q, answer: String(a - b), key: "sub:\(a)-\(b)")
    }

    static func mul(_ r: inout TaskRandom, _ zh: Bool) -> Problem {
        let a = r.number(2, 4), m = r.int(2, 9)
        let sym = r.pick(["×", "*", "times"])
        let q = zh ? r.pick(["\(a) 乘 \(m) 等于多少?", "计算 \(a) × \(m)。"])
            : r.pick(["What is \(a) \(sym) \(m)?", "Compute \(a) \(sym) \(m).", "Multiply \(a) by \(m)."])
        return Problem(question: q, answer: String(a * m), key: "mul:\(a)*\(m)")
    }

    static func decimal(_ r: inout TaskRandom) -> String {
        let whole = r.int(0, 20), places = r.int(1, 3)
        var frac = String(r.int(0, pow10(places) - 1))
        frac = String(repeating: "0", count: places - frac.count) + frac
        if frac.hasSuffix("0") { frac = String(frac.dropLast()) + String(r.int(1, 9)) }
        return "\(whole).\(frac)"
    }

    static func compare(_ r: inout TaskRandom, _ zh: Bool) -> Problem {
        var a = "", b = ""
        repeat {
            a = decimal(&r)
            b = decimal(&r)
            if r.chance(0.75) { b = a.split(separator: ".")[0] + "." + b.split(separator: ".")[1] }
        } while Double(a) == Double(b)
        let larger = r.chance(0.7)
        let word = larger ? "larger" : "smaller"
        let q = zh ? "\(a) 和 \(b) 哪个\(larger ? "大" : "小")?"
            : r.pick(["Which is \(word), \(a) or \(b)?", "Which number is \(word): \(a) or \(b)?", "Is \(a) or \(b) \(word)?"])
        let (big, small) = Double(a)! > Double(b)! ? (a, b) : (b, a)
        // tasks.py orders the pair as strings and spells the flag as Python does.
        let key = "cmp:\(min(a, b))|\(max(a, b))|\(larger ? "True" : "False")"
        return Problem(question: q, answer: larger ? big : small, key: key)
    }

    static func count(_ r: inout TaskRandom, _ zh: Bool) -> Problem {
        let word = r.pick(words)
        let letter: Character = r.chance(0.8) ? r.pick(Array(Set(word)).sorted())
            : r.pick(Array("abcdefghijklmnopqrstuvwxyz").filter { !word.contains($0) })
        let q = zh ? "单词 \(word) 里有几个字母 \(letter)?"
            : r.pick(["How many times does the letter \(letter) appear in the word \(word)?",
                      "How many \(letter)'s are in the word \(word)?", "Count the letter \(letter) in the word \(word)."])
        return Problem(question: q, answer: String(word.filter { $0 == letter }.count), key: "count:\(word):\(letter)")
    }

    static func sort(_ r: inout TaskRandom, _ zh: Bool) -> Problem {
        let k = r.int(3, 6)
        var nums: [Int] = []
        while nums.count < k {
            let v = r.int(0, 99)
            if !nums.contains(v) { nums.append(v) }
        }
        let asc = r.chance(0.7)
        let list = nums.map(String.init).joined(separator: ", ")
        let q: String
        if zh {
            q = "把这些数\(asc ? "从小到大" : "从大到小")排序: \(list)。"
        } else if asc {
            q = r.pick(["Sort these numbers from smallest to largest: \(list).",
                        "Put these numbers in increasing order: \(list).", "Sort in ascending order: \(list)."])
        } else {
            q = r.pick(["Sort these numbers from largest to smallest: \(list).",
                        "Put these numbers in decreasing order: \(list).", "Sort in descending order: \(list)."])
        }
        let sorted = asc ? nums.sorted() : nums.sorted(by: >)
        return Problem(question: q, answer: sorted.map(String.init).joined(separator: ", "),
                       key: "sort:\(nums.map(String.init).joined(separator: ",")):\(asc ? "True" : "False")")
    }

    static func word(_ r: inout TaskRandom, _ zh: Bool) -> Problem {
        let kind = r.pick(["add", "sub", "mul"])
        let name: String, item: String, unit: String
        if zh {
            name = r.pick(["小明", "小红", "小刚", "小丽"])
            (unit, item) = r.pick([("个", "苹果"), ("本", "书"), ("支", "铅笔"), ("张", "卡片")])
        } else {
            name = r.pick(["Tom", "Anna", "Ben", "Lily", "Sam", "Mia", "Leo", "Emma", "Max", "Zoe"])
            item = r.pick(["apples", "marbles", "stickers", "books", "coins", "pencils", "cards", "stamps", "shells", "candies"])
            unit = ""
        }
        let q: String, value: Int
        switch kind {
        case "add":
            let a = r.number(2, 4), b = r.number(2, 4)
            value = a + b
            q = zh ? "\(name)有 \(a) \(unit)\(item),又买了 \(b) \(unit)。现在一共有多少\(unit)\(item)?"
                : r.pick(["\(name) has \(a) \(item). \(name) gets \(b) more. How many \(item) does \(name) have now?",
                          "\(name) had \(a) \(item) and found \(b) more. How many \(item) are there in total?"])
        case "sub":
            var a = r.number(2, 4), b = r.number(2, 4)
            if a < b { swap(&a, &b) }
            if a == b { a += 1 }
            value = a - b
            q = zh ? "\(name)有 \(a) \(unit)\(item),送给朋友 \(b) \(unit)。还剩多少\(unit)\(item)?"
                : r.pick(["\(name) has \(a) \(item) and gives \(b) to a friend. How many \(item) are left?",
                          "\(name) had \(a) \(item) and lost \(b). How many \(item) does \(name) have left?"])
        default:
            let a = r.number(2, 3), m = r.int(2, 9)
            value = a * m
            q = zh ? "每个盒子里有 \(a) \(unit)\(item),一共有 \(m) 个盒子。一共有多少\(unit)\(item)?"
                : r.pick(["There are \(m) boxes with \(a) \(item) in each box. How many \(item) are there in total?",
                          "\(name) buys \(m) packs of \(item). Each pack has \(a) \(item). How many \(item) does \(name) buy?"])
        }
        return Problem(question: q, answer: String(value), key: "word:\(q)")
    }

    static func pow10(_ n: Int) -> Int { (0..<n).reduce(1) { acc, _ in acc * 10 } }

    static let words: [String] = {
        let all = """
        strawberry banana apple orange grape cherry lemon mango peach pear melon papaya raspberry blueberry
        coconut pineapple tomato potato carrot onion garlic pepper cabbage lettuce broccoli spinach
        mississippi bookkeeper committee balloon address coffee letter little success tomorrow
        butterfly elephant giraffe kangaroo alligator crocodile rabbit squirrel hippopotamus penguin parrot
        chocolate vanilla caramel cinnamon sugar butter cookie biscuit pizza spaghetti noodle
        computer keyboard program function variable library network internet algorithm
        mountain river ocean forest desert island valley volcano waterfall rainbow thunder
        banana bottle kettle pepperoni assessment possession embarrass occurrence accommodate
        teacher student school pencil notebook eraser scissors umbrella blanket pillow window
        summer winter autumn spring morning evening yesterday afternoon weekend
        happiness sadness goodness darkness kindness seventeen thirteen eleven hundred million
        abracadabra bubble puzzle jazz pizzazz zigzag razzle dazzle fizz
        engineer mirror terror error horror barrel carrot arrow sorrow borrow
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        var seen: Set<String> = []
        return all.filter { seen.insert($0).inserted }
    }()
}

/// SplitMix64 with the few draws the task families need (stable across Swift versions).
struct TaskRandom {
    var g: SplitMix64
    init(seed: UInt64) { g = SplitMix64(seed: seed) }
    /// Uniform in lo...hi.
    mutating func int(_ lo: Int, _ hi: Int) -> Int { lo + Int(g.next() % UInt64(hi - lo + 1)) }
    mutating func chance(_ p: Double) -> Bool { g.unitDouble() < p }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(0, xs.count - 1)] }
    /// A number with lo...hi digits (one digit: 0...9), as tasks.py's _rand_num.
    mutating func number(_ lo: Int, _ hi: Int) -> Int {
        let n = int(lo, hi)
        return int(n > 1 ? BuiltinTasks.pow10(n - 1) : 0, BuiltinTasks.pow10(n) - 1)
    }
}
