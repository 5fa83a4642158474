using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Cli.Commands;
using SelfImprove.Core.Manifests;
using SelfImprove.Data.Files;

namespace SelfImprove.Cli;

/// <summary>The <c>selfimprove</c> command line: one sub-command per file in <c>Commands/</c>.</summary>
public static class SelfImproveCli
{
    /// <param name="configureServer">Replaces services of the <c>serve</c> command's server (and of <c>train-worker</c>'s worker) after the defaults.</param>
    public static async Task<int> RunAsync(
        string[] args, TextWriter output, TextWriter error, TextReader? input = null, Action<IServiceCollection>? configureServer = null)
    {
        var root = new RootCommand("SelfImprove: an agent that watches its own performance and improves its model, safely.")
        {
            ValidateCommand.Create(output, error),
            TrainCommand.Create(output, error),
            PredictCommand.Create(output, error),
            EvaluateCommand.Create(output, error),
            VersionsCommand.Create(output, error),
            DemoCommand.Create(output, error, input ?? Console.In),
            ServeCommand.Create(output, error, configureServer),
            TrainWorkerCommand.Create(output, error, configureServer),
        };
        foreach (var remote in RemoteCommands.Create(output, error)) root.Subcommands.Add(remote);
        root.Subcommands.Add(LabelCommand.Create(output, error, input ?? Console.In));
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors) await error.WriteLineAsync(parseError.Message);
            await error.WriteLineAsync("Run 'selfimprove --help' for usage.");
            return ExitCodes.InvalidInput;
        }
        try
        {
            // Signals are not the parser's: `serve` stops itself in order on SIGTERM and Ctrl+C (ProcessSignals), which
            // may take longer than the parser would wait before ending the process; other commands end at once.
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null,
            });
        }
        catch (ManifestValidationException ex)
        {
            await error.WriteLineAsync($"The manifest cannot be used. {ex.Message}");
            return ExitCodes.InvalidInput;
        }
        catch (Exception ex) when (ex is DataFileException or InvalidDataException or KeyNotFoundException)
        {
            await error.WriteLineAsync(ex.Message);
            return ExitCodes.InvalidInput;
        }
        catch (InvalidOperationException ex)
        {
            // The input was fine but the agent is not in a state to do this (e.g. nothing trained yet).
            await error.WriteLineAsync(ex.Message);
            return ExitCodes.Failed;
        }
    }
}
