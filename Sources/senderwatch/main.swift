import SenderwatchCLI

await SenderwatchCommand.runAndExit()
