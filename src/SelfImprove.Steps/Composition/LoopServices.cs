using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SelfImprove.Agents.Llm;
using SelfImprove.Core.Alignment;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Learning.Embeddings;
using SelfImprove.Learning.Scoring;
using SelfImprove.Learning.Training;
using SelfImprove.Storage;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Steps;

/// <summary>
/// The composition root of the loop: one line per service, beside the implementations it wires. Hosts add what is
/// theirs on top (a durable client and the run client, HTTP, a notifier).
/// </summary>
public static class LoopServices
{
    /// <summary>
    /// The model side only: the agents, the clock, the artefact store, the model registry, the encoder (with its
    /// cache), the model loader, the trainer and the initial versions. What <c>train</c>, <c>predict</c>,
    /// <c>evaluate</c> and <c>versions</c> use; no durable engine, no HTTP, no LLM client. One encoder serves every
    /// agent: the first agent's compute target decides where it runs.
    /// </summary>
    public static IServiceCollection AddModelServices(this IServiceCollection services, Action<LoopOptions> configure)
    {
        services.AddOptions<LoopOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LoopOptions>, LoopOptionsValidator>());
        services.AddSingleton(sp => new AgentCatalog(Options(sp).Agents));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => Options(sp).ArtifactStore ?? new LocalArtifactStore(Options(sp).StoreDirectory));
        services.AddSingleton<IModelRegistry, ArtifactModelRegistry>();
        services.AddSingleton(sp => new MiniLmTextEncoder(Options(sp).Agents[0].Manifest.Training.Compute, Options(sp).EncoderThreads));
        services.AddSingleton<ITextEncoder>(sp =>
        {
            var miniLm = sp.GetRequiredService<MiniLmTextEncoder>();
            return new CachingTextEncoder(miniLm, new EmbeddingCache(miniLm.ModelId, miniLm.Dimension, Options(sp).CacheDirectory, Options(sp).TrainingEmbeddingCacheEntries));
        });
        // Predicted texts: a bounded in-memory cache of their own, so traffic never grows the training cache or its file.
        services.AddSingleton(sp =>
        {
            var miniLm = sp.GetRequiredService<MiniLmTextEncoder>();
            return new ServingEncoder(new CachingTextEncoder(miniLm, new EmbeddingCache(miniLm.ModelId, miniLm.Dimension, null, Options(sp).Serving.EmbeddingCacheEntries)));
        });
        services.AddSingleton<ModelLoader>();
        services.AddSingleton<StudentModelTrainer>();
        // The first serving version is a deployment change too: the model commands record it in the promotion ledger.
        services.AddSingleton<DeploymentLedger>();
        services.AddSingleton(sp => new MonitoringChecks(sp.GetRequiredService<IArtifactStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<InitialVersions>();
        return services;
    }

    /// <summary>
    /// Everything the loop's activities use: the model side (<see cref="AddModelServices"/>), the planner, teacher
    /// and feedback agent each manifest names, every step, the run ledger and the serving router. Approval links go to
    /// the log unless the host registers another <see cref="IApprovalNotifier"/>; the host registers the
    /// <see cref="IApprovalLinks"/> its API answers on.
    /// </summary>
    public static IServiceCollection AddSelfImproveLoop(this IServiceCollection services, Action<LoopOptions> configure)
    {
        services.AddModelServices(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LoopOptions>, LlmAgentsValidator>());
        services.AddSingleton<TrainingBatches>();
        services.AddServingPath();
        services.AddHostedService<TrafficFlusher>();
        services.AddSingleton<TrafficRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<TrafficRetention>());
        services.AddSingleton<LabellingQueue>();
        services.AddSingleton<ISubjectData>(sp => sp.GetRequiredService<TrafficLog>());
        services.AddSingleton<ISubjectData>(sp => sp.GetRequiredService<FeedbackLog>());

        services.AddSingleton<RunLedger>();
        services.AddSingleton<ServingRollback>();
        services.AddSingleton<IRunLedger>(sp => sp.GetRequiredService<RunLedger>());
        services.AddSingleton<IUsageLedger, ArtifactUsageLedger>();
        services.AddSingleton(sp => new ManifestAgents(sp.GetRequiredService<IUsageLedger>(), Options(sp).Llm, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IPlanner, ManifestPlanner>();
        services.AddSingleton<ITeacher, ManifestTeacher>();
        services.AddSingleton<IAdversarialProbeWriter, ManifestAdversarialProbeWriter>();
        services.AddSingleton<IFeedbackLabeller, ManifestLabeller>();

        services.AddSingleton<IMonitoringStep, MonitoringStep>();
        services.AddSingleton<IPlanningStep, PlanningStep>();
        services.AddSingleton<IDataGenerationStep, DataGenerationStep>();
        services.AddSingleton<DemonstrationIntake>();
        services.AddSingleton<ILabellingStep>(sp => sp.GetRequiredService<LabellingQueue>());
        services.AddSingleton<ITrainingStep, TrainingStep>();
        services.TryAddSingleton<ITrainingQueue>(sp => Options(sp).TrainingQueue ?? new InMemoryTrainingQueue(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<TrainingJobSubmitter>();
        services.AddSingleton<ITrainingJobStep, TrainingJobStep>();
        services.AddSingleton<IEvaluationStep, EvaluationStep>();
        services.AddSingleton<IAlignmentStep, AlignmentStep>();
        services.AddSingleton<IApprovalStep>(sp => sp.GetRequiredService<ApprovalStep>());
        services.AddSingleton<ApprovalTokens>();
        services.AddSingleton<ApprovalEscalations>();
        services.AddSingleton<ApprovalEscalationTargets>();
        services.AddSingleton<ApprovalStep>();
        services.TryAddSingleton<IApprovalNotifier, LogApprovalNotifier>();
        services.AddSingleton<TrialStopper>();
        services.AddSingleton<IDeploymentStep, DeploymentStep>();
        return services;
    }

    /// <summary>
    /// The serving path on top of <see cref="AddModelServices"/>: the traffic log, the feedback on it and the serving
    /// router (with the run ledger it reads the trial's owner from). Hosts that run the loop get it from <see cref="AddSelfImproveLoop"/>, with the
    /// background flusher; without it, flush the <see cref="TrafficLog"/> yourself (disposing it flushes too).
    /// </summary>
    public static IServiceCollection AddServingPath(this IServiceCollection services)
    {
        services.TryAddSingleton<LoopContext>();
        services.TryAddSingleton<RunLedger>();
        services.TryAddSingleton<TrafficLog>();
        services.TryAddSingleton<FeedbackLog>();
        services.TryAddSingleton<ServingPointers>();
        services.TryAddSingleton<EncoderBatcher>();
        services.TryAddSingleton<ServingRouter>();
        return services;
    }

    private static LoopOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<LoopOptions>>().Value;
}

/// <summary>Replacing steps: a host, a test or a benchmark swaps in its own implementations.</summary>
public static class StepOverrides
{
    /// <summary>Every step interface of the loop: the <c>I…Step</c> interfaces of <c>src/SelfImprove.Workflows/Steps</c>.</summary>
    public static IReadOnlyList<Type> StepInterfaces { get; } = typeof(IMonitoringStep).Assembly.GetTypes()
        .Where(t => t is { IsInterface: true, IsPublic: true } && t.Namespace == typeof(IMonitoringStep).Namespace && t.Name.EndsWith("Step", StringComparison.Ordinal))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToArray();

    /// <summary>Registers <paramref name="steps"/> as every step interface it implements (later registrations win).</summary>
    public static IServiceCollection AddStepsFrom<T>(this IServiceCollection services, Func<IServiceProvider, T> steps) where T : class
    {
        services.AddSingleton(steps);
        foreach (var step in StepInterfaces.Where(i => i.IsAssignableFrom(typeof(T))))
            services.AddSingleton(step, sp => sp.GetRequiredService<T>());
        return services;
    }

    /// <summary>Registers one instance as every step interface it implements.</summary>
    public static IServiceCollection AddStepsFrom<T>(this IServiceCollection services, T steps) where T : class => services.AddStepsFrom(_ => steps);

    /// <summary>
    /// Wraps every registered step in <paramref name="decorate"/> (e.g. to time each call); the decorator gets the
    /// step interface and the registered implementation and returns an object implementing that interface.
    /// </summary>
    public static IServiceCollection DecorateSteps(this IServiceCollection services, Func<Type, object, IServiceProvider, object> decorate)
    {
        foreach (var step in StepInterfaces)
        {
            var last = services.LastOrDefault(d => d.ServiceType == step);
            if (last is null) continue;
            services.Add(ServiceDescriptor.Singleton(step, sp => decorate(step, Resolve(sp, last), sp)));
        }
        return services;
    }

    private static object Resolve(IServiceProvider services, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(services)
        ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);
}
