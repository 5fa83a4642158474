using SelfImprove.Cli.Commands;
using SelfImprove.Testing;

namespace SelfImprove.Cli.Tests.Commands;

/// <summary><c>selfimprove train-worker</c>'s options: documented with their environment variables, refused with the fix before storage is touched.</summary>
public sealed class TrainWorkerCommandTests
{
    [Fact]
    public async Task Help_lists_every_option_with_its_environment_variable()
    {
        var result = await CliRunner.RunAsync("train-worker", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var (option, variable) in TrainWorkerCommand.Variables)
        {
            Assert.Contains(option, result.Output);
            Assert.Contains(variable, result.Output);
        }
        Assert.Contains("Default: training-jobs", result.Output);
    }

    [Theory]
    [InlineData("--queue", "Training_Jobs", "--queue: 'Training_Jobs' is not a valid Azure Storage queue name")]
    [InlineData("--heartbeat-every", "10m", "shorter than the visibility")]
    [InlineData("--max-deliveries", "many", "--max-deliveries: 'many' is not a whole number")]
    [InlineData("--agents", "no-such-folder", "--agents: folder")]
    public async Task A_bad_option_exits_2_naming_it(string option, string value, string message)
    {
        string[] args = option == "--agents" ? ["train-worker", option, value] : ["train-worker", option, value, "--agents", RepositoryPaths.Workflows];

        var result = await CliRunner.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
    }
}
