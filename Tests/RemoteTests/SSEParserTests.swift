@testable import Remote
import Testing

@Suite struct SSEParserTests {
    @Test func eventsEndAtABlankLine() {
        var p = SSEParser()
        #expect(p.feed(Array("data: {\"a\":1}\n\ndata: {\"b\":2}\n".utf8)) == ["{\"a\":1}"])
        #expect(p.feed(Array("\n".utf8)) == ["{\"b\":2}"])
    }

    @Test func pingsAndOtherFieldsAreSkipped() {
        var p = SSEParser()
        #expect(p.feed(Array(":\n\nevent: x\nid: 3\nretry: 10\ndata: y\n\n".utf8)) == ["y"])
    }

    @Test func crlfAndSplitChunksAndMultiLineData() {
        var p = SSEParser()
        var out: [String] = []
        for piece in ["da", "ta: one\r", "\ndata:two\r\n", "\r\n"] { out += p.feed(Array(piece.utf8)) }
        #expect(out == ["one\ntwo"])
    }

    @Test func aLastEventWithoutItsBlankLineStillCounts() {
        var p = SSEParser()
        #expect(p.feed(Array("data: [DONE]".utf8)).isEmpty)
        #expect(p.finish() == "[DONE]")
        #expect(p.finish() == nil)
    }
}
