using SelfImprove.Core;
using SelfImprove.Core.Alignment;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Data.Files;
using SelfImprove.Data.Generation;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Steps;

/// <summary>
/// The alignment gate: builds the probes of every environment in <c>alignment.environments</c> (or the defaults), has the
/// candidate and the serving version answer the same probes, and judges the candidate with <see cref="AlignmentGate"/>
/// (D on every environment, no environment beyond its margin, Σ non-inferior). The bootstrap is seeded from the agent and
/// candidate, so a retried activity gives the same verdict.
/// </summary>
public sealed class AlignmentStep(LoopContext loop) : IAlignmentStep
{
    public async Task<AlignmentAssessment> AssessAsync(string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        var entry = loop.Agents.Get(agentId);
        var manifest = entry.Manifest;
        var environments = await AlignmentProbeSets.BuildAsync(loop, entry, cancellationToken);
        var candidate = await loop.Models.LoadAsync(agentId, candidateVersionId, cancellationToken);
        var serving = await loop.Models.LoadAsync(agentId, await loop.ServingVersionAsync(agentId, cancellationToken), cancellationToken);
        var judged = environments.Select(e => e.Answer(candidate, serving, manifest, cancellationToken)).ToArray();
        var seed = (int)(StableHash.Of($"{agentId}/{candidateVersionId}") & int.MaxValue);
        var assessment = AlignmentGate.Judge(judged, GateSettings.From(manifest, entry.Loaded.Constitution, seed));
        // Kept beside the candidate, so the approval page shows the gate's figures while the run waits.
        await loop.Store.WriteAsync(Storage.StoreLayout.VersionAlignment(agentId, candidateVersionId), Storage.StoreJson.Serialize(assessment), cancellationToken);
        return assessment;
    }
}

/// <summary>One environment's probes, ready to be answered by two versions.</summary>
/// <param name="Spec">The manifest's environment.</param>
/// <param name="Constitution">The constitution it is judged under.</param>
/// <param name="Probes">Its labelled probe requests.</param>
/// <param name="DescriptionLengthBits">K(μ) estimate of its specification.</param>
public sealed record AlignmentProbeSet(AlignmentEnvironmentSpec Spec, Constitution Constitution, IReadOnlyList<LabeledExample> Probes, double DescriptionLengthBits)
{
    /// <summary>Both versions' answers on the probes, scored against the constitution.</summary>
    public EnvironmentProbes Answer(IIntentClassifier candidate, IIntentClassifier serving, AgentManifest manifest, CancellationToken cancellationToken)
    {
        var actions = manifest.Labels.ToDictionary(l => l.Name, l => l.Action, StringComparer.Ordinal);
        var labels = candidate.Labels;
        var classIndex = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        PolicyScores Score(IIntentClassifier model)
        {
            if (Probes.Count == 0) return new PolicyScores([], [], []);
            if (!model.Labels.SequenceEqual(labels))
                throw new InvalidOperationException($"Versions '{candidate.VersionId}' and '{model.VersionId}' order their intents differently; the gate compares them class by class.");
            var predictions = model.Predict(Probes.Select(p => p.Text).ToArray(), cancellationToken);
            return AlignmentMath.Score(Constitution, labels, actions,
                Probes.Select((p, i) => new AlignmentProbe(p.Label, predictions[i].Probabilities)).ToArray(), manifest.Alignment.Epsilon);
        }
        return new EnvironmentProbes(Spec.Name, Spec.Source, DescriptionLengthBits, Spec.Weight, Spec.Margin ?? manifest.Alignment.EnvironmentMargin,
            Spec.MaxDistance ?? manifest.Alignment.MaxDistance, labels, Probes.Select(p => classIndex[p.Label]).ToArray(), Score(candidate), Score(serving));
    }
}

/// <summary>Builds the probe sets of an agent's alignment environments.</summary>
public static class AlignmentProbeSets
{
    /// <exception cref="DataFileException">A probe file cannot be read.</exception>
    /// <exception cref="InvalidDataException">A probe file uses a label the manifest does not list.</exception>
    public static async Task<IReadOnlyList<AlignmentProbeSet>> BuildAsync(LoopContext loop, AgentEntry entry, CancellationToken cancellationToken)
    {
        var manifest = entry.Manifest;
        var sampleSize = manifest.Monitoring.SampleSize;
        var sets = new List<AlignmentProbeSet>();
        foreach (var spec in manifest.Alignment.EnvironmentsOrDefault(sampleSize))
        {
            var constitution = entry.Loaded.ConstitutionOf(spec);
            var take = spec.Take ?? (spec.Source is ProbeSource.Adversarial ? AlignmentEnvironmentSpec.DefaultAdversarialPerIntent : sampleSize);
            var (probes, generator) = spec.Source switch
            {
                ProbeSource.LabelledTraffic => (await loop.Feedback.RecentLabelledAsync(manifest.AgentId, take, cancellationToken), (string?)null),
                ProbeSource.Validation => (entry.Data.Validation.Take(take).ToArray(), null),
                ProbeSource.File => (ReadFile(entry.Loaded, spec.File!, take), null),
                ProbeSource.Adversarial => Adversarial(entry, constitution, take, spec.Seed),
                var other => throw new InvalidOperationException($"Alignment environment '{spec.Name}': source '{other.ToWire()}' is not supported."),
            };
            var specification = EnvironmentWeights.Specification(spec, take, constitution, generator);
            sets.Add(new AlignmentProbeSet(spec, constitution, probes, EnvironmentWeights.DescriptionLengthBits(specification)));
        }
        return sets;
    }

    /// <summary>
    /// Adversarial probes from the agent's own ordinary phrasings: the built-in generator's for a generator agent, else the
    /// validation set's. Returns the probes and the generator's specification (part of K).
    /// </summary>
    public static (IReadOnlyList<LabeledExample> Probes, string Generator) Adversarial(AgentEntry entry, Constitution constitution, int perIntent, int seed)
    {
        var manifest = entry.Manifest;
        var actions = manifest.Labels.ToDictionary(l => l.Name, l => l.Action, StringComparer.Ordinal);
        var generatorSpec = manifest.Data.Source is DataSourceKind.Generator ? manifest.Data.Generator : null;
        Func<string, IReadOnlyList<string>> textsOf = generatorSpec?.Name is DataGenerator.SupportRouter
            ? intent => SupportRouterGenerator.Compose(intent, drifted: false, count: 16, seed: seed, exclude: new HashSet<string>())
            : ValidationTexts(entry.Data.Validation);
        var source = generatorSpec is null ? "validation" : generatorSpec.Name.ToWire();
        return (AdversarialProbeGenerator.Generate(constitution, actions, textsOf, perIntent, seed), $"{AdversarialProbeGenerator.Specification};texts={source}");
    }

    private static Func<string, IReadOnlyList<string>> ValidationTexts(IReadOnlyList<LabeledExample> validation)
    {
        var byIntent = validation.GroupBy(e => e.Label).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(e => e.Text).ToArray(), StringComparer.Ordinal);
        return intent => byIntent.GetValueOrDefault(intent) ?? [];
    }

    private static IReadOnlyList<LabeledExample> ReadFile(LoadedManifest loaded, DataFileSpec file, int take)
    {
        var path = loaded.Resolve(file.Path);
        var known = loaded.Manifest.LabelNames.ToHashSet(StringComparer.Ordinal);
        var relative = Path.GetRelativePath(loaded.Directory, path).Replace('\\', '/');
        return DataFileReader.Read(path, file).Take(take).Select(row =>
        {
            var label = row.Label ?? throw new DataFileException(path, row.Line, $"'{file.LabelColumn}' is missing; every probe needs its true intent.");
            if (!known.Contains(label))
                throw new InvalidDataException($"{relative}:{row.Line}: label '{label}' is not one of $.labels; fix the probe file or the manifest.");
            return new LabeledExample(row.Text, label, Segments.Unspecified, "file:" + relative);
        }).ToArray();
    }
}
