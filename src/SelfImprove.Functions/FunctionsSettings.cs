using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace SelfImprove.Functions;

/// <summary>
/// The app's settings (section <c>SelfImprove</c>; in app settings <c>SelfImprove__Name</c>), checked at start-up
/// so a misconfigured app fails to start with the setting named instead of failing its first request.
/// </summary>
public sealed class FunctionsSettings
{
    public const string Section = "SelfImprove";

    /// <summary>Folder of <c>*.agent.json</c>, relative to the app's root; the build copies <c>workflows/</c> there.</summary>
    public string AgentsFolder { get; init; } = "workflows";

    /// <summary>NCRONTAB of the monitoring timer (six fields, seconds first), e.g. <c>0 */15 * * * *</c>; required, the timer trigger reads it.</summary>
    public string? MonitoringSchedule { get; init; }

    /// <summary>Blob container of the artefacts in the <c>AzureWebJobsStorage</c> account.</summary>
    public string ArtifactContainer { get; init; } = "selfimprove";

    /// <summary>Where people reach the API, for approval links; default <c>https://{WEBSITE_HOSTNAME}/</c>.</summary>
    public string? PublicBaseUrl { get; init; }

    /// <summary>Where approval requests are posted (a Teams or Slack workflow URL); none: the link goes to the log.</summary>
    public ApprovalSettings Approval { get; init; } = new();

    public sealed class ApprovalSettings
    {
        public string? NotifyUrl { get; init; }
    }

    /// <summary>How each monitoring tick fans out and how many runs it starts (app settings <c>SelfImprove__Monitoring__*</c>).</summary>
    public MonitoringSettings Monitoring { get; init; } = new();

    /// <summary>The monitoring tick's settings; 0 (unset) takes the default of <see cref="Workflows.Monitoring.MonitorTickLimits"/>.</summary>
    public sealed class MonitoringSettings
    {
        /// <summary>Agents per batch (one activity each), 1 to 200; default 25.</summary>
        public int BatchSize { get; init; }

        /// <summary>Batches in flight at once, 1 to 64; default 4.</summary>
        public int BatchesInFlight { get; init; }

        /// <summary>The most improvement runs one tick starts, 1 to 10,000; default 25. Agents beyond it are deferred to later ticks.</summary>
        public int MaxRuns { get; init; }
    }

    /// <summary>The app's settings, bound from <paramref name="configuration"/> and checked by <see cref="FunctionsSettingsValidator"/>.</summary>
    /// <exception cref="InvalidOperationException">Names every missing or bad setting; the app does not start.</exception>
    public static FunctionsSettings From(IConfiguration configuration)
    {
        var settings = configuration.GetSection(Section).Get<FunctionsSettings>() ?? new FunctionsSettings();
        var result = new FunctionsSettingsValidator(configuration).Validate(null, settings);
        if (result.Failed) throw new InvalidOperationException("SelfImprove cannot start: " + string.Join(" ", result.Failures));
        return settings;
    }

    /// <summary>Core Tools set <c>WEBSITE_HOSTNAME</c> to <c>localhost:7071</c>, served over plain http.</summary>
    public Uri? EffectivePublicBaseUrl(IConfiguration configuration) =>
        PublicBaseUrl is { } url ? new Uri(url.EndsWith('/') ? url : url + "/")
        : configuration["WEBSITE_HOSTNAME"] is { Length: > 0 } host
            ? new Uri($"{(host.StartsWith("localhost", StringComparison.OrdinalIgnoreCase) || host.StartsWith("127.0.0.1", StringComparison.Ordinal) ? "http" : "https")}://{host}/")
        : null;
}

/// <summary>The rules of <see cref="FunctionsSettings"/>, each failure naming the app setting to fix.</summary>
public sealed class FunctionsSettingsValidator(IConfiguration configuration) : IValidateOptions<FunctionsSettings>
{
    public ValidateOptionsResult Validate(string? name, FunctionsSettings settings)
    {
        const string section = FunctionsSettings.Section;
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(configuration["AzureWebJobsStorage"]))
            problems.Add("AzureWebJobsStorage: set the storage connection string (UseDevelopmentStorage=true for Azurite).");
        if (string.IsNullOrWhiteSpace(settings.MonitoringSchedule))
            problems.Add($"{section}:MonitoringSchedule: set the monitoring timer's NCRONTAB (app setting {section}__MonitoringSchedule), e.g. 0 */15 * * * *.");
        var agents = Path.Combine(AppContext.BaseDirectory, settings.AgentsFolder);
        if (!Directory.Exists(agents) || !Directory.EnumerateFiles(agents, "*.agent.json").Any())
            problems.Add($"{section}:AgentsFolder: no *.agent.json in '{agents}'.");
        if (settings.PublicBaseUrl is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
            problems.Add($"{section}:PublicBaseUrl: '{url}' is not an absolute URL.");
        if (settings.Approval.NotifyUrl is { Length: > 0 } notify
            && !(Uri.TryCreate(notify, UriKind.Absolute, out var n) && (n.Scheme == "https" || n.Scheme == "http" && n.IsLoopback)))
            problems.Add($"{section}:Approval:NotifyUrl: must be an https URL (the link it receives authorises a deployment).");
        if (string.IsNullOrWhiteSpace(settings.ArtifactContainer) || settings.ArtifactContainer.Length is < 3 or > 63
            || settings.ArtifactContainer.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')))
            problems.Add($"{section}:ArtifactContainer: '{settings.ArtifactContainer}' is not a blob container name (3–63 lower-case letters, digits, '-').");
        foreach (var (setting, value, max) in new[]
                 {
                     ("BatchSize", settings.Monitoring.BatchSize, Workflows.Monitoring.MonitorTickLimits.MaxBatchSize),
                     ("BatchesInFlight", settings.Monitoring.BatchesInFlight, Workflows.Monitoring.MonitorTickLimits.MaxBatchesInFlight),
                     ("MaxRuns", settings.Monitoring.MaxRuns, Workflows.Monitoring.MonitorTickLimits.MaxRunsStartedLimit),
                 })
            if (value < 0 || value > max)
                problems.Add($"{section}:Monitoring:{setting}: {value} is outside 1–{max:N0} (app setting {section}__Monitoring__{setting}; leave it unset for the default).");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
