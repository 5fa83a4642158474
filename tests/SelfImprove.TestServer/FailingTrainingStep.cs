using SelfImprove.Core.Manifests;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.TestServer;

/// <summary>
/// Training that throws for one agent, every time, and trains every other agent as usual: the worker tests' way to make a
/// job fail on each delivery until it lands in the poison queue.
/// </summary>
public sealed class FailingTrainingStep(ITrainingStep inner, string failingAgentId) : ITrainingStep
{
    /// <summary>The environment variable that names the agent whose training fails; unset, no training fails.</summary>
    public const string AgentVariable = "SELFIMPROVE_TEST_FAIL_TRAINING";

    /// <exception cref="InvalidOperationException">The job's agent is the one named by <see cref="AgentVariable"/>.</exception>
    public Task<string> TrainAsync(
        string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default) =>
        agentId == failingAgentId
            ? throw new InvalidOperationException($"training of agent '{agentId}' fails on every delivery ({AgentVariable})")
            : inner.TrainAsync(runId, agentId, attempt, batchBlobNames, hyperParameters, cancellationToken);
}
