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
    [InlineData("--threads", "0", "--threads: '0' is not a whole number between 1 and 1024")]
    [InlineData("--blob-url", "myaccount.blob", "--blob-url: 'myaccount.blob' is not an absolute URL")]
    [InlineData("--blob-url", "https://myaccount.blob.core.windows.net/", "--queue-url: signing in with a token needs the queue service URL")]
    public async Task A_bad_option_exits_2_naming_it(string option, string value, string message)
    {
        string[] args = option == "--agents" ? ["train-worker", option, value] : ["train-worker", option, value, "--agents", RepositoryPaths.Workflows];

        var result = await CliRunner.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
    }

    [Fact]
    public async Task Signing_in_with_a_token_refuses_a_plain_http_url_and_a_client_id_that_is_not_a_guid()
    {
        var result = await CliRunner.RunAsync("train-worker", "--agents", RepositoryPaths.Workflows,
            "--blob-url", "http://myaccount.blob.core.windows.net/", "--queue-url", "https://myaccount.queue.core.windows.net/jobs", "--client-id", "worker");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--blob-url: 'http://myaccount.blob.core.windows.net/' must be https", result.Error);
        Assert.Contains("--queue-url: 'https://myaccount.queue.core.windows.net/jobs' must be the service endpoint alone", result.Error);
        Assert.Contains("--client-id: 'worker' is not a client id", result.Error);
    }
}
