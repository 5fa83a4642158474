using System.CommandLine;

namespace SelfImprove.Cli.Commands;

/// <summary>
/// Where the API key comes from: <c>--key-file</c> (its first line) or <c>$SELFIMPROVE_API_KEY</c>, which other
/// users of the machine cannot see, or <c>--key</c>, which shows in the process list.
/// </summary>
public static class ApiKeyOptions
{
    /// <summary>What <c>--help</c> says about choosing between them.</summary>
    public const string Advice = $"Prefer --key-file or ${ServeCommand.KeyEnvironmentVariable}: --key shows in the process list.";

    /// <summary>The <c>--key</c> option.</summary>
    public static Option<string?> Key(string what) => new("--key") { Description = $"{what} {Advice}" };

    /// <summary>The <c>--key-file</c> option: a file whose first line (trimmed) is the key.</summary>
    public static Option<FileInfo?> KeyFile() => new("--key-file") { Description = "File whose first line is the API key (e.g. a mounted secret)." };

    /// <summary><c>--key</c>, else the first line of <c>--key-file</c>, else <c>$SELFIMPROVE_API_KEY</c>; null when none is given.</summary>
    /// <exception cref="ArgumentException">Both options are given, or the file is missing, unreadable or has an empty first line.</exception>
    public static string? Resolve(string? key, FileInfo? keyFile)
    {
        if (key is not null && keyFile is not null) throw new ArgumentException("--key and --key-file: give one of them (--key-file keeps the key out of the process list).");
        if (key is not null) return key;
        if (keyFile is null) return Environment.GetEnvironmentVariable(ServeCommand.KeyEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        if (!keyFile.Exists) throw new ArgumentException($"--key-file: {keyFile.FullName} does not exist.");
        string? first;
        try
        {
            using var reader = keyFile.OpenText();
            first = reader.ReadLine()?.Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--key-file: {keyFile.FullName} cannot be read ({e.Message}).");
        }
        return string.IsNullOrEmpty(first) ? throw new ArgumentException($"--key-file: {keyFile.FullName} is empty; put the key on its first line.") : first;
    }
}
