using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Ports;

namespace SelfImprove.Learning.Scoring;

/// <summary>
/// Scores with a version's ONNX head through ONNX Runtime: the one scorer that evaluation, the A/B trial and
/// serving all use, so the numbers a version was promoted on are the numbers it serves with.
/// </summary>
public sealed class OnnxIntentClassifier : IIntentClassifier, IDisposable
{
    private const string FeaturesInput = "Features";
    private const string LabelInput = "Label";
    private const string ScoreOutput = "Score.output";
    private readonly InferenceSession session;
    private readonly ITextEncoder encoder;
    private readonly bool needsLabelInput;
    private readonly string[] outputNames = [ScoreOutput];
    private readonly object gate = new();
    private int running;
    private bool disposed;

    public OnnxIntentClassifier(string versionId, IReadOnlyList<string> labels, byte[] onnxModel, ITextEncoder encoder)
    {
        VersionId = versionId;
        Labels = labels;
        this.encoder = encoder;
        session = new InferenceSession(onnxModel, new SessionOptions { IntraOpNumThreads = 1 });
        // ML.NET's exporter keeps the Label column as a graph input although scoring never reads it.
        needsLabelInput = session.InputMetadata.ContainsKey(LabelInput);
        var classes = session.OutputMetadata[ScoreOutput].Dimensions[^1];
        if (classes != labels.Count)
            throw new InvalidDataException($"Model version '{versionId}' scores {classes} classes but has {labels.Count} labels.");
    }

    public string VersionId { get; }
    public IReadOnlyList<string> Labels { get; }

    public IReadOnlyList<IntentPrediction> Predict(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        texts.Count == 0 ? [] : PredictFeatures(encoder.Encode(texts, cancellationToken));

    /// <summary>Scores embeddings directly, for callers that already hold them.</summary>
    public IReadOnlyList<IntentPrediction> PredictFeatures(float[][] features)
    {
        if (features.Length == 0) return [];
        var dimension = features[0].Length;
        var flat = new float[features.Length * dimension];
        for (var i = 0; i < features.Length; i++) features[i].CopyTo(flat, i * dimension);

        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor(FeaturesInput, new DenseTensor<float>(flat, [features.Length, dimension])),
        };
        if (needsLabelInput)
            inputs.Add(NamedOnnxValue.CreateFromTensor(LabelInput, new DenseTensor<uint>(new uint[features.Length], [features.Length, 1])));

        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            running++;
        }
        try
        {
            using var results = session.Run(inputs, outputNames);
            var scores = results[0].AsTensor<float>();
            var predictions = new IntentPrediction[features.Length];
            for (var i = 0; i < features.Length; i++)
            {
                var probabilities = new float[Labels.Count];
                for (var c = 0; c < probabilities.Length; c++) probabilities[c] = scores[i, c];
                predictions[i] = IntentPrediction.FromProbabilities(Labels, probabilities);
            }
            return predictions;
        }
        finally
        {
            lock (gate)
            {
                if (--running == 0 && disposed) session.Dispose();
            }
        }
    }

    /// <summary>
    /// Frees the native session once no prediction is running: a host that shuts down while an activity still
    /// scores must not free memory under it (that crashes the process); later calls get ObjectDisposedException.
    /// </summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            if (running == 0) session.Dispose();
        }
    }
}
