// swift-tools-version:6.0
import PackageDescription

// Hot numeric loops live in the C target and are always compiled with optimisation,
// so debug builds (and `swift test`) stay fast enough for real models.
let kernelFlags: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno", "-Wall"])]

let package = Package(
    name: "ThinkScope",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "thinkscope", targets: ["thinkscope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // The remote backend only (target Remote): swift-nio comes with it.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(name: "CKernels", cSettings: kernelFlags),
        .target(name: "GGUF"),
        .target(name: "Tokenizer", dependencies: ["GGUF"]),
        // Optimised in debug builds too: the forward pass and the generation loop run real models in
        // `swift test` (a probe sweep on the demo model took 2 minutes unoptimised).
        .target(name: "Engine", dependencies: ["GGUF", "CKernels"], swiftSettings: [.unsafeFlags(["-O"])]),
        .target(name: "Reasoning", dependencies: ["Engine", "Tokenizer"], swiftSettings: [.unsafeFlags(["-O"])]),
        .target(name: "EmbeddedModel", resources: [.copy("thinkscope-demo.gguf"), .copy("thinking-markers.json")]),
        .target(name: "ModelFactory", dependencies: ["Engine", "Tokenizer", "GGUF", "CKernels"]),
        // Optimised in debug builds too: the UI must answer keys within 50 ms under `swift run`.
        .target(name: "Inspector", dependencies: ["Reasoning", "Tokenizer", "Engine", .product(name: "Yams", package: "Yams")],
                swiftSettings: [.unsafeFlags(["-O"])]),
        // Models on a server (llama-server, vLLM, SGLang; display-only chat APIs): the generation
        // loop's token source over HTTP. Kept apart
        // so the engine and the inspector build without swift-nio.
        .target(name: "Remote", dependencies: [
            "Reasoning", "Tokenizer", "Engine",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .systemLibrary(name: "CNCurses", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        .target(name: "CursesTerminal", dependencies: ["CNCurses", "Inspector"]),
        .executableTarget(
            name: "thinkscope",
            dependencies: [
                "GGUF", "Tokenizer", "Engine", "Reasoning", "ModelFactory", "EmbeddedModel", "Inspector", "CursesTerminal", "Remote",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CKernelsTests", dependencies: ["CKernels"]),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "ModelFactory", "GGUF", "CKernels"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "GGUF"]),
        .testTarget(name: "ReasoningTests", dependencies: ["Reasoning", "Engine", "Tokenizer", "ModelFactory", "GGUF", "EmbeddedModel"]),
        .testTarget(name: "RemoteTests", dependencies: ["Remote", "Reasoning", "Engine", "Tokenizer", "ModelFactory", "GGUF", "EmbeddedModel"],
                    exclude: ["Recordings"]),
        .testTarget(name: "CLITests", dependencies: ["thinkscope", "GGUF", "ModelFactory", "Tokenizer"]),
        .testTarget(name: "InspectorTests", dependencies: ["Inspector", "Reasoning", "Tokenizer", "Engine", "ModelFactory", "thinkscope"],
                    exclude: ["Snapshots"]),
    ]
)
