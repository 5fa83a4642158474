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

    [Fact]
    public async Task A_conditional_delete_removes_only_the_version_that_was_read()
    {
        await store.WriteAsync("agents/a/run.lock", "run-1"u8.ToArray());
        var read = (await store.ReadVersionedAsync("agents/a/run.lock"))!;
        Assert.Equal("run-1", Encoding.UTF8.GetString(read.Content));

        // Another run took the lock in between: the stale delete must leave it alone.
        Assert.True(await store.DeleteAsync("agents/a/run.lock"));
        Assert.True(await store.TryCreateAsync("agents/a/run.lock", "run-2"u8.ToArray()));
        Assert.False(await store.DeleteIfVersionAsync("agents/a/run.lock", read.Version));
        var now = (await store.ReadVersionedAsync("agents/a/run.lock"))!;
        Assert.Equal("run-2", Encoding.UTF8.GetString(now.Content));

        Assert.True(await store.DeleteIfVersionAsync("agents/a/run.lock", now.Version));
        Assert.Null(await store.ReadVersionedAsync("agents/a/run.lock"));
        Assert.False(await store.DeleteIfVersionAsync("agents/a/run.lock", now.Version));
    }

    [Fact]
    public async Task A_blob_written_again_with_the_same_bytes_has_a_new_version()
    {
        await store.WriteAsync("agents/a/run.lock", "same"u8.ToArray());
        var first = (await store.ReadVersionedAsync("agents/a/run.lock"))!;
        await Task.Delay(5);
        await store.WriteAsync("agents/a/run.lock", "same"u8.ToArray());

        Assert.NotEqual(first.Version, (await store.ReadVersionedAsync("agents/a/run.lock"))!.Version);
        Assert.False(await store.DeleteIfVersionAsync("agents/a/run.lock", first.Version));
        Assert.NotNull(await store.ReadAsync("agents/a/run.lock"));
    }

    [Fact]
    public async Task A_conditional_write_replaces_only_the_version_that_was_read()
    {
        await store.WriteAsync("agents/a/claim.json", "1"u8.ToArray());
        var read = (await store.ReadVersionedAsync("agents/a/claim.json"))!;

        var written = await store.WriteIfVersionAsync("agents/a/claim.json", "2"u8.ToArray(), read.Version);
        Assert.NotNull(written);
        Assert.Null(await store.WriteIfVersionAsync("agents/a/claim.json", "3"u8.ToArray(), read.Version));

        var now = (await store.ReadVersionedAsync("agents/a/claim.json"))!;
        Assert.Equal("2", Encoding.UTF8.GetString(now.Content));
        Assert.Equal(written, now.Version);
        Assert.True(await store.DeleteAsync("agents/a/claim.json"));
        Assert.Null(await store.WriteIfVersionAsync("agents/a/claim.json", "4"u8.ToArray(), now.Version));
        Assert.Null(await store.ReadAsync("agents/a/claim.json"));
    }

    [Fact]
    public async Task Of_many_concurrent_conditional_writes_from_one_version_exactly_one_wins()
    {
        for (var round = 0; round < 10; round++)
        {
            var name = $"race/claim-{round}";
            await store.WriteAsync(name, "start"u8.ToArray());
            var read = (await store.ReadVersionedAsync(name))!;

            var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => store.WriteIfVersionAsync(name, new[] { (byte)i }, read.Version))));

            Assert.True(results.Count(v => v is not null) == 1, $"round {round}: {results.Count(v => v is not null)} writers won");
            var winner = Array.FindIndex(results, v => v is not null);
            Assert.Equal([(byte)winner], (await store.ReadAsync(name))!);
        }
    }

    [Fact]
    public async Task A_lock_taken_and_released_by_many_workers_is_never_held_by_two()
    {
        // Each worker takes the lock (create-if-absent), checks it holds it, and releases exactly the version it read.
        var inside = 0;
        var entries = 0;
        async Task WorkerAsync(int id)
        {
            for (var i = 0; i < 10; i++)
            {
                var me = Encoding.UTF8.GetBytes($"worker-{id}-{i}");
                while (!await store.TryCreateAsync("agents/a/run.lock", me)) await Task.Delay(2);
                var held = (await store.ReadVersionedAsync("agents/a/run.lock"))!;
                Assert.Equal(me, held.Content);
                Assert.Equal(1, Interlocked.Increment(ref inside));
                Interlocked.Increment(ref entries);
                Interlocked.Decrement(ref inside);
                Assert.True(await store.DeleteIfVersionAsync("agents/a/run.lock", held.Version));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(id => Task.Run(() => WorkerAsync(id))));

        Assert.Equal(40, entries);
        Assert.Null(await store.ReadAsync("agents/a/run.lock"));
    }

    [Fact]
    public async Task Listing_a_prefix_returns_only_its_names_also_for_a_prefix_that_ends_inside_a_name()
    {
        foreach (var name in new[] { "agents/a/versions/v1/version.json", "agents/a/versions/v2/version.json", "agents/a/serving.json",
                     "agents/ab/versions/v1/version.json", "agents/b/feedback/1.json", "runs/a-1/report.json" })
            await store.WriteAsync(name, "x"u8.ToArray());

        Assert.Equal(["agents/a/versions/v1/version.json", "agents/a/versions/v2/version.json"], await store.ListAsync("agents/a/versions/"));
        Assert.Equal(["agents/a/versions/v1/version.json", "agents/a/versions/v2/version.json"], await store.ListAsync("agents/a/ver"));
        Assert.Equal(["agents/a/serving.json", "agents/a/versions/v1/version.json", "agents/a/versions/v2/version.json",
            "agents/ab/versions/v1/version.json"], await store.ListAsync("agents/a"));
        Assert.Empty(await store.ListAsync("agents/c/"));
        Assert.Equal(6, (await store.ListAsync("")).Count);
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

    [Fact]
    public async Task Two_stores_on_one_folder_like_two_processes_never_both_win_a_conditional_write()
    {
        // Each instance has its own in-process lock, so only the lock files keep them apart (as between two processes).
        var other = new LocalArtifactStore(folder.Path);
        for (var round = 0; round < 20; round++)
        {
            var name = $"race/claim-{round}";
            await local.WriteAsync(name, "start"u8.ToArray());
            var read = (await local.ReadVersionedAsync(name))!;

            var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
                Task.Run(() => (i % 2 == 0 ? local : other).WriteIfVersionAsync(name, new[] { (byte)i }, read.Version))));

            Assert.True(results.Count(v => v is not null) == 1, $"round {round}: {results.Count(v => v is not null)} writers won");
        }
    }

    [Fact]
    public async Task A_prefix_that_climbs_out_of_the_store_is_refused()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => local.ListAsync("../elsewhere/"));
        Assert.Contains("..", error.Message);
    }
}
