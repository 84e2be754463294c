using StreamRnn.Daemon.CommandLine;
using StreamRnn.Daemon.Commands;

try
{
    var command = CommandLineParser.Parse(args);
    if (command.HelpRequested || command.Command is null)
    {
        Console.Out.Write(command.Command is null ? UsageText.General() : UsageText.For(command.Command));
        return ExitCodes.Success;
    }

    return command.Command.Verb switch
    {
        CommandVerb.Run => await RunCommand.ExecuteAsync(command, Console.Error),
        CommandVerb.Broker => await BrokerCommand.ExecuteAsync(command, Console.Out, Console.Error),
        CommandVerb.Replay => await ReplayCommand.ExecuteAsync(command, Console.Out, Console.Error),
        CommandVerb.Train => TrainCommand.Execute(command, Console.Out, Console.Error),
        _ => BacktestCommand.Execute(command, Console.Out, Console.Error),
    };
}
catch (CommandLineException exception)
{
    Console.Error.WriteLine($"streamrnn: {exception.Message}");
    return ExitCodes.Usage;
}
catch (Exception exception)
{
    // Anything else is a run-time failure (port in use, broker not reachable…): one clear line, then the details.
    Console.Error.WriteLine($"streamrnn: failed: {exception.Message}");
    Console.Error.WriteLine(exception);
    return ExitCodes.Failure;
}
