using System.Text.Json;
using Microsoft.DurableTask.Client;
using DurableTask.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SelfImprove.Api.Composition;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Steps;
using SelfImprove.Workflows;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Monitoring;

namespace SelfImprove.Server;

/// <summary>
/// The loop's orchestrations and activities running in this process (behind the gRPC sidecar, with the real
/// worker and client) on a backend of <see cref="DurableBackends"/>: in-memory by default (the embedded default,
/// the demo and tests; state lives as long as the process), or the Azure Storage provider.
/// </summary>
public sealed class LoopHost : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private readonly DurableHost host;

    private LoopHost(DurableHost host) => this.host = host;

    public DurableTaskClient Client => host.Client;
    public IServiceProvider Services => host.Services;

    /// <param name="options">Agents and store.</param>
    /// <param name="configure">Replaces services after the defaults (e.g. the approval step, or fakes in tests).</param>
    /// <param name="loggerFactory">Durable Task's own logs; silent by default.</param>
    /// <param name="backend">Where orchestration state lives; in-memory when null.</param>
    public static async Task<LoopHost> StartAsync(
        LoopOptions options, Action<IServiceCollection>? configure = null, ILoggerFactory? loggerFactory = null,
        IOrchestrationService? backend = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        loggerFactory ??= NullLoggerFactory.Instance;
        var host = await DurableHost.StartAsync(
            backend ?? DurableBackends.InMemory(loggerFactory),
            registry => registry.AddSelfImproveWorkflows(),
            services =>
            {
                services.AddSelfImproveLoop(options);
                configure?.Invoke(services);
            },
            loggerFactory,
            cancellationToken);
        return new LoopHost(host);
    }

    /// <summary>Runs one monitoring check of the agent and returns what it found and whether it started a run.</summary>
    public async Task<MonitorResult> CheckAsync(string agentId, bool manual = false, string? reason = null, CancellationToken cancellationToken = default)
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync(nameof(MonitorAgentOrchestrator), new MonitorInput(agentId, manual, reason), cancellationToken);
        var done = await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cancellationToken);
        return done.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? done.ReadOutputAs<MonitorResult>()!
            : throw new InvalidOperationException($"Monitoring check of '{agentId}' ended {done.RuntimeStatus}: {FailureOf(done)}");
    }

    /// <summary>
    /// Follows a run until it ends: reports each new phase, and hands approval requests to <paramref name="onApproval"/>
    /// (which may answer through <see cref="ApproveAsync"/>). Returns the run's report.
    /// </summary>
    /// <param name="onDemonstrations">Called once per wait when the run asks people for demonstrations (may answer through <see cref="AddDemonstrationsAsync"/>).</param>
    public async Task<ImprovementReport> WatchAsync(
        string runId, Action<PhaseEntry>? onProgress = null, Func<string, RunProgress, Task>? onApproval = null, CancellationToken cancellationToken = default,
        Func<string, RunProgress, Task>? onDemonstrations = null)
    {
        var printed = 0;
        var approvalHandled = false;
        var demonstrationWaitHandled = -1;
        while (true)
        {
            var state = await Client.GetInstanceAsync(runId, getInputsAndOutputs: true, cancellationToken)
                ?? throw new InvalidOperationException($"Run '{runId}' does not exist.");
            var progress = state.SerializedCustomStatus is { } status ? JsonSerializer.Deserialize<RunProgress>(status, JsonSerializerOptions.Web) : null;
            for (; progress is not null && printed < progress.Log.Count; printed++) onProgress?.Invoke(progress.Log[printed]);
            if (progress?.WaitingForApproval == true && !approvalHandled && onApproval is not null)
            {
                approvalHandled = true;
                await onApproval(runId, progress);
            }
            // Each wait adds its own log line, so its position tells one wait from the next.
            if (progress?.WaitingForDemonstrations == true && demonstrationWaitHandled != progress.Log.Count && onDemonstrations is not null)
            {
                demonstrationWaitHandled = progress.Log.Count;
                await onDemonstrations(runId, progress);
            }
            switch (state.RuntimeStatus)
            {
                case OrchestrationRuntimeStatus.Completed:
                    return state.ReadOutputAs<ImprovementReport>()!;
                case OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated:
                    throw new InvalidOperationException($"Run '{runId}' ended {state.RuntimeStatus}: {FailureOf(state)}");
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>
    /// A person's demonstrated samples for a run whose plan asked for them (its progress says
    /// <see cref="RunProgress.WaitingForDemonstrations"/>): they are checked (labels known, text usable), stored
    /// under the run and its current attempt, and the run is told. Throws <see cref="KeyNotFoundException"/> for an
    /// unknown run, <see cref="InvalidOperationException"/> when it is not waiting, <see cref="ArgumentException"/>
    /// naming every bad sample.
    /// </summary>
    public async Task<DemonstrationsReceived> AddDemonstrationsAsync(
        string runId, string by, IReadOnlyList<DemonstratedSample> samples, CancellationToken cancellationToken = default)
    {
        var result = await Services.GetRequiredService<Api.Demonstrations.DemonstrationGate>().SubmitAsync(Client, runId, by, samples, cancellationToken);
        return result.Outcome switch
        {
            Api.Demonstrations.DemonstrationOutcome.Accepted => result.Received!,
            Api.Demonstrations.DemonstrationOutcome.UnknownRun => throw new KeyNotFoundException(result.Message),
            Api.Demonstrations.DemonstrationOutcome.Invalid => throw new ArgumentException(result.Message),
            _ => throw new InvalidOperationException(result.Message),
        };
    }

    /// <summary>A person's answer to the run's approval request.</summary>
    public Task ApproveAsync(string runId, ApprovalDecision decision, CancellationToken cancellationToken = default) =>
        Client.RaiseEventAsync(runId, RunEvents.Approval, decision, cancellationToken);

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    /// <summary>The Azure Storage provider leaves FailureDetails empty and puts the text in the output.</summary>
    private static string? FailureOf(OrchestrationMetadata state) => state.FailureDetails?.ErrorMessage ?? state.SerializedOutput;
}
