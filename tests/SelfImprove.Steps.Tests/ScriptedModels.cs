using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Ports;

namespace SelfImprove.Steps.Tests;

/// <summary>A classifier that answers each text with one intent, with all its probability.</summary>
internal sealed class ScriptedClassifier(string versionId, IReadOnlyList<string> labels, Func<string, string> answer) : IIntentClassifier
{
    public string VersionId => versionId;
    public IReadOnlyList<string> Labels => labels;

    public IReadOnlyList<IntentPrediction> Predict(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        texts.Select(t =>
        {
            var probabilities = new float[labels.Count];
            probabilities[labels.ToList().IndexOf(answer(t))] = 1;
            return IntentPrediction.FromProbabilities(labels, probabilities);
        }).ToArray();
}

/// <summary>An encoder for steps whose scripted classifier never reads embeddings: one zero per text.</summary>
internal sealed class NoEncoder : ITextEncoder
{
    public string ModelId => "none";
    public int Dimension => 1;

    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) => texts.Select(_ => new float[1]).ToArray();
}
