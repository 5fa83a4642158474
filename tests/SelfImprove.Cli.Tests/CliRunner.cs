namespace SelfImprove.Cli.Tests;

/// <summary>Runs the command line in-process and captures what a person would see.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await SelfImproveCli.RunAsync(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }
}
