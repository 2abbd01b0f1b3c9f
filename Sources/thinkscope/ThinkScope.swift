import ArgumentParser

@main
struct ThinkScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thinkscope",
        abstract: "Look inside reasoning models: thinking and answer streams, budgets, expert routing.",
        subcommands: [TUICommand.self, RunCommand.self, InfoCommand.self, TokenizeCommand.self, LogitsCommand.self, BenchCommand.self,
                      SweepCommand.self, RandomModelCommand.self, ReplayCommand.self, ProbeCommand.self,
                      AnchorsCommand.self, BranchCommand.self, UIBenchCommand.self],
        defaultSubcommand: TUICommand.self
    )
}
