import SenderwatchCLI

await SenderwatchCommand.main()
