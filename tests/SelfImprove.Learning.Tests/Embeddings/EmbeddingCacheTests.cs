using SelfImprove.Learning.Embeddings;
using SelfImprove.Testing;

namespace SelfImprove.Learning.Tests.Embeddings;

[Collection(EncoderCollection.Name)]
public sealed class EmbeddingCacheTests(EncoderFixture encoders) : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    private static readonly string[] Texts =
    [
        "I lost my card on the bus this morning", "how do I close my savings account", "why was I charged twice for one coffee",
        "my transfer to my landlord is still pending", "the app crashes when I open statements", "can I get a refund for a cancelled order",
    ];

    [Fact]
    public void A_second_embedding_of_the_same_texts_never_reaches_the_model_and_is_identical()
    {
        var counting = new CountingEncoder(encoders.MiniLm);
        var encoder = new CachingTextEncoder(counting, new EmbeddingCache(counting.ModelId, counting.Dimension, folder.Path));

        var first = encoder.Encode(Texts);
        var second = encoder.Encode(Texts);

        // The cost that matters is model inference: the second call makes none (timings are in the benchmark).
        Assert.Equal(Texts.Length, counting.TextsEncoded);
        Assert.Equal(first, second);
    }

    [Fact]
    public void The_cache_survives_a_restart_and_only_new_texts_are_encoded()
    {
        var first = new CachingTextEncoder(encoders.MiniLm, new EmbeddingCache(encoders.MiniLm.ModelId, 384, folder.Path));
        var original = first.Encode(Texts);

        var counting = new CountingEncoder(encoders.MiniLm);
        var reopened = new CachingTextEncoder(counting, new EmbeddingCache(counting.ModelId, 384, folder.Path));
        var again = reopened.Encode([.. Texts, "a brand new request about my mortgage", Texts[0]]);

        Assert.Equal(1, counting.TextsEncoded);
        Assert.Equal(original, again.Take(Texts.Length));
        Assert.Equal(original[0], again[^1]);
    }

    [Fact]
    public void A_torn_last_record_is_ignored()
    {
        var cache = new EmbeddingCache("enc", 4, folder.Path);
        cache.AddRange(["a", "b"], [[1, 2, 3, 4], [5, 6, 7, 8]]);
        var file = Directory.GetFiles(folder.Path).Single();
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..^5]);

        var reopened = new EmbeddingCache("enc", 4, folder.Path);

        Assert.Equal(1, reopened.Count);
        Assert.True(reopened.TryGet("a", out var vector));
        Assert.Equal([1f, 2, 3, 4], vector);
    }

    [Fact]
    public void MiniLm_vectors_are_normalised_and_close_for_paraphrases()
    {
        var v = encoders.MiniLm.Encode(["I lost my bank card", "my debit card is lost", "what is the exchange rate for euros"]);

        double Dot(float[] a, float[] b) => a.Zip(b).Sum(p => (double)p.First * p.Second);
        Assert.Equal(384, v[0].Length);
        Assert.Equal(1.0, Dot(v[0], v[0]), 3);
        Assert.True(Dot(v[0], v[1]) > Dot(v[0], v[2]) + 0.2);
    }

    [Fact]
    public void A_bounded_cache_keeps_the_most_recently_used_vectors_and_writes_nothing_without_a_folder()
    {
        var cache = new EmbeddingCache("enc", 1, directory: null, maxEntries: 2);
        cache.AddRange(["a", "b"], [[1], [2]]);
        Assert.True(cache.TryGet("a", out _)); // a is now used more recently than b
        cache.AddRange(["c"], [[3]]);

        Assert.Equal(2, cache.Count);
        Assert.Equal(1, cache.Evicted);
        Assert.True(cache.TryGet("a", out var a));
        Assert.Equal([1f], a);
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("c", out _));
        for (var i = 0; i < 1000; i++) cache.AddRange([$"t{i}"], [[i]]);
        Assert.Equal(2, cache.Count);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_bounded_persistent_cache_keeps_every_record_on_disk_and_the_newest_in_memory()
    {
        var cache = new EmbeddingCache("enc", 1, folder.Path, maxEntries: 2);
        cache.AddRange(["a", "b", "c"], [[1], [2], [3]]);

        var reopened = new EmbeddingCache("enc", 1, folder.Path, maxEntries: 2);
        var unbounded = new EmbeddingCache("enc", 1, folder.Path);

        Assert.Equal(2, reopened.Count);
        Assert.False(reopened.TryGet("a", out _));
        Assert.True(reopened.TryGet("c", out _));
        Assert.Equal(3, unbounded.Count);
    }
}
