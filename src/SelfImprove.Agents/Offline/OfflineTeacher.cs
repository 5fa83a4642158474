using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Planning;
using SelfImprove.Data.Generation;

namespace SelfImprove.Agents.Offline;

/// <summary>
/// A teacher that needs no network: for agents on the built-in generator it writes new samples for the plan's
/// targets in the phrasing of current traffic. It labels no traffic: that is the feedback agent's and people's work.
/// </summary>
public sealed class OfflineTeacher : ITeacher
{
    public const string GeneratorSource = "teacher:offline-generator";

    public Task<TeachingResult> TeachAsync(TeachingRequest request, CancellationToken cancellationToken = default)
    {
        var notes = new List<string>();

        var generated = new List<LabeledExample>();
        var data = request.Manifest.Data;
        if (request.Plan.Generate.Count > 0 && (data.Source is not DataSourceKind.Generator || data.Generator?.Name is not DataGenerator.SupportRouter))
        {
            notes.Add("the offline teacher writes new samples only for agents on the built-in generator; this plan's generation targets were skipped");
        }
        else
        {
            var exclude = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (target, index) in request.Plan.Generate.Select((t, i) => (t, i)))
            {
                var texts = SupportRouterGenerator.Compose(target.Intent, drifted: true, target.Count, request.Seed + index, exclude);
                foreach (var text in texts) exclude.Add(SupportRouterGenerator.NormaliseKey(text));
                var segment = SupportRouterGenerator.DriftedIntents.Contains(target.Intent) ? Segments.PostDrift : Segments.PreDrift;
                generated.AddRange(texts.Select(t => new LabeledExample(t, target.Intent, segment, GeneratorSource)));
                if (texts.Count < target.Count) notes.Add($"only {texts.Count} of {target.Count} new samples could be written for {target.Intent}");
            }
        }
        return Task.FromResult(new TeachingResult([], generated, notes));
    }
}
