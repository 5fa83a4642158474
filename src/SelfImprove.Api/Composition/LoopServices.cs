using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Agents.Llm;
using SelfImprove.Api.Approval;
using SelfImprove.Api.Http;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Steps;
using SelfImprove.Learning.Embeddings;
using SelfImprove.Learning.Scoring;
using SelfImprove.Learning.Training;
using SelfImprove.Steps;
using SelfImprove.Storage;
using SelfImprove.Workflows;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Api.Composition;

/// <summary>The services the loop's activities use, wired for one host.</summary>
public static class LoopServices
{
    /// <summary>
    /// Registers the agents, the store, the student model, the planner, teacher and feedback agent each manifest
    /// names, every step and the HTTP API's handlers. The options and every LLM client are checked first, so a host
    /// with nothing to serve, a missing key or a bad endpoint stops at start-up with the problem named. One encoder
    /// serves every agent: the first agent's compute target decides where it runs. Approval links go to the log
    /// unless the host registers another <see cref="IApprovalNotifier"/>.
    /// </summary>
    public static IServiceCollection AddSelfImproveLoop(this IServiceCollection services, LoopOptions options)
    {
        options.Validate();
        ManifestAgents.CheckConfiguration(options.Agents.Select(a => a.Manifest), options.Llm);
        var catalog = new AgentCatalog(options.Agents);
        var compute = catalog.AgentIds.Select(id => catalog.Get(id).Manifest.Training.Compute).First();

        services.AddSingleton(options);
        services.AddSingleton(catalog);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(options.ArtifactStore ?? new LocalArtifactStore(options.StoreDirectory));
        services.AddSingleton<IModelRegistry, ArtifactModelRegistry>();
        services.AddSingleton(_ => new MiniLmTextEncoder(compute));
        services.AddSingleton<ITextEncoder>(sp =>
        {
            var miniLm = sp.GetRequiredService<MiniLmTextEncoder>();
            return new CachingTextEncoder(miniLm, new EmbeddingCache(miniLm.ModelId, miniLm.Dimension, options.CacheDirectory));
        });
        services.AddSingleton<ModelLoader>();
        services.AddSingleton<StudentModelTrainer>();
        services.AddSingleton<LoopContext>();
        services.AddSingleton<ServingRouter>();

        services.AddSingleton<RunLedger>();
        services.AddSingleton<IRunLedger>(sp => sp.GetRequiredService<RunLedger>());
        services.AddSingleton<IUsageLedger, ArtifactUsageLedger>();
        services.AddSingleton(sp => new ManifestAgents(sp.GetRequiredService<IUsageLedger>(), options.Llm, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IPlanner, ManifestPlanner>();
        services.AddSingleton<ITeacher, ManifestTeacher>();
        services.AddSingleton<IFeedbackLabeller, ManifestLabeller>();
        services.AddSingleton<DemonstrationIntake>();
        services.AddSingleton<IMonitoringStep, MonitoringStep>();
        services.AddSingleton<IPlanningStep, PlanningStep>();
        services.AddSingleton<IDataGenerationStep, DataGenerationStep>();
        services.AddSingleton<ITrainingStep, TrainingStep>();
        services.AddSingleton<IEvaluationStep, EvaluationStep>();
        services.AddSingleton<IAlignmentStep, AlignmentStep>();
        services.AddSingleton<IDeploymentStep, DeploymentStep>();
        services.AddSingleton<ApprovalTokens>();
        services.AddSingleton<ApprovalGate>();
        services.AddSingleton<Demonstrations.DemonstrationGate>();
        services.AddSingleton<IApprovalStep, ApprovalStep>();
        services.AddSingleton<IApprovalNotifier, LogApprovalNotifier>();
        services.AddSingleton<FeedbackLog>();
        services.AddSingleton<ImprovementApi>();
        // Hosts whose durable client lives in DI (the self-host); the Functions app builds these from its client binding.
        services.AddSingleton<IRunScheduler, DurableRunScheduler>();
        services.AddSingleton<RunStarter>();
        return services;
    }
}

/// <summary>Replacing steps: a host, a test or a benchmark swaps in its own implementations.</summary>
public static class StepOverrides
{
    private static readonly Type[] StepInterfaces =
    [
        typeof(IMonitoringStep), typeof(IPlanningStep), typeof(IDataGenerationStep), typeof(ITrainingStep),
        typeof(IEvaluationStep), typeof(IAlignmentStep), typeof(IApprovalStep), typeof(IDeploymentStep),
    ];

    /// <summary>Registers <paramref name="steps"/> as every step interface it implements (later registrations win).</summary>
    public static IServiceCollection AddStepsFrom<T>(this IServiceCollection services, Func<IServiceProvider, T> steps) where T : class
    {
        services.AddSingleton(steps);
        foreach (var step in StepInterfaces.Where(i => i.IsAssignableFrom(typeof(T))))
            services.AddSingleton(step, sp => sp.GetRequiredService<T>());
        return services;
    }

    public static IServiceCollection AddStepsFrom<T>(this IServiceCollection services, T steps) where T : class => services.AddStepsFrom(_ => steps);
}

/// <summary>Starts improvement runs through the host's durable client; the run id is the instance id.</summary>
public sealed class DurableRunScheduler(DurableTaskClient client) : IRunScheduler
{
    public Task ScheduleAsync(RunInput input, CancellationToken cancellationToken = default) =>
        client.ScheduleNewOrchestrationInstanceAsync(nameof(ImprovementRunOrchestrator), input, new StartOrchestrationOptions(input.RunId), cancellationToken);

    public async Task<RunInstanceState> StateAsync(string runId, CancellationToken cancellationToken = default) =>
        (await client.GetInstanceAsync(runId, cancellationToken))?.RuntimeStatus switch
        {
            null => RunInstanceState.Missing,
            OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated => RunInstanceState.Ended,
            _ => RunInstanceState.Active,
        };
}
