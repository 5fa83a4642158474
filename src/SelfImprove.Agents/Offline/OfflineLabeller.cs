using SelfImprove.Core.Planning;

namespace SelfImprove.Agents.Offline;

/// <summary>
/// The feedback agent without a model: it labels nothing and leaves every request the plan chose to people (the
/// labelling queue), each with the model's best guess as a suggestion. An offline fallback never invents labels.
/// </summary>
public sealed class OfflineLabeller : IFeedbackLabeller
{
    public Task<LabellingResult> LabelAsync(LabellingRequest request, CancellationToken cancellationToken = default)
    {
        var forHumans = request.Requests
            .Select(r => new HumanLabelTask(r.RequestId, r.Text, r.Guesses.FirstOrDefault()?.Intent, 0, "no feedback model: a person labels it"))
            .ToArray();
        IReadOnlyList<string> notes = forHumans.Length == 0 ? [] : [$"{forHumans.Length} requests queued for people (offline feedback agent)"];
        return Task.FromResult(new LabellingResult([], forHumans, notes));
    }
}
