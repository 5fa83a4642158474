using SelfImprove.Core.Models;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Cli.Tests.Commands;

/// <summary>train → versions → predict → evaluate, as a person runs them, on a small generated data set.</summary>
public sealed class ModelCommandsTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Train_then_predict_evaluate_and_list_versions()
    {
        var manifest = ManifestFiles.WriteSupportRouter(folder, m => ManifestFiles.UseSmallData(m));
        var store = folder.Combine("store");

        var train = await CliRunner.RunAsync("train", "--manifest", manifest, "--store", store);
        var versions = await CliRunner.RunAsync("versions", "--manifest", manifest, "--store", store);
        var predict = await CliRunner.RunAsync("predict", "--manifest", manifest, "--store", store, "I lost my debit card on the train");
        var evaluate = await CliRunner.RunAsync("evaluate", "--manifest", manifest, "--store", store, "--version", "v1");

        Assert.Equal(0, train.ExitCode);
        Assert.Contains("Trained support-router/v1", train.Output);
        Assert.Contains("pre-drift", train.Output);
        Assert.Contains("post-drift", train.Output);

        Assert.Equal(0, versions.ExitCode);
        Assert.Matches(@"\*\s+v1\s+serving\s+-", versions.Output);

        Assert.Equal(0, predict.ExitCode);
        Assert.Matches(@"card_lost_or_stolen\s+0\.\d+\s+0\.\d+\s+verify_identity\s+v1\s+\d{8}T\d{13}-[0-9a-f]{16}", predict.Output);
        // The answer is in the agent's traffic log in the store, like every answer the agent gives.
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(store, "agents", "support-router", "traffic"), "*.jsonl", SearchOption.AllDirectories));

        Assert.Equal(0, evaluate.ExitCode);
        Assert.Contains("version v1", evaluate.Output);
        Assert.Matches(@"post-drift\s+192\s+0\.\d+", evaluate.Output);
        Assert.Contains("taken for", evaluate.Output);

        // A run's candidate, and one of a run that was terminated: versions tells them apart.
        var registry = new ArtifactModelRegistry(new LocalArtifactStore(store), TimeProvider.System);
        var abandoned = await registry.AddAsync(TestVersions.Draft("v1", createdBy: "support-router-1/attempt-1"), new ModelArtifacts([1], [1]));
        await registry.AddAsync(TestVersions.Draft("v1", createdBy: "support-router-2/attempt-1"), new ModelArtifacts([1], [1]));
        await registry.MarkAbandonedAsync("support-router", abandoned.VersionId,
            new VersionAbandonment("support-router-1", "run support-router-1 was terminated: wrong data", DateTimeOffset.UtcNow));

        var listed = await CliRunner.RunAsync("versions", "--manifest", manifest, "--store", store);

        Assert.Equal(0, listed.ExitCode);
        Assert.Matches(@"\*\s+v1\s+serving\s+-", listed.Output);
        Assert.Matches(@"v2\s+abandoned\s+v1\s+.*support-router-1/attempt-1", listed.Output);
        Assert.Matches(@"v3\s+candidate\s+v1\s+.*support-router-2/attempt-1", listed.Output);
        Assert.Matches(@"v2 abandoned .* UTC: run support-router-1 was terminated: wrong data", listed.Output);
    }

    [Fact]
    public async Task Predict_before_any_training_says_what_to_do()
    {
        var manifest = ManifestFiles.WriteSupportRouter(folder, m => ManifestFiles.UseSmallData(m));

        var result = await CliRunner.RunAsync("predict", "--manifest", manifest, "--store", folder.Combine("store"), "hello");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("selfimprove train", result.Error);
    }

    [Fact]
    public async Task An_unknown_version_is_invalid_input()
    {
        var manifest = ManifestFiles.WriteSupportRouter(folder, m => ManifestFiles.UseSmallData(m));

        var result = await CliRunner.RunAsync("evaluate", "--manifest", manifest, "--store", folder.Combine("store"), "--version", "v42");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("v42", result.Error);
    }
}
