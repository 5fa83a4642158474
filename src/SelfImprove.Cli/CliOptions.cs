using System.CommandLine;

namespace SelfImprove.Cli;

/// <summary>Options several commands share.</summary>
public static class CliOptions
{
    public const string StoreEnvironmentVariable = "SELFIMPROVE_STORE";

    public static Option<FileInfo> Manifest() => new("--manifest", "-m")
    {
        Description = "The agent manifest (*.agent.json).",
        Required = true,
    };

    public static Option<DirectoryInfo> Store() => new("--store")
    {
        Description = $"Folder of the local artefact store (model versions, caches). Default: ${StoreEnvironmentVariable}, else ./.selfimprove.",
        DefaultValueFactory = _ => new DirectoryInfo(Environment.GetEnvironmentVariable(StoreEnvironmentVariable) is { Length: > 0 } path ? path : ".selfimprove"),
    };

    public static Option<string?> Version() => new("--version")
    {
        Description = "A model version id (v1, v2, ...). Default: the serving version.",
    };
}
