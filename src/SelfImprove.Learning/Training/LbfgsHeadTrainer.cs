using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Models;

namespace SelfImprove.Learning.Training;

/// <summary>
/// Trains the classifier head: ML.NET's L-BFGS maximum-entropy (multinomial logistic regression) on frozen
/// sentence embeddings, optionally warm-started from a parent version's weights, and exports it to ONNX.
/// Classes are keys in the manifest's label order, so class i means the same intent in every version.
/// </summary>
public sealed class LbfgsHeadTrainer
{
    /// <summary>Fixed so that the same data and settings give the same model.</summary>
    private const int Seed = 7;

    /// <param name="labels">Class order.</param>
    /// <param name="features">One embedding per example.</param>
    /// <param name="classes">Class index per example.</param>
    /// <param name="hyperParameters">Regularisation and iterations.</param>
    /// <param name="parentTrainerState">The parent version's <see cref="ModelArtifacts.TrainerState"/> to warm-start from, or null.</param>
    public ModelArtifacts Train(
        IReadOnlyList<string> labels, float[][] features, int[] classes, HyperParameters hyperParameters, byte[]? parentTrainerState)
    {
        if (features.Length == 0) throw new ArgumentException("Cannot train on an empty training set.", nameof(features));
        if (features.Length != classes.Length) throw new ArgumentException("Features and classes differ in length.", nameof(classes));
        var dimension = features[0].Length;

        var ml = new MLContext(Seed);
        var data = ToDataView(ml, labels.Count, dimension, features, classes);
        var trainer = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            L2Regularization = (float)hyperParameters.L2,
            L1Regularization = (float)hyperParameters.L1,
            MaximumNumberOfIterations = hyperParameters.MaxIterations,
        });

        var parent = parentTrainerState is null ? null : LoadParameters(ml, parentTrainerState, labels.Count);
        var model = parent is null ? trainer.Fit(data) : trainer.Fit(data, parent);

        using var state = new MemoryStream();
        ml.Model.Save(model, data.Schema, state);
        using var onnx = new MemoryStream();
        ml.Model.ConvertToOnnx(model, data, onnx);
        return new ModelArtifacts(onnx.ToArray(), state.ToArray());
    }

    private static IDataView ToDataView(MLContext ml, int classCount, int dimension, float[][] features, int[] classes)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimension);
        // LoadFromEnumerable takes key values 0-based (it adds the 1 that ML.NET reserves for "missing").
        schema[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), classCount);
        var rows = features.Select((f, i) => new Row { Features = f, Label = (uint)classes[i] });
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    private static MaximumEntropyModelParameters LoadParameters(MLContext ml, byte[] trainerState, int classCount)
    {
        using var stream = new MemoryStream(trainerState);
        var loaded = ml.Model.Load(stream, out _);
        if (loaded is not MulticlassPredictionTransformer<MaximumEntropyModelParameters> transformer)
            throw new InvalidDataException($"The parent's trainer state is a {loaded.GetType().Name}, not an L-BFGS maximum-entropy model; train without warm start.");
        var parentClasses = transformer.Model.GetBiases().Count();
        if (parentClasses != classCount)
            throw new InvalidDataException($"The parent model has {parentClasses} classes but the manifest lists {classCount} labels; train without warm start.");
        return transformer.Model;
    }

    private sealed class Row
    {
        public float[] Features = [];
        public uint Label;
    }
}
