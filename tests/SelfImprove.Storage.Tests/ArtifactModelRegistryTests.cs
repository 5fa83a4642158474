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

    [Fact]
    public async Task Versions_are_listed_as_serving_retired_candidate_or_abandoned_with_the_reason()
    {
        var v1 = await registry.AddAsync(Draft(null), new ModelArtifacts([1], [1]));
        await registry.SetServingAsync("support-router", v1.VersionId, "initial");
        var v2 = await registry.AddAsync(Draft(v1.VersionId), new ModelArtifacts([2], [2]));
        await registry.SetServingAsync("support-router", v2.VersionId, "promoted");
        var v3 = await registry.AddAsync(Draft(v2.VersionId), new ModelArtifacts([3], [3]));
        var v4 = await registry.AddAsync(Draft(v2.VersionId), new ModelArtifacts([4], [4]));
        var at = new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

        Assert.True(await registry.MarkAbandonedAsync("support-router", v4.VersionId, new VersionAbandonment("support-router-2", "run support-router-2 was terminated: wrong data", at)));
        Assert.True(await registry.MarkAbandonedAsync("support-router", v4.VersionId, new VersionAbandonment(null, "a later reason", at.AddHours(1))));
        Assert.False(await registry.MarkAbandonedAsync("support-router", v2.VersionId, new VersionAbandonment(null, "serving", at)));
        Assert.False(await registry.MarkAbandonedAsync("support-router", v1.VersionId, new VersionAbandonment(null, "served", at)));

        var listed = await registry.ListWithStatusAsync("support-router");
        Assert.Equal([VersionStatus.Retired, VersionStatus.Serving, VersionStatus.Candidate, VersionStatus.Abandoned], listed.Select(v => v.Status));
        Assert.Equal(["v1", "v2", "v3", "v4"], listed.Select(v => v.Version.VersionId));
        Assert.Equal("run support-router-2 was terminated: wrong data", listed[3].Abandoned!.Reason);
        Assert.Equal(at, listed[3].Abandoned!.At);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => registry.SetServingAsync("support-router", v4.VersionId, "promote"));
        Assert.Contains("abandoned", refused.Message);
        Assert.Equal("v2", (await registry.GetServingAsync("support-router"))!.VersionId);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => registry.MarkAbandonedAsync("support-router", "v9", new VersionAbandonment(null, "x", at)));

        // A rollback makes the version it left retired, not a candidate again.
        await registry.SetServingAsync("support-router", v1.VersionId, "rolled back");
        Assert.Equal(VersionStatus.Retired, (await registry.ListWithStatusAsync("support-router"))[1].Status);
    }

    [Fact]
    public async Task In_a_store_written_before_served_markers_a_version_others_were_trained_from_counts_as_retired()
    {
        var store = new LocalArtifactStore(folder.Path);
        var v1 = await registry.AddAsync(Draft(null), new ModelArtifacts([1], [1]));
        var v2 = await registry.AddAsync(Draft(v1.VersionId), new ModelArtifacts([2], [2]));
        await registry.AddAsync(Draft(v2.VersionId), new ModelArtifacts([3], [3]));
        await store.WriteAsync(StoreLayout.Serving("support-router"),
            StoreJson.Serialize(new ServingState("v3", null, DateTimeOffset.UtcNow, "written by an older version")));

        Assert.Equal([VersionStatus.Retired, VersionStatus.Retired, VersionStatus.Serving],
            (await registry.ListWithStatusAsync("support-router")).Select(v => v.Status));
    }

    internal static ModelVersion Draft(string? parent) => TestVersions.Draft(parent);
}
