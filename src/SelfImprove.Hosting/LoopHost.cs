using DurableTask.Core;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SelfImprove.Runs;
using SelfImprove.Steps;
using SelfImprove.Workflows;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Hosting;

/// <summary>
/// The loop's orchestrations and activities running in this process (behind the gRPC sidecar, with the real
/// worker and client) on a backend of <see cref="DurableBackends"/>: in-memory by default (the embedded default,
/// the demo and tests; state lives as long as the process), or the Azure Storage provider. Runs are started, read,
/// decided and ended through <see cref="Runs"/>, the same run client the HTTP API uses.
/// </summary>
public sealed class LoopHost : IAsyncDisposable
{
    private readonly DurableHost host;

    private LoopHost(DurableHost host) => this.host = host;

    public DurableTaskClient Client => host.Client;
    public IServiceProvider Services => host.Services;

    /// <summary>The run client over this host's durable client.</summary>
    public RunClient Runs => Services.GetRequiredService<RunClient>();

    /// <param name="options">Agents and store (validated when the host starts: an <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> names every problem).</param>
    /// <param name="configure">Replaces services after the defaults (e.g. the notifier, or fakes in tests).</param>
    /// <param name="loggerFactory">Durable Task's own logs; silent by default.</param>
    /// <param name="backend">Where orchestration state lives; in-memory when null.</param>
    /// <param name="runOrchestrations">
    /// The run orchestrator versions to register, new runs starting on the highest; <see cref="RunOrchestrations.Default"/>
    /// (this build's) when null. Tests give a version that lives in the test.
    /// </param>
    /// <param name="concurrency">Work items at once in this process; the backend's <see cref="EngineConcurrency.DefaultFor"/> when null.</param>
    /// <exception cref="ArgumentException"><paramref name="concurrency"/> is out of range (names the setting).</exception>
    public static async Task<LoopHost> StartAsync(
        Action<LoopOptions> options, Action<IServiceCollection>? configure = null, ILoggerFactory? loggerFactory = null,
        IOrchestrationService? backend = null, CancellationToken cancellationToken = default, RunOrchestrations? runOrchestrations = null,
        EngineConcurrency? concurrency = null)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        runOrchestrations ??= RunOrchestrations.Default;
        var host = await DurableHost.StartAsync(
            backend ?? DurableBackends.InMemory(loggerFactory),
            registry => registry.AddSelfImproveWorkflows(runOrchestrations),
            services =>
            {
                services.AddSelfImproveLoop(options);
                services.AddSingleton(runOrchestrations);
                services.AddRunClient();
                services.AddSingleton<TrafficReplayer>();
                configure?.Invoke(services);
                KeepApprovalTokens(services);
            },
            loggerFactory,
            cancellationToken,
            concurrency);
        return new LoopHost(host);
    }

    /// <summary>
    /// A person at this process decides a run that waits for approval: through the same token gate as the webhook,
    /// with the token this process's notifier was handed (see <see cref="LocalApprovals"/>).
    /// </summary>
    /// <exception cref="TimeoutException">The run asked for no approval within a minute.</exception>
    public async Task<ApprovalResult> ApproveAsync(string runId, ApprovalDecision decision, CancellationToken cancellationToken = default)
    {
        var token = await Services.GetRequiredService<LocalApprovals>().TokenAsync(runId, cancellationToken: cancellationToken);
        return await Runs.DecideAsync(runId, token, decision, cancellationToken);
    }

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    /// <summary>Wraps whichever notifier the host chose in <see cref="LocalApprovals"/>, so this process can answer too.</summary>
    private static void KeepApprovalTokens(IServiceCollection services)
    {
        var chosen = services.Last(d => d.ServiceType == typeof(IApprovalNotifier));
        services.AddSingleton(sp => new LocalApprovals((IApprovalNotifier)(chosen.ImplementationInstance
            ?? chosen.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, chosen.ImplementationType!))));
        services.AddSingleton<IApprovalNotifier>(sp => sp.GetRequiredService<LocalApprovals>());
    }
}
