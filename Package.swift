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
    ],
    targets: [
        .target(name: "CKernels", cSettings: kernelFlags),
        .target(name: "GGUF"),
        .target(name: "Tokenizer", dependencies: ["GGUF"]),
        .target(name: "Engine", dependencies: ["GGUF", "CKernels"]),
        .target(name: "Reasoning", dependencies: ["Engine", "Tokenizer"]),
        .target(name: "ModelFactory", dependencies: ["Engine", "Tokenizer", "GGUF", "CKernels"]),
        .executableTarget(
            name: "thinkscope",
            dependencies: [
                "GGUF", "Tokenizer", "Engine", "Reasoning", "ModelFactory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CKernelsTests", dependencies: ["CKernels"]),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "ModelFactory", "GGUF", "CKernels"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "GGUF"]),
        .testTarget(name: "ReasoningTests", dependencies: ["Reasoning", "Engine", "Tokenizer", "ModelFactory", "GGUF"]),
        .testTarget(name: "CLITests", dependencies: ["thinkscope"]),
    ]
)
