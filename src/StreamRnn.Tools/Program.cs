using StreamRnn.Tools.Commands;

return await ToolsCommandLine.Create().InvokeAsync(args, Console.Out, Console.Error);
