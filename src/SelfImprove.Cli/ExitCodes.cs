namespace SelfImprove.Cli;

/// <summary>Process exit codes; documented in README.md.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command ran but did not succeed (e.g. a run that was not promoted).</summary>
    public const int Failed = 1;

    /// <summary>Bad input: an invalid manifest or data file, an unknown version, a wrong option.</summary>
    public const int InvalidInput = 2;
}
