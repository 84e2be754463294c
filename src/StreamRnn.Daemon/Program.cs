using StreamRnn.Daemon.Commands;

return await DaemonCommandLine.Create().InvokeAsync(args, Console.Out, Console.Error);
