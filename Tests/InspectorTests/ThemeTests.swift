import Foundation
@testable import Inspector
import Testing

@Suite struct ThemeTests {
    static let themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../themes").standardized.path

    func parse(_ yaml: String) throws(ThemeError) -> Theme { try ThemeLoader.parse(yaml, file: "themes/t.yaml") }

    func error(_ yaml: String) -> ThemeError? {
        do {
            _ = try parse(yaml)
            return nil
        } catch {
            return error
        }
    }

    static func palette(_ replace: [String: String] = [:], drop: String? = nil, indent: String = "  ") -> String {
        let base = ["161821", "1f2230", "2c3042", "5a6078", "9aa3bd", "d4d9e6", "e6eaf2", "f5f7fb",
                    "f0717a", "f5a25d", "f2d072", "8fd18a", "6fd3d8", "7aa9f5", "c79af2", "c28a6b"]
        return base.enumerated().compactMap { i, v in
            let key = "base0" + String(i, radix: 16, uppercase: true)
            if key == drop { return nil }
            return "\(indent)\(key): \"\(replace[key] ?? v)\""
        }.joined(separator: "\n")
    }

    @Test(arguments: ["thinkscope-dark", "thinkscope-light", "high-contrast"])
    func shippedThemesLoad(name: String) throws {
        let t = try ThemeLibrary(directories: [Self.themes]).resolve(name)
        #expect(t.palette.count == 16)
        if name == "high-contrast" {
            #expect(t.colorSet == .ansi16)
            // Every colour is exactly one of the 16 ANSI colours.
            #expect(t.palette.allSatisfy { c in Palette.ansi16.contains(c) })
        }
        if name == "thinkscope-light" { #expect(t.variant == .light) }
    }

    @Test func theCurrentFormat() throws {
        let t = try parse("system: \"base16\"\nname: \"Test\"\nauthor: \"me\"\nvariant: \"dark\"\npalette:\n" + Self.palette())
        #expect(t.name == "Test")
        #expect(t.color(.background) == RGB(hex: "161821"))
        #expect(t.color(.injectedText) == RGB(hex: "f5a25d"))
    }

    @Test func theLegacyFormatAndHashesAndUnquotedValues() throws {
        let t = try parse("scheme: \"Old\"\nauthor: \"x\"\n" + Self.palette(["base00": "#000000"], indent: ""))
        #expect(t.name == "Old")
        #expect(t.palette[0] == RGB(0, 0, 0))
        let unquoted = try parse("palette:\n" + Self.palette().replacingOccurrences(of: "\"", with: ""))
        #expect(unquoted.palette[5] == RGB(hex: "d4d9e6"))
    }

    @Test func base24SchemesUseTheirFirstSixteenColours() throws {
        let t = try parse("system: \"base24\"\nname: \"B24\"\npalette:\n" + Self.palette() + "\n  base10: \"000000\"\n  base17: \"ffffff\"")
        #expect(t.palette.count == 16)
    }

    @Test func aMissingColourNamesTheField() {
        let e = error("palette:\n" + Self.palette(drop: "base0A"))
        #expect(e?.field == "palette.base0A")
        #expect(e?.description.contains("themes/t.yaml") == true)
        #expect(e?.description.contains("missing") == true)
    }

    @Test func aBadColourNamesTheFieldAndTheValue() {
        let e = error("palette:\n" + Self.palette(["base03": "zzz"]))
        #expect(e?.field == "palette.base03")
        #expect(e?.message.contains("\"zzz\"") == true)
        let nested = error("palette:\n" + Self.palette() + "\n  base0F: [1, 2]")
        #expect(nested != nil)
    }

    @Test(arguments: [
        ("", "expected a base16 scheme"),
        ("just text", "expected a base16 scheme"),
        ("- a\n- b", "expected a base16 scheme"),
        ("palette: [1, 2]", "palette"),
        ("name: x", "palette"),
        ("palette:\n  base00: \"000000\n", "not valid YAML"),
        ("{ unclosed", "not valid YAML"),
    ])
    func malformedFilesGiveAMessageNotACrash(yaml: String, expected: String) {
        let e = error(yaml)
        #expect(e != nil)
        #expect(e?.description.contains(expected) == true, "\(String(describing: e))")
    }

    @Test func badThinkScopeSettingsAreReported() {
        #expect(error("variant: \"dim\"\npalette:\n" + Self.palette())?.field == "variant")
        #expect(error("system: \"base99\"\npalette:\n" + Self.palette())?.field == "system")
        #expect(error("thinkscope:\n  colors: 8\npalette:\n" + Self.palette())?.field == "thinkscope.colors")
        #expect(error("thinkscope:\n  heatmap: jet\npalette:\n" + Self.palette())?.field == "thinkscope.heatmap")
    }

    @Test func filesThatCannotBeReadAreReported() throws {
        #expect(throws: ThemeError.self) { try ThemeLoader.load(path: "/nonexistent/theme.yaml") }
        do {
            _ = try ThemeLoader.load(path: NSTemporaryDirectory())
            Issue.record("a directory loaded as a theme")
        } catch {
            #expect(error.message.contains("directory"))
        }
        let binary = NSTemporaryDirectory() + "/theme-\(UUID()).yaml"
        _ = FileManager.default.createFile(atPath: binary, contents: Data([0xFF, 0xFE, 0x00, 0x80]))
        defer { try? FileManager.default.removeItem(atPath: binary) }
        #expect(throws: ThemeError.self) { try ThemeLoader.load(path: binary) }
    }

    @Test func anUnknownThemeNameListsTheAvailableOnes() {
        do {
            _ = try ThemeLibrary(directories: [Self.themes]).resolve("solarised-purple")
            Issue.record("resolved an unknown theme")
        } catch {
            #expect(error.description.contains("thinkscope-dark"))
        }
    }

    @Test func coloursMapToThe256PaletteAndThe16Colours() {
        #expect(Palette.nearest256(RGB(255, 0, 0)) == 196)
        #expect(Palette.nearest256(RGB(128, 128, 128)) == 244)
        #expect(Palette.xterm(Palette.nearest256(RGB(0, 0, 0))) == RGB(0, 0, 0))
        #expect(Palette.nearest16(RGB(250, 250, 250)) == 15)
        #expect(Palette.nearest16(RGB(200, 10, 10)) == 1)
    }

    @Test func colormapsRunDarkToBright() {
        for kind in Colormap.Kind.allCases {
            #expect(Colormap.color(kind, 0).luminance < Colormap.color(kind, 0.5).luminance)
            #expect(Colormap.color(kind, 0.5).luminance < Colormap.color(kind, 1).luminance)
        }
        let bg = RGB(22, 24, 33)
        #expect(Colormap.diverging(0, center: bg) == bg)
        #expect(Colormap.diverging(-1, center: bg) != Colormap.diverging(1, center: bg))
    }
}
