using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SelfImprove.Steps;
using SelfImprove.Workflows;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Runs;

/// <summary>
/// Builds the <see cref="RunClient"/> of a durable client: the self-host has one client for the process, the
/// Functions app one per invocation (its <c>[DurableClient]</c> binding). The one place a <see cref="RunStarter"/> is built.
/// </summary>
public sealed class RunClientFactory(
    IRunLedger ledger, ApprovalTokens tokens, DemonstrationIntake intake, IDeploymentStep deployment, ServingRollback rollback, AgentCatalog agents,
    TimeProvider clock, IRunEvents events, LabellingQueue labelling, IOptions<LoopOptions> options, RunOrchestrations orchestrations)
{
    /// <summary>The run client over <paramref name="client"/>.</summary>
    public RunClient Create(DurableTaskClient client) =>
        new(client, Starter(client), ledger, tokens, intake, deployment, rollback, agents, events, clock, options.Value.ApprovalRedeliveryGrace, labelling);

    /// <summary>The run starter over this client (what the run-starting activities use): new runs start on the current orchestrator version.</summary>
    public RunStarter Starter(DurableTaskClient client) => new(ledger, new DurableRunScheduler(client, orchestrations), clock);
}

/// <summary>
/// Starts improvement runs through a durable client, on the current version of the run orchestrator
/// (<see cref="RunOrchestrations.Current"/>); the run id is the instance id.
/// </summary>
public sealed class DurableRunScheduler(DurableTaskClient client, RunOrchestrations orchestrations) : IRunScheduler
{
    public Task ScheduleAsync(RunInput input, CancellationToken cancellationToken = default) =>
        client.ScheduleNewOrchestrationInstanceAsync(orchestrations.Current.Name, input, new StartOrchestrationOptions(input.RunId), cancellationToken);

    public async Task<RunInstanceState> StateAsync(string runId, CancellationToken cancellationToken = default) =>
        (await client.GetInstanceAsync(runId, cancellationToken))?.RuntimeStatus switch
        {
            null => RunInstanceState.Missing,
            { } status when RunClient.IsEnded(status) => RunInstanceState.Ended,
            _ => RunInstanceState.Active,
        };
}

/// <summary>
/// Schedules a run's <see cref="ApprovalEscalationOrchestrator"/> through a durable client, at half the approval timeout
/// (<see cref="ApprovalStep.EscalateAt"/>), under the fixed instance id <c>{runId}-approval-escalation</c>: an instance of
/// that id (waiting, or done) means it is scheduled, and a start that loses a race to another is the same escalation.
/// </summary>
public sealed class DurableEscalationScheduler(DurableTaskClient client, ApprovalStep approval) : IApprovalEscalationScheduler
{
    public async Task ScheduleAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
    {
        var id = EscalationInput.InstanceId(request.RunId);
        if (await client.GetInstanceAsync(id, cancellationToken) is not null) return;
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(nameof(ApprovalEscalationOrchestrator), new EscalationInput(request, approval.EscalateAt(request)),
                new StartOrchestrationOptions(id), cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Scheduled by a concurrent attempt (a retried activity on another worker) in between: the same escalation.
            if (await client.GetInstanceAsync(id, CancellationToken.None) is null) throw;
        }
    }
}

/// <summary>
/// How <see cref="RunClient"/> raises the events it sends to runs (approval, demonstrations, others): through the
/// durable client. A host or test may wrap it, e.g. to count the events that actually went out.
/// </summary>
public interface IRunEvents
{
    Task RaiseAsync(DurableTaskClient client, string runId, string eventName, object? payload, CancellationToken cancellationToken = default);
}

/// <summary>Raises events with <see cref="DurableTaskClient.RaiseEventAsync(string, string, object?, CancellationToken)"/>.</summary>
public sealed class DurableRunEvents : IRunEvents
{
    public Task RaiseAsync(DurableTaskClient client, string runId, string eventName, object? payload, CancellationToken cancellationToken = default) =>
        client.RaiseEventAsync(runId, eventName, payload, cancellationToken);
}

public static class RunServices
{
    /// <summary>
    /// The run client's services: the factory, the run orchestrator versions (<see cref="RunOrchestrations.Default"/> unless the
    /// host registered its own), approval links from <see cref="LoopOptions.PublicBaseUrl"/> (relative
    /// when none), and, for hosts whose durable client lives in DI (the self-host), the <see cref="RunClient"/> and
    /// <see cref="RunStarter"/> over it. Call after <see cref="LoopServices.AddSelfImproveLoop"/>.
    /// </summary>
    public static IServiceCollection AddRunClient(this IServiceCollection services)
    {
        services.TryAddSingleton<IRunEvents, DurableRunEvents>();
        services.TryAddSingleton(RunOrchestrations.Default);
        services.AddSingleton<RunClientFactory>();
        services.TryAddSingleton<TrainingCompletions>();
        services.TryAddSingleton<IApprovalLinks>(sp => new ApiLinks(sp.GetRequiredService<IOptions<LoopOptions>>().Value.PublicBaseUrl));
        services.AddSingleton(sp => sp.GetRequiredService<RunClientFactory>().Create(sp.GetRequiredService<DurableTaskClient>()));
        services.AddSingleton(sp => sp.GetRequiredService<RunClient>().Starter);
        services.AddSingleton<IApprovalEscalationScheduler>(sp => new DurableEscalationScheduler(sp.GetRequiredService<DurableTaskClient>(), sp.GetRequiredService<ApprovalStep>()));
        return services;
    }
}
