using Microsoft.ML;
using Microsoft.ML.Data;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Models;
using SelfImprove.Data;
using SelfImprove.Learning.Scoring;
using SelfImprove.Learning.Training;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Learning.Tests.Training;

[Collection(EncoderCollection.Name)]
public sealed class StudentModelTrainerTests(EncoderFixture encoders) : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    private (LoadedManifest Loaded, AgentDatasets Data, ArtifactModelRegistry Registry, StudentModelTrainer Trainer) Setup()
    {
        var loaded = ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder, m => ManifestFiles.UseSmallData(m)));
        var data = AgentDataLoader.Load(loaded);
        var registry = new ArtifactModelRegistry(new LocalArtifactStore(folder.Combine("store")), TimeProvider.System);
        return (loaded, data, registry, new StudentModelTrainer(encoders.Cached, registry, TimeProvider.System));
    }

    [Fact]
    public async Task The_initial_model_does_clearly_worse_after_the_drift_and_a_warm_started_retrain_on_drifted_samples_recovers()
    {
        var (loaded, data, registry, trainer) = Setup();
        var manifest = loaded.Manifest;

        var initial = await trainer.TrainAsync(new TrainingJob(manifest, data.Pool, data.Evaluation, null, "test"));
        var drifted = data.Production
            .Where(r => r.Segment == Segments.PostDrift)
            .Take(250)
            .Select(r => new LabeledExample(r.Text, r.TrueLabel!, r.Segment, "teacher:oracle"))
            .ToArray();
        var retrained = await trainer.TrainAsync(new TrainingJob(manifest, [.. data.Pool, .. drifted], data.Evaluation, initial.VersionId, "test"));

        var before = initial.Evaluation.BySegment;
        var after = retrained.Evaluation.BySegment;
        Assert.True(before[Segments.PreDrift].Accuracy - before[Segments.PostDrift].Accuracy > 0.08,
            $"drift should hurt: pre {before[Segments.PreDrift].Accuracy:0.000}, post {before[Segments.PostDrift].Accuracy:0.000}");
        Assert.True(after[Segments.PostDrift].Accuracy - before[Segments.PostDrift].Accuracy > 0.05,
            $"retrain should recover: post-drift {before[Segments.PostDrift].Accuracy:0.000} -> {after[Segments.PostDrift].Accuracy:0.000}");
        Assert.True(after[Segments.PreDrift].Accuracy > before[Segments.PreDrift].Accuracy - 0.03, "retrain must not forget pre-drift traffic");
        Assert.Equal(initial.VersionId, retrained.ParentVersionId);
        Assert.Equal(data.Pool.Count + drifted.Length, retrained.TrainingSet.Count);
        Assert.Equal(drifted.Length, retrained.TrainingSet.Provenance["teacher:oracle"]);
        Assert.Equal(2, (await registry.ListAsync(manifest.AgentId)).Count);
    }

    [Fact]
    public async Task Onnx_scores_equal_the_trainers_own_scores()
    {
        var (loaded, data, registry, trainer) = Setup();
        var version = await trainer.TrainAsync(new TrainingJob(loaded.Manifest, data.Pool, data.Evaluation, null, "test"));
        var artifacts = await registry.ReadArtifactsAsync(version.AgentId, version.VersionId);
        var features = encoders.Cached.Encode(data.Evaluation.Select(e => e.Text).ToArray());

        using var onnx = new OnnxIntentClassifier(version.VersionId, version.Labels, artifacts.Onnx, encoders.Cached);
        var onnxScores = onnx.PredictFeatures(features);
        var mlNetScores = MlNetScores(artifacts.TrainerState, features, version.Labels.Count);

        for (var i = 0; i < features.Length; i++)
            for (var c = 0; c < version.Labels.Count; c++)
                Assert.Equal(mlNetScores[i][c], onnxScores[i].Probabilities[c], tolerance: 1e-5);
    }

    [Fact]
    public async Task A_warm_start_needs_the_parent_to_exist()
    {
        var (loaded, data, _, trainer) = Setup();

        await Assert.ThrowsAsync<KeyNotFoundException>(() =>
            trainer.TrainAsync(new TrainingJob(loaded.Manifest, data.Pool, data.Evaluation, "v9", "test")));
    }

    [Fact]
    public async Task Labels_outside_the_manifest_are_refused_before_training()
    {
        var (loaded, data, _, trainer) = Setup();
        LabeledExample[] bad = [.. data.Pool.Take(5), new("order a pizza", "pizza", Segments.PreDrift, "human:x")];

        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            trainer.TrainAsync(new TrainingJob(loaded.Manifest, bad, data.Evaluation, null, "test")));
        Assert.Contains("'pizza'", error.Message);
    }

    private static float[][] MlNetScores(byte[] trainerState, float[][] features, int classes)
    {
        var ml = new MLContext();
        using var stream = new MemoryStream(trainerState);
        var model = ml.Model.Load(stream, out _);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features[0].Length);
        schema[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), classes);
        var data = ml.Data.LoadFromEnumerable(features.Select(f => new Row { Features = f }), schema);
        return model.Transform(data).GetColumn<float[]>("Score").ToArray();
    }

    private sealed class Row
    {
        public float[] Features = [];

        /// <summary>Unused by scoring, but the exported schema has the column.</summary>
        public uint Label = 0;
    }
}
