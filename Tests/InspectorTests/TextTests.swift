@testable import Inspector
import Testing

@Suite struct DisplayWidthTests {
    @Test(arguments: [
        ("a", 1), ("é", 1), ("e\u{301}", 1), ("中", 2), ("한", 2), ("Ａ", 2), ("。", 2),
        ("🍓", 2), ("👍🏽", 2), ("👨‍👩‍👧", 2), ("🇯🇵", 2), ("❤️", 2), ("❤", 1), ("1️⃣", 2),
        ("\u{200B}", 0), ("\u{301}", 0), ("\u{7}", 0), ("␛", 1), ("—", 1), ("…", 1), ("▀", 1),
    ])
    func characterWidths(text: String, width: Int) {
        #expect(DisplayWidth.of(text) == width, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test func stringsAddUp() {
        #expect(DisplayWidth.of("答案是 3 个。🍓") == 15)
        #expect(DisplayWidth.prefix("中文字", columns: 5) == "中文")
    }
}

@Suite struct PaneTextTests {
    func wrap(_ text: String, _ width: Int) -> [String] {
        var p = PaneText(width: width)
        p.append(text, kind: .answer)
        return p.lines
    }

    @Test func wordsWrapAtSpaces() {
        #expect(wrap("the quick brown fox jumps", 10) == ["the quick ", "brown fox ", "jumps"])
    }

    @Test func longWordsAreCut() {
        #expect(wrap("abcdefghijkl", 5) == ["abcde", "fghij", "kl"])
    }

    @Test func newlinesBreakLines() {
        #expect(wrap("a\n\nb", 10) == ["a", "", "b"])
    }

    @Test func wideCharactersTakeTwoColumnsAndBreakAnywhere() {
        #expect(wrap("中文字符测试", 5) == ["中文", "字符", "测试"])
        #expect(wrap("ab中文", 5) == ["ab中", "文"])
        #expect(wrap("🍓🍓🍓", 4) == ["🍓🍓", "🍓"])
    }

    @Test func linesNeverExceedTheWidth() {
        let text = "Mixed 中文 and emoji 🎉🎉 with longwordsthatdonotfit and spaces   here.\nNext 한국어 line."
        for width in 1...30 {
            var p = PaneText(width: width)
            p.append(text, kind: .answer)
            for i in 0..<p.lineCount {
                let w = p.glyphs[p.line(i)].reduce(0) { $0 + Int($1.width) }
                #expect(w <= max(width, 2), "width \(width) line \(i): \(p.lines[i])")
            }
            // Nothing is lost: every visible character appears once.
            #expect(p.lines.joined().filter { $0 != " " } == text.filter { $0 != " " && $0 != "\n" })
        }
    }

    @Test func streamingAppendsGiveTheSameLinesAsOneAppend() {
        let text = "Streaming tokens one by one should wrap exactly like the whole text at once, 中文 too."
        var whole = PaneText(width: 17)
        whole.append(text, kind: .thinking)
        var streamed = PaneText(width: 17)
        for ch in text { streamed.append(String(ch), kind: .thinking) }
        #expect(streamed.lines == whole.lines)
        var rewrapped = PaneText(width: 40)
        rewrapped.append(text, kind: .thinking)
        rewrapped.rewrap(width: 17)
        #expect(rewrapped.lines == whole.lines)
    }

    @Test func aCombiningMarkInTheNextTokenJoinsItsLetter() {
        var p = PaneText(width: 10)
        p.append("cafe", kind: .answer, token: 0)
        p.append("\u{301}!", kind: .answer, token: 1)
        #expect(p.lines == ["café!"])
        #expect(p.glyphs.count == 5)
    }

    @Test func controlPicturesAreMarkedEscaped() {
        var p = PaneText(width: 20)
        p.append("a␛[31mb", kind: .answer)
        #expect(p.glyphs[1].kind == .escaped)
        #expect(p.glyphs[0].kind == .answer)
    }

    @Test func tabsBecomeSpaces() {
        #expect(wrap("a\tb", 10) == ["a   b"])
    }
}

@Suite struct LineEditorTests {
    @Test func editingMovesByCharacterIncludingWideOnes() {
        var e = LineEditor()
        e.insert("你好 world")
        e.home()
        e.right()
        e.insert("们")
        #expect(e.text == "你们好 world")
        e.end()
        e.deleteBackward()
        #expect(e.text == "你们好 worl")
        e.wordLeft()
        e.deleteWordBackward()
        #expect(e.text == "worl")
        e.end()
        e.insert(" 🎉")
        e.left()
        e.deleteForward()
        #expect(e.text == "worl ")
        e.deleteToStart()
        #expect(e.text.isEmpty)
    }

    @Test func aCombiningMarkTypedAfterALetterJoinsIt() {
        var e = LineEditor("cafe")
        e.insert("\u{301}")
        #expect(e.characters.count == 4)
        #expect(e.cursor == 4)
    }

    @Test func theViewScrollsToKeepTheCursorVisible() {
        var e = LineEditor(String(repeating: "中", count: 30))
        let v = e.view(columns: 10)
        #expect(DisplayWidth.of(v.text) <= 10)
        #expect(v.cursorColumn <= 9)
        e.home()
        #expect(e.view(columns: 10).cursorColumn == 0)
        #expect(e.view(columns: 10).text.hasPrefix("中"))
    }
}
