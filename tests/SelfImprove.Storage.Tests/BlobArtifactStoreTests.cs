using Azure.Storage.Blobs;
using SelfImprove.Core.Ports;
using SelfImprove.Testing;

namespace SelfImprove.Storage.Tests;

/// <summary>One Azurite for the Blob Storage tests of this assembly.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public Azurite Azurite { get; private set; } = null!;

    public async Task InitializeAsync() => Azurite = await Azurite.StartAsync();

    public async Task DisposeAsync() => await Azurite.DisposeAsync();
}

public sealed class BlobArtifactStoreTests(AzuriteFixture azurite) : ArtifactStoreContract, IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private BlobArtifactStore blobs = null!;

    protected override IArtifactStore store => blobs;

    public async Task InitializeAsync() =>
        blobs = await BlobArtifactStore.OpenAsync(new BlobContainerClient(azurite.Azurite.ConnectionString, $"test-{Guid.NewGuid():N}"));

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_model_registry_runs_on_blob_storage_too()
    {
        var registry = new ArtifactModelRegistry(blobs, TimeProvider.System);
        var version = await registry.AddAsync(ArtifactModelRegistryTests.Draft(null), new Core.Models.ModelArtifacts([1, 2], [3]));
        await registry.SetServingAsync("support-router", version.VersionId, "test");

        Assert.Equal("v1", (await registry.GetServingAsync("support-router"))!.VersionId);
        Assert.Equal([1, 2], (await registry.ReadArtifactsAsync("support-router", "v1")).Onnx);

        var candidate = await registry.AddAsync(ArtifactModelRegistryTests.Draft("v1"), new Core.Models.ModelArtifacts([3], [4]));
        Assert.True(await registry.MarkAbandonedAsync("support-router", candidate.VersionId, new Core.Models.VersionAbandonment("support-router-1", "terminated", DateTimeOffset.UtcNow)));
        Assert.Equal([Core.Models.VersionStatus.Serving, Core.Models.VersionStatus.Abandoned], (await registry.ListWithStatusAsync("support-router")).Select(v => v.Status));
    }

    [Fact]
    public async Task Storage_that_is_down_fails_within_seconds_with_the_address()
    {
        var down = new BlobContainerClient(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;",
            "nothing", new BlobClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(2) } });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => BlobArtifactStore.OpenAsync(down)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("127.0.0.1:9", error.ToString());
    }
}
