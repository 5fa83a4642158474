using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using SelfImprove.Core.Ports;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Benchmarks;

/// <summary>Seconds spent inside each step (and inside the encoder), accumulated by name.</summary>
public sealed class StepClock
{
    private readonly ConcurrentDictionary<string, double> seconds = new();

    public IReadOnlyDictionary<string, double> Seconds => seconds;

    public void Add(string name, TimeSpan elapsed) => seconds.AddOrUpdate(name, elapsed.TotalSeconds, (_, s) => s + elapsed.TotalSeconds);

    public T Time<T>(string name, Func<T> work)
    {
        var clock = Stopwatch.StartNew();
        try { return work(); }
        finally { Add(name, clock.Elapsed); }
    }

    public void Clear() => seconds.Clear();
}

/// <summary>
/// Times every call of one step interface (whatever its members): a proxy in front of the registered step, put
/// there by <c>StepOverrides.DecorateSteps</c>, so a step added to the loop is timed without code here.
/// </summary>
public class TimedStep : DispatchProxy
{
    private static readonly Dictionary<Type, string> Phases = new()
    {
        [typeof(IMonitoringStep)] = "monitor", [typeof(IPlanningStep)] = "plan", [typeof(IDataGenerationStep)] = "generate",
        [typeof(ITrainingStep)] = "train", [typeof(IEvaluationStep)] = "evaluate", [typeof(IAlignmentStep)] = "align",
        [typeof(IApprovalStep)] = "approval", [typeof(IDeploymentStep)] = "deploy",
    };

    private object inner = null!;
    private StepClock clock = null!;
    private string name = "";

    /// <summary>A proxy implementing <paramref name="stepInterface"/> that times each call of <paramref name="step"/> on <paramref name="clock"/>.</summary>
    public static object Wrap(Type stepInterface, object step, StepClock clock)
    {
        var proxy = (TimedStep)Create(stepInterface, typeof(TimedStep));
        proxy.inner = step;
        proxy.clock = clock;
        proxy.name = Phases.GetValueOrDefault(stepInterface) ?? stepInterface.Name;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        var watch = Stopwatch.StartNew();
        object? result;
        try { result = method!.Invoke(inner, args); }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            clock.Add(name, watch.Elapsed);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
        if (result is Task task)
            task.ContinueWith(_ => clock.Add(name, watch.Elapsed), TaskContinuationOptions.ExecuteSynchronously);
        else
            clock.Add(name, watch.Elapsed);
        return result;
    }
}

/// <summary>The encoder, its inference time on the <see cref="StepClock"/> under "embedding".</summary>
public sealed class TimedEncoder(StepClock clock, ITextEncoder inner) : ITextEncoder
{
    public string ModelId => inner.ModelId;
    public int Dimension => inner.Dimension;

    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        clock.Time("embedding", () => inner.Encode(texts, cancellationToken));
}
