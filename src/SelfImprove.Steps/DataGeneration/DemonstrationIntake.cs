using SelfImprove.Core.Datasets;
using SelfImprove.Core.Planning;
using SelfImprove.Workflows.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// Checks the samples a person demonstrates for a run and keeps them under the run and attempt, one blob per
/// submission (named by its content, so sending the same submission twice stores it once). They are curated with
/// the teachers' samples when the attempt's batch is assembled.
/// </summary>
public sealed class DemonstrationIntake(LoopContext loop)
{
    public const int MaxSamplesPerSubmission = 500;
    public const string SourcePrefix = "human:";

    /// <summary>Stores the samples and returns the blob's name; throws <see cref="ArgumentException"/> naming every problem.</summary>
    public async Task<string> StoreAsync(string runId, string agentId, int attempt, string by, IReadOnlyList<DemonstratedSample> samples, CancellationToken cancellationToken = default)
    {
        var manifest = loop.Agents.Get(agentId).Manifest;
        var labels = manifest.LabelNames.ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(by)) problems.Add("by: say who demonstrates (a name or e-mail), for the samples' provenance.");
        if (samples is null || samples.Count == 0) problems.Add("samples: give at least one { \"text\": ..., \"label\": ... }.");
        else if (samples.Count > MaxSamplesPerSubmission) problems.Add($"samples: at most {MaxSamplesPerSubmission} per submission; got {samples.Count}. Send them in parts.");
        foreach (var (sample, i) in (samples ?? []).Select((s, i) => (s, i)))
        {
            if (sample is null) { problems.Add($"samples[{i}]: is null."); continue; }
            if (string.IsNullOrWhiteSpace(sample.Text) || SampleCurator.Normalise(sample.Text).Length == 0)
                problems.Add($"samples[{i}].text: is empty.");
            else if (sample.Text.Trim().Length > SampleCurator.MaxTextLength)
                problems.Add($"samples[{i}].text: is longer than {SampleCurator.MaxTextLength} characters.");
            if (!labels.Contains(sample.Label ?? ""))
                problems.Add($"samples[{i}].label: '{sample.Label}' is not an intent of agent '{agentId}'; known: {string.Join(", ", manifest.LabelNames)}.");
        }
        if (problems.Count > 0) throw new DemonstrationsRejectedException(runId, problems);

        var examples = samples!.Select(s => new LabeledExample(s.Text.Trim(), s.Label, Segments.Unspecified, SourcePrefix + by.Trim())).ToArray();
        var content = StoreJson.Serialize(examples);
        var name = StoreLayout.Demonstration(runId, attempt, content);
        await loop.Store.TryCreateAsync(name, content, cancellationToken);
        return name;
    }
}

/// <summary>Demonstrations that were not stored, with one "path: what to fix" line per problem.</summary>
public sealed class DemonstrationsRejectedException(string runId, IReadOnlyList<string> problems)
    : ArgumentException($"The demonstrations for run {runId} were not accepted: " + string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
