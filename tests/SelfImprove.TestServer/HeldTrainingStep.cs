using SelfImprove.Core.Manifests;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.TestServer;

/// <summary>
/// Training that waits while a file exists, then trains as usual: the crash-recovery tests' way to hold a run in its
/// training phase, so that they can kill the server there.
/// </summary>
public sealed class HeldTrainingStep(ITrainingStep inner, string holdFile) : ITrainingStep
{
    /// <summary>The environment variable that names the file; unset, training is not held.</summary>
    public const string HoldFileVariable = "SELFIMPROVE_TEST_HOLD_TRAINING";

    public async Task<string> TrainAsync(
        string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default)
    {
        while (File.Exists(holdFile)) await Task.Delay(100, cancellationToken);
        return await inner.TrainAsync(runId, agentId, attempt, batchBlobNames, hyperParameters, cancellationToken);
    }
}
