import ArgumentParser

@main
struct ThinkScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thinkscope",
        abstract: "Look inside reasoning models: thinking and answer streams, budgets, expert routing.",
        subcommands: [RunCommand.self, InfoCommand.self, TokenizeCommand.self, LogitsCommand.self, BenchCommand.self,
                      RandomModelCommand.self]
    )
}
