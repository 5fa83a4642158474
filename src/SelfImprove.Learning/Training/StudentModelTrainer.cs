using SelfImprove.Core.Datasets;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;
using SelfImprove.Learning.Scoring;

namespace SelfImprove.Learning.Training;

/// <summary>What to train: the agent, its examples, the set to report on, and the parent to start from.</summary>
/// <param name="Manifest">The agent; gives labels, trainer and hyper-parameters.</param>
/// <param name="TrainingSet">Examples to fit.</param>
/// <param name="EvaluationSet">Held-out examples the new version is measured on (never trained on).</param>
/// <param name="ParentVersionId">Version to warm-start from (when the manifest allows), or null.</param>
/// <param name="CreatedBy">Who asked, recorded on the version.</param>
public sealed record TrainingJob(
    AgentManifest Manifest,
    IReadOnlyList<LabeledExample> TrainingSet,
    IReadOnlyList<LabeledExample> EvaluationSet,
    string? ParentVersionId,
    string CreatedBy);

/// <summary>
/// The student model's whole training step: embed (through the cache), fit the head, export ONNX,
/// score the evaluation set with the exported ONNX, and register the version.
/// </summary>
public sealed class StudentModelTrainer(ITextEncoder encoder, IModelRegistry registry, TimeProvider clock)
{
    private readonly LbfgsHeadTrainer headTrainer = new();

    public async Task<ModelVersion> TrainAsync(TrainingJob job, CancellationToken cancellationToken = default)
    {
        var manifest = job.Manifest;
        var labels = manifest.LabelNames;
        var classIndex = ModelEvaluator.ClassIndex(labels);
        var classes = job.TrainingSet.Select(e => classIndex.TryGetValue(e.Label, out var c)
            ? c
            : throw new InvalidDataException($"Training example '{e.Text}' from {e.Source} has label '{e.Label}', which is not in the manifest's labels.")).ToArray();
        var features = encoder.Encode(job.TrainingSet.Select(e => e.Text).ToArray(), cancellationToken);

        var hyperParameters = manifest.Training.HyperParameters;
        var parentId = hyperParameters.WarmStart ? job.ParentVersionId : null;
        var parentState = parentId is null ? null : (await registry.ReadArtifactsAsync(manifest.AgentId, parentId, cancellationToken)).TrainerState;
        var artifacts = headTrainer.Train(labels, features, classes, hyperParameters, parentState);

        using var classifier = new OnnxIntentClassifier("candidate", labels, artifacts.Onnx, encoder);
        var evaluation = ModelEvaluator.Evaluate(classifier, job.EvaluationSet, cancellationToken);

        var draft = new ModelVersion
        {
            AgentId = manifest.AgentId,
            VersionId = "",
            ParentVersionId = parentId,
            CreatedAt = clock.GetUtcNow(),
            CreatedBy = job.CreatedBy,
            Trainer = manifest.Training.Trainer,
            Encoder = encoder.ModelId,
            HyperParameters = hyperParameters,
            Labels = labels,
            TrainingSet = TrainingSets.Describe(job.TrainingSet),
            Evaluation = evaluation,
        };
        return await registry.AddAsync(draft, artifacts, cancellationToken);
    }
}
