using SelfImprove.Core.Ports;

namespace SelfImprove.Learning.Embeddings;

/// <summary>Answers from the <see cref="EmbeddingCache"/> and encodes only the texts it lacks, in one batch.</summary>
public sealed class CachingTextEncoder(ITextEncoder inner, EmbeddingCache cache) : ITextEncoder
{
    public string ModelId => inner.ModelId;
    public int Dimension => inner.Dimension;

    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var result = new float[texts.Count][];
        var missing = new List<int>();
        for (var i = 0; i < texts.Count; i++)
        {
            if (cache.TryGet(texts[i], out var vector)) result[i] = vector;
            else missing.Add(i);
        }
        if (missing.Count == 0) return result;

        var missingTexts = missing.Select(i => texts[i]).Distinct(StringComparer.Ordinal).ToArray();
        var encoded = inner.Encode(missingTexts, cancellationToken);
        cache.AddRange(missingTexts, encoded);
        var byText = missingTexts.Zip(encoded).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        foreach (var i in missing) result[i] = byText[texts[i]];
        return result;
    }
}
