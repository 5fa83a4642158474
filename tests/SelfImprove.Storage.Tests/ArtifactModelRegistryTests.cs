using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Models;
using SelfImprove.Testing;

namespace SelfImprove.Storage.Tests;

public sealed class ArtifactModelRegistryTests : IDisposable
{
    private readonly TempDirectory folder = new();
    private readonly ArtifactModelRegistry registry;

    public ArtifactModelRegistryTests() => registry = new ArtifactModelRegistry(new LocalArtifactStore(folder.Path), TimeProvider.System);

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task A_version_round_trips_with_its_record_and_artefacts()
    {
        var draft = Draft(parent: null);
        var artifacts = new ModelArtifacts([1, 2, 3], [4, 5]);

        var added = await registry.AddAsync(draft, artifacts);
        var reopened = new ArtifactModelRegistry(new LocalArtifactStore(folder.Path), TimeProvider.System);
        var read = await reopened.GetAsync("support-router", added.VersionId);
        var readArtifacts = await reopened.ReadArtifactsAsync("support-router", added.VersionId);

        Assert.Equal("v1", added.VersionId);
        Assert.NotNull(read);
        Assert.Equal(added.TrainingSet.Hash, read.TrainingSet.Hash);
        Assert.Equal(added.TrainingSet.Provenance, read.TrainingSet.Provenance);
        Assert.Equal(added.Labels, read.Labels);
        Assert.Equal(added.CreatedAt, read.CreatedAt);
        Assert.Equal(0.9, read.Evaluation.Overall.Accuracy);
        Assert.Equal(0.6, read.Evaluation.BySegment["post-drift"].Accuracy);
        Assert.Equal(added.HyperParameters, read.HyperParameters);
        Assert.Equal(artifacts.Onnx, readArtifacts.Onnx);
        Assert.Equal(artifacts.TrainerState, readArtifacts.TrainerState);
    }

    [Fact]
    public async Task Versions_are_numbered_in_order_and_serving_remembers_the_previous()
    {
        var v1 = await registry.AddAsync(Draft(null), new ModelArtifacts([1], [1]));
        var v2 = await registry.AddAsync(Draft(v1.VersionId), new ModelArtifacts([2], [2]));
        for (var i = 0; i < 9; i++) await registry.AddAsync(Draft(v2.VersionId), new ModelArtifacts([3], [3]));

        await registry.SetServingAsync("support-router", v1.VersionId, "initial");
        var serving = await registry.SetServingAsync("support-router", v2.VersionId, "promoted");

        Assert.Equal(Enumerable.Range(1, 11).Select(n => $"v{n}"), (await registry.ListAsync("support-router")).Select(v => v.VersionId));
        Assert.Equal("v1", (await registry.GetAsync("support-router", "v2"))!.ParentVersionId);
        Assert.Equal(new[] { "v2", "v1" }, new[] { serving.VersionId, serving.PreviousVersionId });
        Assert.Equal(serving, await registry.GetServingAsync("support-router"));
    }

    [Fact]
    public async Task Unknown_versions_are_clear_errors()
    {
        Assert.Null(await registry.GetServingAsync("support-router"));
        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => registry.SetServingAsync("support-router", "v7", "x"));
        Assert.Contains("v7", error.Message);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => registry.ReadArtifactsAsync("support-router", "v7"));
    }

    internal static ModelVersion Draft(string? parent)
    {
        var report = new ClassificationReport(10, 0.9, 0.85, 0.4, [new IntentMetrics("a", 1, 0.8, 0.89, 5)], [new ConfusionPair("a", "b", 1)]);
        return new ModelVersion
        {
            AgentId = "support-router",
            VersionId = "",
            ParentVersionId = parent,
            CreatedAt = new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero),
            CreatedBy = "test",
            Trainer = TrainerKind.MiniLmLbfgs,
            Encoder = "all-MiniLM-L6-v2",
            HyperParameters = new HyperParameters { L2 = 0.01 },
            Labels = ["a", "b"],
            TrainingSet = new TrainingSetInfo("sha256:00", 2, new Dictionary<string, int> { ["generator:x"] = 2 }),
            Evaluation = new EvaluationSummary(report, new Dictionary<string, ClassificationReport> { ["post-drift"] = report with { Accuracy = 0.6 } }),
        };
    }
}
