using SelfImprove.Testing;

namespace SelfImprove.Cli.Tests.Commands;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task A_valid_manifest_exits_0()
    {
        var result = await CliRunner.RunAsync("validate", RepositoryPaths.SupportRouterManifest);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("valid", result.Output);
        Assert.Contains("32 intents", result.Output);
    }

    [Fact]
    public async Task An_invalid_manifest_exits_2_and_lists_each_problem_with_its_path()
    {
        var path = ManifestFiles.WriteSupportRouter(folder, m =>
        {
            m["goal"]!["target"] = 1.4;
            m["deployment"]!["candidateShare"] = 0;
        });

        var result = await CliRunner.RunAsync("validate", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{path}: $.goal.target: must be a fraction between 0 and 1; got 1.4.", result.Error);
        Assert.Contains("$.deployment.candidateShare", result.Error);
        // The target also leaves the acceptable range's maximum (1.0) below it.
        Assert.Contains("$.goal.acceptableRange.max", result.Error);
        Assert.Contains("3 problem(s)", result.Error);
    }

    [Theory]
    [InlineData("{\"target\":\"gpu\",\"deviceId\":2}", "inline, in the process that runs the improvement run, embedding on CUDA device 2", "write \"target\": \"inline\", \"gpu\": true")]
    [InlineData("{\"target\":\"local\"}", "inline, in the process that runs the improvement run, embedding on the CPU", "write \"target\": \"inline\"")]
    [InlineData("{\"target\":\"worker\",\"timeout\":\"00:45:00\"}", "as a job on the training queue, taken by 'selfimprove train-worker' processes, embedding on the CPU; deadline 00:45:00", null)]
    [InlineData("{\"target\":\"azure-container-apps-job\",\"gpu\":true}", "run by the worker image Azure starts per job (Container Apps job), embedding on CUDA device 0 (stops with an error", null)]
    public async Task Validate_explains_where_training_runs_and_names_the_value_to_write_for_an_alias(string compute, string explained, string? advice)
    {
        var path = ManifestFiles.WriteSupportRouter(folder, m => m["training"]!["compute"] = System.Text.Json.Nodes.JsonNode.Parse(compute));

        var result = await CliRunner.RunAsync("validate", path);

        Assert.Equal(0, result.ExitCode);
        var training = Assert.Single(result.Output.Split('\n'), l => l.StartsWith("training: ", StringComparison.Ordinal));
        Assert.Contains(explained, training);
        if (advice is null)
        {
            Assert.DoesNotContain("note:", result.Output);
            return;
        }
        Assert.Contains($"note: {path}: $.training.compute.target: ", result.Output);
        Assert.Contains(advice, result.Output);
    }

    [Fact]
    public async Task A_missing_file_exits_2()
    {
        var result = await CliRunner.RunAsync("validate", folder.Combine("nope.agent.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("file not found", result.Error);
    }

    [Fact]
    public async Task Unknown_options_exit_2_with_usage_hint()
    {
        var result = await CliRunner.RunAsync("train", "--manifets", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("selfimprove --help", result.Error);
    }
}
