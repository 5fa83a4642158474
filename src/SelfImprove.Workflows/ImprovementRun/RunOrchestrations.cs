using System.Globalization;
using Microsoft.DurableTask;
using SelfImprove.Core.Runs;

namespace SelfImprove.Workflows.ImprovementRun;

/// <summary>One version of the improvement run's orchestrator.</summary>
/// <param name="Version">1, 2, …: new runs start on the highest a host has.</param>
/// <param name="Name">The orchestration name, which is how a run keeps its version: <see cref="RunOrchestrations.NameOf"/>.</param>
/// <param name="Type">The orchestrator class, a <c>TaskOrchestrator&lt;RunInput, ImprovementReport&gt;</c>.</param>
public sealed record RunOrchestratorVersion(int Version, string Name, Type Type);

/// <summary>
/// The versions of the improvement run's orchestrator a host has, and the one new runs start on. A run is an
/// orchestration named after its version (<c>ImprovementRunOrchestrator</c> is version 1,
/// <c>ImprovementRunOrchestratorV2</c> version 2, …), so it replays on the code it started on for its whole life,
/// across restarts and deploys: a changed orchestrator is a new class with the next version's name, and the old class
/// stays, unchanged and registered, until no run of it is left (see this project's README, "Changing an orchestrator").
/// </summary>
public sealed class RunOrchestrations
{
    /// <summary>Version 1's name, and the stem of every later version's (<c>{BaseName}V{n}</c>).</summary>
    public const string BaseName = nameof(ImprovementRunOrchestrator);

    private static readonly Lazy<RunOrchestrations> Shipped = new(() => new(WorkflowRegistration.Orchestrators.Where(IsRunOrchestrator)));

    /// <summary>The run orchestrators of this assembly: what every host registers.</summary>
    /// <exception cref="ArgumentException">A run orchestrator of this assembly is named off the convention (the message names it).</exception>
    public static RunOrchestrations Default => Shipped.Value;

    /// <param name="orchestrators">
    /// Run orchestrator classes, each a <c>TaskOrchestrator&lt;RunInput, ImprovementReport&gt;</c> named by the
    /// convention (<see cref="NameOf"/>), one per version.
    /// </param>
    /// <exception cref="ArgumentException">None given, a class that is not a run orchestrator, a name off the convention, or a version given twice.</exception>
    public RunOrchestrations(IEnumerable<Type> orchestrators)
    {
        ArgumentNullException.ThrowIfNull(orchestrators);
        var versions = new List<RunOrchestratorVersion>();
        foreach (var type in orchestrators)
        {
            if (!IsRunOrchestrator(type))
                throw new ArgumentException($"{type.FullName} is not a run orchestrator: it must be a concrete TaskOrchestrator<RunInput, ImprovementReport>.", nameof(orchestrators));
            var version = VersionOf(type.Name)
                ?? throw new ArgumentException(
                    $"Run orchestrator {type.FullName}: its name must be {BaseName} (version 1) or {BaseName}V<n> with n ≥ 2, the orchestration name runs keep.",
                    nameof(orchestrators));
            if (versions.FirstOrDefault(v => v.Version == version) is { } twice)
                throw new ArgumentException($"Run orchestrator version {version} is given twice: {twice.Type.FullName} and {type.FullName}.", nameof(orchestrators));
            versions.Add(new RunOrchestratorVersion(version, type.Name, type));
        }
        if (versions.Count == 0) throw new ArgumentException("At least one run orchestrator version is needed.", nameof(orchestrators));
        Versions = versions.OrderBy(v => v.Version).ToArray();
    }

    /// <summary>Every version this host has, oldest first.</summary>
    public IReadOnlyList<RunOrchestratorVersion> Versions { get; }

    /// <summary>The version new runs start on: the highest.</summary>
    public RunOrchestratorVersion Current => Versions[^1];

    /// <summary>The orchestration name of a version: <c>ImprovementRunOrchestrator</c> for 1, <c>ImprovementRunOrchestratorV{n}</c> after.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is below 1.</exception>
    public static string NameOf(int version)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        return version == 1 ? BaseName : $"{BaseName}V{version.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// The version an orchestration name stands for, or null when it is not an improvement run's (e.g. a monitoring
    /// check). Any version, also one this host does not have: a run stays a run for the API.
    /// </summary>
    public static int? VersionOf(string? orchestrationName)
    {
        if (orchestrationName == BaseName) return 1;
        if (orchestrationName is null || !orchestrationName.StartsWith(BaseName + "V", StringComparison.Ordinal)) return null;
        var digits = orchestrationName.AsSpan(BaseName.Length + 1);
        return digits.Length is > 0 and <= 9 && digits[0] != '0' && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 2
            ? n : null;
    }

    /// <summary>Whether this host has the version a run of this orchestration name needs.</summary>
    public bool Has(string? orchestrationName) => Versions.Any(v => v.Name == orchestrationName);

    /// <summary>A concrete <c>TaskOrchestrator&lt;RunInput, ImprovementReport&gt;</c>.</summary>
    public static bool IsRunOrchestrator(Type type) =>
        type is { IsClass: true, IsAbstract: false } && typeof(TaskOrchestrator<RunInput, ImprovementReport>).IsAssignableFrom(type);
}
