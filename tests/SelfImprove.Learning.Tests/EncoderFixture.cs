using SelfImprove.Core.Ports;
using SelfImprove.Learning.Embeddings;

namespace SelfImprove.Learning.Tests;

/// <summary>One MiniLM encoder for all tests (loading it takes a second), with an in-memory cache.</summary>
public sealed class EncoderFixture : IDisposable
{
    public EncoderFixture()
    {
        MiniLm = new MiniLmTextEncoder();
        Cached = new CachingTextEncoder(MiniLm, new EmbeddingCache(MiniLm.ModelId, MiniLm.Dimension, directory: null));
    }

    public MiniLmTextEncoder MiniLm { get; }

    /// <summary>The encoder tests train and score with; repeated texts are encoded once per test run.</summary>
    public ITextEncoder Cached { get; }

    public void Dispose() => MiniLm.Dispose();
}

[CollectionDefinition(Name)]
public sealed class EncoderCollection : ICollectionFixture<EncoderFixture>
{
    public const string Name = "MiniLM encoder";
}

/// <summary>Counts the texts that reach the real encoder, to see what the cache saves.</summary>
public sealed class CountingEncoder(ITextEncoder inner) : ITextEncoder
{
    public int TextsEncoded { get; private set; }
    public string ModelId => inner.ModelId;
    public int Dimension => inner.Dimension;

    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        TextsEncoded += texts.Count;
        return inner.Encode(texts, cancellationToken);
    }
}
