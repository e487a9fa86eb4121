import ArgumentParser

/// The root command. Each subcommand lives in its own file.
public struct SenderwatchCommand: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "senderwatch",
        abstract: "Audit and monitor SPF and DMARC: who may send mail as your domains, and who really does.",
        version: version,
        subcommands: []
    )

    public init() {}
}
