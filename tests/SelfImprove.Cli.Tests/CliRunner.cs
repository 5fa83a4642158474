namespace SelfImprove.Cli.Tests;

/// <summary>Runs the command line in-process and captures what a person would see.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Task<Result> RunAsync(params string[] args) => RunWithInputAsync("", args);

    /// <summary>Runs the command with <paramref name="input"/> as what a person types at the terminal.</summary>
    public static async Task<Result> RunWithInputAsync(string input, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await SelfImproveCli.RunAsync(args, output, error, new StringReader(input));
        return new Result(code, output.ToString(), error.ToString());
    }
}
