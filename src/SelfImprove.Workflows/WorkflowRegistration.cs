using Microsoft.DurableTask;

namespace SelfImprove.Workflows;

/// <summary>Registers every orchestrator and activity of the loop with a Durable Task worker.</summary>
public static class WorkflowRegistration
{
    /// <summary>Every orchestrator class of this assembly (registered under its class name).</summary>
    public static IReadOnlyList<Type> Orchestrators { get; } = TasksOf(typeof(ITaskOrchestrator));

    /// <summary>Every activity class of this assembly (a step's activities live in its file under <c>Steps/</c>).</summary>
    public static IReadOnlyList<Type> Activities { get; } = TasksOf(typeof(ITaskActivity));

    /// <summary>
    /// Registers every orchestrator and activity of this assembly, every version of the run orchestrator among them,
    /// plus the run orchestrator versions of <paramref name="runs"/> that live elsewhere (when given).
    /// </summary>
    public static DurableTaskRegistry AddSelfImproveWorkflows(this DurableTaskRegistry registry, ImprovementRun.RunOrchestrations? runs = null)
    {
        foreach (var orchestrator in Orchestrators) registry.AddOrchestrator(orchestrator);
        foreach (var version in runs?.Versions ?? [])
            if (!Orchestrators.Contains(version.Type)) registry.AddOrchestrator(version.Type);
        foreach (var activity in Activities) registry.AddActivity(activity);
        return registry;
    }

    private static Type[] TasksOf(Type kind) =>
        typeof(WorkflowRegistration).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && kind.IsAssignableFrom(t))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToArray();
}
