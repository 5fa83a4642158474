using SelfImprove.Testing;

namespace SelfImprove.Storage.Tests;

public sealed class ListingDigestTests : IDisposable
{
    private const string Family = "agents/a/items/";
    private readonly TempDirectory folder = new();
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly LocalArtifactStore store;
    private int listings;

    public ListingDigestTests() => store = new LocalArtifactStore(folder.Path);

    public void Dispose() => folder.Dispose();

    private ListingDigest<Names> Digest() => new(store, "agents/a/items-changed.json", "agents/a/items-digest.json", clock, TimeSpan.FromHours(1));

    /// <summary>What a reader computes: the family's names, by listing it (counted).</summary>
    private async Task<Names> ListAsync(Names? stale, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref listings);
        return new Names(await store.ListAsync(Family, cancellationToken));
    }

    private async Task AddAsync(string item)
    {
        await store.TryCreateAsync(Family + item, "{}"u8.ToArray());
        await Digest().MarkChangedAsync();
    }

    [Fact]
    public async Task Readers_list_once_and_then_read_the_digest_until_a_writer_marks_a_change()
    {
        await AddAsync("1");
        Assert.Equal(["agents/a/items/1"], (await Digest().GetAsync(ListAsync)).Items);
        Assert.Equal(["agents/a/items/1"], (await Digest().GetAsync(ListAsync)).Items);
        Assert.Equal(1, listings);

        await AddAsync("2");
        Assert.Equal(["agents/a/items/1", "agents/a/items/2"], (await Digest().GetAsync(ListAsync)).Items);
        Assert.Equal(["agents/a/items/1", "agents/a/items/2"], (await Digest().GetAsync(ListAsync)).Items);
        Assert.Equal(2, listings);
    }

    [Fact]
    public async Task A_write_that_lands_while_a_reader_lists_is_seen_by_the_next_reader()
    {
        await AddAsync("1");
        // The reader read the mark before listing; the write lands (item, then mark) between its mark and its listing.
        var first = await Digest().GetAsync(async (stale, ct) =>
        {
            var names = await ListAsync(stale, ct);
            await AddAsync("2");
            return names;
        });
        Assert.Equal(["agents/a/items/1"], first.Items);

        Assert.Equal(["agents/a/items/1", "agents/a/items/2"], (await Digest().GetAsync(ListAsync)).Items);
        Assert.Equal(2, listings);
    }

    [Fact]
    public async Task An_unmarked_write_is_seen_once_the_digest_is_older_than_its_maximum_age()
    {
        await AddAsync("1");
        await Digest().GetAsync(ListAsync);
        // A writer that died between its item and its mark.
        await store.TryCreateAsync(Family + "2", "{}"u8.ToArray());

        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(["agents/a/items/1"], (await Digest().GetAsync(ListAsync)).Items);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(["agents/a/items/1", "agents/a/items/2"], (await Digest().GetAsync(ListAsync)).Items);
        Assert.Equal(2, listings);
    }

    [Fact]
    public async Task A_digest_that_does_not_answer_the_call_an_unreadable_one_or_a_deleted_one_is_computed_again_from_the_stale_one()
    {
        await AddAsync("1");
        await Digest().GetAsync(ListAsync);

        Names? given = null;
        await Digest().GetAsync((stale, ct) => { given = stale; return ListAsync(stale, ct); }, holds: d => d.Items.Count >= 2);
        Assert.Equal(["agents/a/items/1"], given!.Items);

        await store.WriteAsync("agents/a/items-digest.json", "not json"u8.ToArray());
        await Digest().GetAsync(ListAsync);
        await Digest().DeleteAsync();
        await Digest().GetAsync(ListAsync);
        Assert.Equal(4, listings);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ListingDigest<Names>(store, "c", "d", clock, TimeSpan.Zero));
    }

    [Fact]
    public async Task A_family_no_writer_ever_marked_is_listed_once_and_then_read_from_its_digest()
    {
        // Items written before change marks existed.
        await store.TryCreateAsync(Family + "1", "{}"u8.ToArray());
        Assert.Equal(["agents/a/items/1"], (await Digest().GetAsync(ListAsync)).Items);
        Assert.Equal(["agents/a/items/1"], (await Digest().GetAsync(ListAsync)).Items);
        Assert.Equal(1, listings);
    }

    public sealed record Names(IReadOnlyList<string> Items);
}
