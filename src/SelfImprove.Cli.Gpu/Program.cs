using SelfImprove.Cli;
using SelfImprove.Cli.Gpu;

// The selfimprove CLI with CUDA: every command of src/SelfImprove.Cli, plus the embedding-speed probe bench/gpu-check.sh runs.
return args is [EmbeddingSpeedCommand.Name, .. var rest]
    ? EmbeddingSpeedCommand.Run(rest, Console.Out, Console.Error)
    : await SelfImproveCli.RunAsync(args, Console.Out, Console.Error, Console.In);
