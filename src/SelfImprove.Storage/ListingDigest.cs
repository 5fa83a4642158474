using SelfImprove.Core.Ports;

namespace SelfImprove.Storage;

/// <summary>
/// What a reader keeps of a family of blobs under one prefix (a digest: their names, or what it needs of their contents),
/// stored beside the family so that every process reads it instead of listing the prefix and reading each blob.
/// Listing a prefix is a store's costliest call (on Azurite it scans every blob of the container), and a monitoring
/// check that listed an agent's feedback and promotion ledger on every tick spent most of its time there.
/// <para>
/// How it stays true: every writer of the family calls <see cref="MarkChangedAsync"/> after its write or delete, which
/// overwrites the family's change mark with a fresh id. A reader reads the mark first, then the digest; the digest is
/// used only when it was computed under the same mark and is younger than <see cref="MaxAge"/>. Otherwise the reader
/// computes it afresh from the store (listing), and stores it under the mark it read before listing, so a write that
/// lands during the computation leaves a newer mark and the next reader computes again. A writer that dies between its
/// write and its mark leaves the digest stale until the family's next write or <see cref="MaxAge"/>, whichever comes first.
/// </para>
/// Costs: a reader whose digest holds, 2 reads; a writer, 1 write more.
/// </summary>
/// <typeparam name="T">The digest's shape (serialised with <see cref="StoreJson"/>).</typeparam>
/// <param name="store">The store the family lives in.</param>
/// <param name="changedName">The family's change mark (a name from <see cref="StoreLayout"/>).</param>
/// <param name="digestName">Where the digest is kept (a name from <see cref="StoreLayout"/>).</param>
/// <param name="clock">The clock that dates digests.</param>
/// <param name="maxAge">How long a digest is used at most without a change mark; positive.</param>
public sealed class ListingDigest<T>(IArtifactStore store, string changedName, string digestName, TimeProvider clock, TimeSpan maxAge)
    where T : class
{
    /// <summary>How long a digest is used at most when its family's mark did not change.</summary>
    public TimeSpan MaxAge { get; } = maxAge > TimeSpan.Zero ? maxAge
        : throw new ArgumentOutOfRangeException(nameof(maxAge), maxAge, "A digest's maximum age is positive.");

    /// <summary>The mark of a family that no writer marked yet (stores written before marks existed, or an empty family).</summary>
    public const string Unmarked = "unmarked";

    /// <summary>Marks the family changed: call after every write or delete of one of its blobs.</summary>
    public Task MarkChangedAsync(CancellationToken cancellationToken = default) =>
        store.WriteAsync(changedName, StoreJson.Serialize(new ChangeMark(Guid.NewGuid().ToString("N"), clock.GetUtcNow())), cancellationToken);

    /// <summary>
    /// The digest: the stored one when it still holds, else <paramref name="compute"/>'s, which is then stored. The
    /// computation gets the stored digest, even a stale one, to reuse what it can (null when there is none).
    /// </summary>
    /// <param name="holds">Whether a stored digest that is current also answers this call (e.g. it holds enough items); null: always.</param>
    /// <exception cref="InvalidDataException">The stored mark is not a change mark (a stored digest that is not a <typeparamref name="T"/> is recomputed).</exception>
    public async Task<T> GetAsync(Func<T?, CancellationToken, Task<T>> compute, Func<T, bool>? holds = null, CancellationToken cancellationToken = default)
    {
        var mark = await store.ReadAsync(changedName, cancellationToken) is { } markJson
            ? StoreJson.Deserialize<ChangeMark>(markJson, changedName).Id
            : Unmarked;
        var stored = await ReadDigestAsync(cancellationToken);
        if (stored is { Value: { } value } && stored.Mark == mark && clock.GetUtcNow() - stored.At < MaxAge && (holds is null || holds(value))) return value;

        var computed = await compute(stored?.Value, cancellationToken);
        await store.WriteAsync(digestName, StoreJson.Serialize(new Digest(mark, clock.GetUtcNow(), computed)), cancellationToken);
        return computed;
    }

    /// <summary>Deletes the stored digest (after an erasure: it may hold what was erased); the next reader computes it again.</summary>
    public Task DeleteAsync(CancellationToken cancellationToken = default) => store.DeleteAsync(digestName, cancellationToken);

    private async Task<Digest?> ReadDigestAsync(CancellationToken cancellationToken)
    {
        if (await store.ReadAsync(digestName, cancellationToken) is not { } json) return null;
        try
        {
            return StoreJson.Deserialize<Digest>(json, digestName);
        }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException)
        {
            // A digest of an older shape: computed again and overwritten.
            return null;
        }
    }

    /// <summary>A family's change mark: a fresh id per write, and when it was written (UTC).</summary>
    private sealed record ChangeMark(string Id, DateTimeOffset At);

    /// <summary>A stored digest: the mark it was computed under, when (UTC), and the value.</summary>
    private sealed record Digest(string Mark, DateTimeOffset At, T? Value);
}
