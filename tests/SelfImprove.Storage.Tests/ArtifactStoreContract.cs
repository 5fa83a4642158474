using System.Text;
using SelfImprove.Core.Ports;
using SelfImprove.Testing;

namespace SelfImprove.Storage.Tests;

/// <summary>The behaviour every artefact store promises; run against the folder store and against Blob Storage (Azurite).</summary>
public abstract class ArtifactStoreContract
{
    protected abstract IArtifactStore store { get; }

    [Fact]
    public async Task Create_only_if_absent_keeps_the_first_content()
    {
        Assert.True(await store.TryCreateAsync("agents/a/lock", "first"u8.ToArray()));
        Assert.False(await store.TryCreateAsync("agents/a/lock", "second"u8.ToArray()));

        Assert.Equal("first", Encoding.UTF8.GetString((await store.ReadAsync("agents/a/lock"))!));
    }

    [Fact]
    public async Task Of_many_concurrent_creators_exactly_one_wins()
    {
        // Many rounds: a race that is lost once in a while must show here, not in production.
        for (var round = 0; round < 50; round++)
        {
            var attempts = Enumerable.Range(0, 16).Select(i => Task.Run(() => store.TryCreateAsync($"race/blob-{round}", new[] { (byte)i })));

            var results = await Task.WhenAll(attempts);

            Assert.True(results.Count(created => created) == 1, $"round {round}: {results.Count(created => created)} creators won");
        }
    }

    [Fact]
    public async Task Write_replaces_read_returns_null_when_absent_and_list_filters_by_prefix()
    {
        await store.WriteAsync("agents/a/serving.json", "1"u8.ToArray());
        await store.WriteAsync("agents/a/serving.json", "2"u8.ToArray());
        await store.WriteAsync("agents/b/serving.json", "3"u8.ToArray());

        Assert.Equal("2", Encoding.UTF8.GetString((await store.ReadAsync("agents/a/serving.json"))!));
        Assert.Null(await store.ReadAsync("agents/c/serving.json"));
        Assert.Equal(["agents/a/serving.json"], await store.ListAsync("agents/a/"));
        Assert.True(await store.DeleteAsync("agents/a/serving.json"));
        Assert.False(await store.DeleteAsync("agents/a/serving.json"));
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("/etc/passwd")]
    [InlineData("agents//a")]
    [InlineData("agents/a b")]
    public async Task Names_that_could_escape_the_folder_are_refused(string name)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync(name, "x"u8.ToArray()));
        Assert.Contains(name, error.Message);
    }
}

public sealed class LocalArtifactStoreTests : ArtifactStoreContract, IDisposable
{
    private readonly TempDirectory folder = new();
    private readonly LocalArtifactStore local;

    public LocalArtifactStoreTests() => local = new LocalArtifactStore(folder.Path);

    protected override IArtifactStore store => local;

    public void Dispose() => folder.Dispose();
}
