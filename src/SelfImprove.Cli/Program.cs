using SelfImprove.Cli;

return await SelfImproveCli.RunAsync(args, Console.Out, Console.Error, Console.In);
