using SelfImprove.Core.Datasets;
using SelfImprove.Core.Planning;

namespace SelfImprove.Agents.Offline;

/// <summary>
/// The feedback agent without a network: the recorded ground truth stands in for an annotator (confidence 1).
/// Requests without one go to the human queue.
/// </summary>
public sealed class OfflineLabeller : IFeedbackLabeller
{
    public Task<LabellingResult> LabelAsync(LabellingRequest request, CancellationToken cancellationToken = default)
    {
        var labelled = request.Requests.Where(r => r.TrueLabel is not null)
            .Select(r => new LabeledExample(r.Text, r.TrueLabel!, r.Segment, $"{OfflineTeacher.OracleSource}/request={r.Sequence}")).ToArray();
        var forHumans = request.Requests.Where(r => r.TrueLabel is null)
            .Select(r => new HumanLabelTask(r.Sequence, r.Text, null, 0, "no ground truth recorded")).ToArray();
        IReadOnlyList<string> notes = forHumans.Length == 0 ? [] : [$"{forHumans.Length} requests have no ground truth; queued for people"];
        return Task.FromResult(new LabellingResult(labelled, forHumans, notes));
    }
}
