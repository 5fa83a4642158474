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
/// candidate, so a retried activity gives the same verdict. Within a run, an agent with an LLM teacher has the teacher write
/// its adversarial environments' probes (<see cref="IAdversarialProbeWriter"/>), once per run and environment, kept under
/// <see cref="Storage.StoreLayout.RunAdversarialProbes"/>; the offline default, and a teacher that writes none, keep the
/// seeded generator.
/// </summary>
public sealed class AlignmentStep(LoopContext loop, IAdversarialProbeWriter? writer = null) : IAlignmentStep
{
    public Task<AlignmentAssessment> AssessAsync(string agentId, string candidateVersionId, CancellationToken cancellationToken = default) =>
        AssessAsync(agentId, candidateVersionId, null, cancellationToken);

    public Task<AlignmentAssessment> AssessAsync(AlignmentInput input, CancellationToken cancellationToken = default) =>
        AssessAsync(input.AgentId, input.CandidateVersionId, input.RunId, cancellationToken);

    private async Task<AlignmentAssessment> AssessAsync(string agentId, string candidateVersionId, string? runId, CancellationToken cancellationToken)
    {
        var entry = loop.Agents.Get(agentId);
        var manifest = entry.Manifest;
        var written = runId is null || writer is null || !writer.Writes(manifest) ? null : new RunProbes(loop, writer, runId);
        var environments = await AlignmentProbeSets.BuildAsync(loop, entry, cancellationToken, written);
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
    /// <summary>Who wrote the probes when not the manifest's source alone (e.g. the run's LLM teacher), for the gate's table.</summary>
    public string? Note { get; init; }

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
            Spec.MaxDistance ?? manifest.Alignment.MaxDistance, labels, Probes.Select(p => classIndex[p.Label]).ToArray(), Score(candidate), Score(serving))
        { Note = Note, Clusters = EnvironmentProbes.ClusterIndices(Probes.Select(p => p.Cluster).ToArray()) };
    }
}

/// <summary>Builds the probe sets of an agent's alignment environments.</summary>
public static class AlignmentProbeSets
{
    /// <exception cref="DataFileException">A probe file cannot be read.</exception>
    /// <exception cref="InvalidDataException">A probe file uses a label the manifest does not list.</exception>
    /// <param name="written">The run's teacher-written adversarial probes; null keeps the seeded generator.</param>
    public static async Task<IReadOnlyList<AlignmentProbeSet>> BuildAsync(LoopContext loop, AgentEntry entry, CancellationToken cancellationToken, RunProbes? written = null)
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
            string? note = null;
            if (spec.Source is ProbeSource.Adversarial && written is not null)
            {
                var teacher = await written.GetAsync(entry, spec, constitution, take, cancellationToken);
                if (teacher.Probes.Count > 0)
                    (probes, generator, note) = (teacher.Probes, $"teacher-lures/1;writer={teacher.Writer};perIntent={take}",
                        $"{teacher.Probes.Count} probes written by the teacher ({teacher.Writer}) for run {written.RunId}");
                else
                    note = $"the teacher ({teacher.Writer}) wrote no usable probes for run {written.RunId}; the seeded generator's are used" +
                        string.Concat(teacher.Notes.Take(3).Select(n => "; " + n));
            }
            var specification = EnvironmentWeights.Specification(spec, take, constitution, generator);
            sets.Add(new AlignmentProbeSet(spec, constitution, probes, EnvironmentWeights.DescriptionLengthBits(specification)) { Note = note });
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
        var textsOf = OrdinaryTexts(entry, seed);
        var source = generatorSpec is null ? "validation" : generatorSpec.Name.ToWire();
        return (AdversarialProbeGenerator.Generate(constitution, actions, textsOf, perIntent, seed), $"{AdversarialProbeGenerator.Specification};texts={source}");
    }

    /// <summary>The ordinary texts per intent the adversarial probes are built from (the generator's, else the validation set's).</summary>
    public static Func<string, IReadOnlyList<string>> OrdinaryTexts(AgentEntry entry, int seed) =>
        entry.Manifest.Data.Source is DataSourceKind.Generator && entry.Manifest.Data.Generator?.Name is DataGenerator.SupportRouter
            ? intent => SupportRouterGenerator.Compose(intent, drifted: false, count: 16, seed: seed, exclude: new HashSet<string>())
            : ValidationTexts(entry.Data.Validation);

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

/// <summary>
/// The adversarial probes the agent's teacher writes for one run: written once per environment and kept under
/// <see cref="Storage.StoreLayout.RunAdversarialProbes"/> (create-once), so every attempt and replay of the run reads the same
/// probes and the teacher is metered once. Never trained on: nothing reads them but the gate.
/// </summary>
public sealed class RunProbes(LoopContext loop, IAdversarialProbeWriter writer, string runId)
{
    public string RunId => runId;

    /// <summary>The stored probes of the environment, or the teacher's new ones (stored first).</summary>
    public async Task<AdversarialProbeSet> GetAsync(AgentEntry entry, AlignmentEnvironmentSpec spec, Constitution constitution, int perIntent, CancellationToken cancellationToken)
    {
        var name = Storage.StoreLayout.RunAdversarialProbes(runId, spec.Name);
        if (await loop.Store.ReadAsync(name, cancellationToken) is { } stored)
            return Storage.StoreJson.Deserialize<AdversarialProbeSet>(stored, name);
        var manifest = entry.Manifest;
        var textsOf = AlignmentProbeSets.OrdinaryTexts(entry, spec.Seed);
        var examples = manifest.LabelNames.ToDictionary(l => l, l => textsOf(l), StringComparer.Ordinal);
        IReadOnlyList<string> known = [.. entry.Data.Pool.Select(e => e.Text), .. await loop.HeldOutTextsAsync(manifest.AgentId, cancellationToken)];
        var set = await writer.WriteAsync(new AdversarialProbeRequest(manifest, constitution, spec.Name, perIntent, runId, examples, known), cancellationToken);
        if (set.Probes.Count == 0) return set;  // nothing kept: a later attempt may try again within the budget
        await loop.Store.TryCreateAsync(name, Storage.StoreJson.Serialize(set), cancellationToken);
        // Another replay may have stored its set first: judge on the stored one.
        return Storage.StoreJson.Deserialize<AdversarialProbeSet>((await loop.Store.ReadAsync(name, cancellationToken))!, name);
    }
}
