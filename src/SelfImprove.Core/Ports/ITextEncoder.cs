namespace SelfImprove.Core.Ports;

/// <summary>Turns request texts into fixed-length vectors (sentence embeddings).</summary>
public interface ITextEncoder
{
    /// <summary>Identifies the encoder and its weights; embeddings of different encoders never mix.</summary>
    string ModelId { get; }
    int Dimension { get; }
    float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);
}
