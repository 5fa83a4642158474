using Microsoft.DurableTask;

namespace SelfImprove.Workflows.Steps;

/// <summary>How far people got with the requests an attempt queued for labelling.</summary>
/// <param name="Queued">Requests the attempt left in the labelling queue.</param>
/// <param name="Answered">How many of them have a label now.</param>
public sealed record LabellingProgress(int Queued, int Answered)
{
    /// <summary>Nothing is left to wait for.</summary>
    public bool Done => Answered >= Queued;
}

/// <summary>
/// People's labelling: the requests an attempt's feedback agent did not label are in the agent's labelling queue
/// (<c>GET /api/agents/{id}/labelling</c>); the run waits for their answers (an external event and a durable timer)
/// and asks this step how far they got.
/// </summary>
public interface ILabellingStep
{
    /// <summary>How many of the attempt's queued requests have a label.</summary>
    Task<LabellingProgress> ProgressAsync(string runId, string agentId, int attempt, CancellationToken cancellationToken = default);
}

/// <summary>Counts the attempt's queued and answered requests.</summary>
public sealed class LabellingProgressActivity(ILabellingStep labelling) : TaskActivity<AttemptInput, LabellingProgress>
{
    public override Task<LabellingProgress> RunAsync(TaskActivityContext context, AttemptInput input) =>
        labelling.ProgressAsync(input.RunId, input.AgentId, input.Attempt);
}

public static partial class StepCalls
{
    /// <summary>Calls <see cref="LabellingProgressActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<LabellingProgress> CheckLabellingAsync(this TaskOrchestrationContext context, AttemptInput input) =>
        CallAsync<LabellingProgress>(context, nameof(LabellingProgressActivity), input);
}
