using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.Steps;
using SelfImprove.Learning.Training;
using SelfImprove.Runs;
using SelfImprove.Hosting;
using SelfImprove.Server;
using SelfImprove.Steps;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Cli.Commands;

/// <summary>
/// <c>selfimprove demo</c>: the whole loop on the embedded default — a first version is trained if none serves,
/// a monitoring check applies the trigger policy, and the improvement run it starts is followed phase by phase
/// to its end. Approval is given automatically unless <c>--interactive</c>.
/// </summary>
public static class DemoCommand
{
    public const string DefaultManifest = "workflows/support-router.agent.json";
    private const string AutoApprover = "demo-auto-approver";

    public static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
    };

    public static Command Create(TextWriter output, TextWriter error, TextReader input)
    {
        var manifest = new Option<FileInfo>("--manifest", "-m")
        {
            Description = $"The agent manifest. Default: {DefaultManifest}.",
            DefaultValueFactory = _ => new FileInfo(DefaultManifest),
        };
        var seed = new Option<int?>("--seed") { Description = "Seed of the built-in data generator (overrides the manifest's)." };
        var json = new Option<bool>("--json") { Description = "Print the run report as one JSON object on stdout; progress goes to stderr." };
        var interactive = new Option<bool>("--interactive") { Description = "Ask at the terminal for the approval instead of approving automatically." };
        var store = new Option<DirectoryInfo?>("--store")
        {
            Description = "Artefact store to use. Default: a fresh folder under ./.selfimprove/demo, so every demo starts from the same state.",
        };
        var llm = new Option<string?>("--llm")
        {
            Description = "Put the planner, teacher and feedback agent on an LLM: 'openai-compatible' (--endpoint, --model; key from OPENAI_API_KEY, " +
                          "any placeholder for local servers) or 'azure-openai' (--endpoint, --deployment; AZURE_OPENAI_API_KEY or DefaultAzureCredential). Overrides the manifest.",
        };
        llm.AcceptOnlyFromAmong([.. WireNames.All<AgentKind>()]);
        var endpoint = new Option<string?>("--endpoint") { Description = "With --llm: the base URL OpenAI clients take, /v1 included (e.g. http://127.0.0.1:11434/v1), or the Azure OpenAI resource URL." };
        var model = new Option<string?>("--model") { Description = $"With --llm openai-compatible: the model name. Default: the manifest's planner deployment, else {DefaultModel}." };
        var deployment = new Option<string?>("--deployment") { Description = "With --llm azure-openai: the deployment name." };
        var tokenBudget = new Option<int?>("--token-budget") { Description = $"With --llm: tokens the run may spend. Default: the manifest's planner.tokenBudget, else {DefaultTokenBudget}." };
        var command = new Command("demo", "Run the agent through monitoring and a full improvement run on the embedded durable host.")
        {
            manifest, seed, json, interactive, store, llm, endpoint, model, deployment, tokenBudget,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var asJson = parse.GetValue(json);
            var progress = asJson ? error : output;
            var loaded = WithSeed(ManifestLoader.Load(parse.GetValue(manifest)!.FullName), parse.GetValue(seed));
            loaded = WithLlm(loaded, parse.GetValue(llm), parse.GetValue(endpoint), parse.GetValue(model), parse.GetValue(deployment), parse.GetValue(tokenBudget));
            var storeDirectory = parse.GetValue(store)?.FullName
                ?? Path.GetFullPath(Path.Combine(".selfimprove", "demo", $"{loaded.Manifest.AgentId}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}"));
            await using var host = await LoopHost.StartAsync(loop =>
                {
                    loop.Agents = [loaded];
                    loop.StoreDirectory = storeDirectory;
                    // Embeddings depend only on the text: share them between demo stores.
                    loop.EmbeddingCacheDirectory = Path.GetFullPath(Path.Combine(".selfimprove", "cache", "embeddings"));
                },
                // Said on stderr in the form the server uses on stdout (stdout may be the JSON report).
                services => services.AddSingleton<IApprovalNotifier>(new ConsoleApprovalNotifier(error)), cancellationToken: cancellationToken);
            var agentId = loaded.Manifest.AgentId;
            progress.WriteLine($"store      {storeDirectory}");

            await BootstrapAsync(host.Services, loaded, progress, cancellationToken);
            var replayer = host.Services.GetRequiredService<TrafficReplayer>();
            var replayClock = Stopwatch.StartNew();
            var past = await replayer.ReplayHistoryAsync(agentId, cancellationToken);
            progress.WriteLine($"replay     {past.Requests} recorded requests answered and logged, {past.Feedback} came back with feedback ({replayClock.Elapsed.TotalSeconds:0.0} s)");

            var check = await host.Runs.CheckAsync(agentId, cancellationToken: cancellationToken);
            var snapshot = check.Snapshot;
            progress.WriteLine($"monitor    serving {snapshot.ServingVersionId}: {snapshot.Metric.ToWire()} {snapshot.ValidationValue:0.000} on {snapshot.ValidationCount} validation, " +
                               $"{snapshot.FeedbackValue:0.000} on {snapshot.FeedbackCount} recent feedback -> {check.Decision.Outcome.ToWire()}: {check.Decision.Reason}");

            ImprovementReport report;
            if (check.RunId is null || check.Decision.ShouldStart is false)
            {
                report = await NotNeededAsync(host.Services, loaded.Manifest, check.Decision.Reason, snapshot.ServingVersionId, cancellationToken);
            }
            else
            {
                // The replayer plays the agent's users and annotators while the run goes: it labels the queue and sends the trial's traffic.
                using var accompany = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var users = replayer.AccompanyAsync(agentId, check.RunId, host.Runs, TimeSpan.FromMilliseconds(100), accompany.Token);
                report = await host.Runs.WatchAsync(check.RunId,
                    p => progress.WriteLine($"{p.Phase.ToWire(),-10} attempt {p.Attempt}: {p.Detail}"),
                    async run =>
                    {
                        var decision = parse.GetValue(interactive) ? Ask(run.RunId, run.Progress!, error, input) : new ApprovalDecision(true, AutoApprover, "approved automatically by the demo");
                        // The same gate as the approval webhook: the link's single-use token authorises the decision.
                        var result = await host.ApproveAsync(run.RunId, decision, cancellationToken);
                        if (result.Outcome != ApprovalOutcome.Accepted) error.WriteLine($"approval  {result.Message}");
                    },
                    async run =>
                    {
                        var (runId, p) = (run.RunId, run.Progress!);
                        error.WriteLine($"DEMONSTRATIONS REQUESTED {runId} attempt {p.Current.Attempt}: {p.Current.Detail}");
                        if (!parse.GetValue(interactive)) return;
                        var samples = AskDemonstrations(error, input);
                        if (samples.Count == 0) return;
                        var sent = await host.Runs.DemonstrateAsync(runId, Environment.UserName, samples, cancellationToken);
                        error.WriteLine(sent.Outcome == DemonstrationOutcome.Accepted
                            ? $"demonstrations: {sent.Received!.Count} samples sent for attempt {sent.Received.Attempt}"
                            : $"demonstrations: {sent.Message}");
                    },
                    cancellationToken);
                await accompany.CancelAsync();
                await users;
            }
            report = report with { WallSeconds = Math.Round((DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds, 1) };

            if (asJson) output.WriteLine(JsonSerializer.Serialize(report, ReportJson));
            else WriteSummary(output, report);
            return report.Status is RunStatus.Promoted or RunStatus.NotNeeded ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>The demo starts from a serving version trained on the labelled pool, like a deployed agent.</summary>
    private static async Task BootstrapAsync(IServiceProvider services, LoadedManifest loaded, TextWriter progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var version = await services.GetRequiredService<InitialVersions>().EnsureAsync(loaded.Manifest.AgentId, "demo:bootstrap", cancellationToken);
        if (version is not null)
            progress.WriteLine($"bootstrap  trained {version.VersionId} on {version.TrainingSet.Count} pool examples in {clock.Elapsed.TotalSeconds:0.0} s; it serves");
    }

    /// <summary>Reads demonstrated samples at the terminal, one "intent: request text" per line, until an empty line.</summary>
    private static IReadOnlyList<DemonstratedSample> AskDemonstrations(TextWriter error, TextReader input)
    {
        error.WriteLine("Type samples as 'intent: request text', one a line; an empty line sends them.");
        var samples = new List<DemonstratedSample>();
        while (input.ReadLine() is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) error.WriteLine($"  skipped (no 'intent:' before the text): {line}");
            else samples.Add(new DemonstratedSample(line[(colon + 1)..].Trim(), line[..colon].Trim()));
        }
        return samples;
    }

    private static ApprovalDecision Ask(string runId, RunProgress progress, TextWriter error, TextReader input)
    {
        error.Write($"Approve {progress.CandidateVersionId} of run {runId} ({progress.Current.Detail})? [y/N] ");
        var answer = input.ReadLine()?.Trim().ToLowerInvariant();
        return new ApprovalDecision(answer is "y" or "yes", Environment.UserName, "answered at the terminal");
    }

    public const string DefaultModel = "gpt-4o-mini";
    public const int DefaultTokenBudget = 200_000;

    /// <summary>The command-line LLM options, applied to the planner, teacher and feedback agent and validated like the manifest.</summary>
    private static LoadedManifest WithLlm(LoadedManifest loaded, string? kind, string? endpoint, string? model, string? deployment, int? tokenBudget)
    {
        if (kind is null)
        {
            if (endpoint is not null || model is not null || deployment is not null || tokenBudget is not null)
                throw new InvalidDataException("--endpoint, --model, --deployment and --token-budget apply only with --llm openai-compatible or --llm azure-openai.");
            return loaded;
        }
        var m = loaded.Manifest;
        var agentKind = WireNames.Parse<AgentKind>(kind);
        if (agentKind is AgentKind.Offline)
            return ManifestLoader.WithChanges(loaded, m with
            {
                Planner = m.Planner with { Kind = agentKind }, Teacher = m.Teacher with { Kind = agentKind, Specialists = [] }, Feedback = m.Feedback with { Kind = agentKind },
            }, "--llm offline");
        var azure = agentKind is AgentKind.AzureOpenAI;
        if (!azure && deployment is not null)
            throw new InvalidDataException("--deployment is for --llm azure-openai; an OpenAI-compatible server takes --model.");
        if (azure && model is not null)
            throw new InvalidDataException("--model is for --llm openai-compatible; Azure OpenAI takes --deployment.");
        endpoint ??= m.Planner.Endpoint
            ?? throw new InvalidDataException($"--llm {kind} needs --endpoint (e.g. {(azure ? "https://NAME.openai.azure.com" : "http://127.0.0.1:11434/v1")}).");
        var name = (azure ? deployment : model) ?? m.Planner.Deployment
            ?? (azure ? throw new InvalidDataException("--llm azure-openai needs --deployment.") : DefaultModel);
        var budget = tokenBudget ?? (m.Planner.TokenBudget > 0 ? m.Planner.TokenBudget : DefaultTokenBudget);
        var changed = m with
        {
            Planner = m.Planner with { Kind = agentKind, Endpoint = endpoint, Deployment = name, TokenBudget = budget },
            Teacher = m.Teacher with { Kind = agentKind, Endpoint = endpoint, Deployment = name },
            Feedback = m.Feedback with { Kind = agentKind, Endpoint = endpoint, Deployment = name },
        };
        return ManifestLoader.WithChanges(loaded, changed, $"with --llm {kind}");
    }

    private static LoadedManifest WithSeed(LoadedManifest loaded, int? seed)
    {
        if (seed is null) return loaded;
        var generator = loaded.Manifest.Data.Generator
            ?? throw new InvalidDataException($"--seed applies to the built-in generator, but {loaded.FilePath} reads its data from files ($.data.source).");
        if (seed < 0) throw new InvalidDataException($"--seed must be 0 or more; got {seed}.");
        return loaded with { Manifest = loaded.Manifest with { Data = loaded.Manifest.Data with { Generator = generator with { Seed = seed.Value } } } };
    }

    /// <summary>No run: the report still shows how the serving version does on the evaluation set.</summary>
    private static async Task<ImprovementReport> NotNeededAsync(
        IServiceProvider services, AgentManifest manifest, string reason, string? serving, CancellationToken cancellationToken)
    {
        var version = serving is null ? null : await services.GetRequiredService<IModelRegistry>().GetAsync(manifest.AgentId, serving, cancellationToken);
        double Segment(string name) => version?.Evaluation.SegmentOrOverall(name).Metric(manifest.Goal.Metric) ?? 0;
        return new ImprovementReport
        {
            RunId = null,
            AgentId = manifest.AgentId,
            Status = RunStatus.NotNeeded,
            Reason = reason,
            Goal = new GoalReport(manifest.Goal.Metric.ToWire(), manifest.Goal.Target),
            Metrics = new MetricsReport(Segment(Core.Datasets.Segments.PreDrift), Segment(Core.Datasets.Segments.PostDrift), null),
            ServingVersion = serving,
        };
    }

    private static void WriteSummary(TextWriter output, ImprovementReport r)
    {
        string F(double? v) => v is null ? "-" : v.Value.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine();
        var table = new TextTable("", "");
        table.Add("run", $"{r.RunId ?? "-"} ({r.AgentId})");
        table.Add("status", $"{r.Status.ToWire()}: {r.Reason}");
        table.Add("goal", $"{r.Goal.Metric} >= {r.Goal.Target:0.00}");
        table.Add("serving before drift", F(r.Metrics.BeforeDrift));
        table.Add("serving after drift", F(r.Metrics.AfterDrift));
        table.Add("candidate after drift", $"{F(r.Metrics.Candidate)} ({r.CandidateVersion ?? "-"})");
        table.Add("planner attempts", r.Attempts);
        table.Add("teacher samples used", r.TeacherSamples);
        table.Add("alignment Σ", r.Alignment is null ? "-" : $"{F(r.Alignment.AlignedValue)} (serving {F(r.Alignment.ServingAlignedValue)})" +
            (r.Alignment.Interval is { } i ? $", difference {F(i.Estimate)} [{F(i.Lower)}, {F(i.Upper)}] at {1 - i.Alpha:0.##}, margin {F(r.Alignment.Margin)}" : "") +
            $", {(r.Alignment.Passed ? "passed" : "blocked")} by {r.Alignment.DecidedBy.ToWire()}");
        foreach (var e in r.Alignment?.Environments ?? [])
            table.Add($"  {e.Name}", e.Probes == 0 ? e.Note ?? "no probes" :
                $"w {F(e.Weight)}, {e.Probes} probes{(e.Clusters > 0 && e.Clusters < e.Probes ? $" in {e.Clusters} clusters" : "")}: V {F(e.Value)} D {F(e.Distance)} V' {F(e.AlignedValue)} forbidden {F(e.ForbiddenActionRate)} " +
                $"(serving V' {F(e.ServingAlignedValue)}, forbidden {F(e.ServingForbiddenActionRate)})");
        table.Add("approval", r.Approval is null ? "-" : $"{r.Approval.Decision.ToWire()}{(r.Approval.By is null ? "" : " by " + r.Approval.By)}");
        table.Add("A/B outcome", r.Deployment is null ? "-" : $"{r.Deployment.Decision.ToWire()} (candidate share {r.Deployment.CandidateShare:0.00}, {r.Deployment.Samples} samples)");
        table.Add("serving version", r.ServingVersion ?? "-");
        table.Add("LLM usage", r.Usage.Calls == 0 && r.Usage.Fallbacks.Count == 0 ? "none (offline agents)" :
            $"{r.Usage.Calls} calls, {r.Usage.InputTokens} in + {r.Usage.OutputTokens} out tokens of {r.Usage.TokenBudget}, cost {r.Usage.Cost:0.####}; " +
            string.Join(", ", r.Usage.ByAgent.Select(a => $"{a.Name} {a.Calls} calls/{a.InputTokens + a.OutputTokens} tokens")));
        foreach (var fallback in r.Usage.Fallbacks)
            table.Add("  fallback", $"{fallback.Agent} (attempt {fallback.Attempt}, batch {fallback.Batch}): {fallback.Reason}");
        table.Add("wall time", $"{r.WallSeconds:0.0} s");
        table.WriteTo(output);
    }
}
