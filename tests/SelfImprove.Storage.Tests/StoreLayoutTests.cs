using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using SelfImprove.Core.Runs;
using SelfImprove.Testing;

namespace SelfImprove.Storage.Tests;

public sealed partial class StoreLayoutTests
{
    private const string WriteDocsVariable = "SELFIMPROVE_WRITE_DOCS";
    private const string TableStart = "<!-- begin: StoreLayout.Entries -->";
    private const string TableEnd = "<!-- end: StoreLayout.Entries -->";

    private static readonly DateTimeOffset ReceivedAt = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)).AddTicks(1234567);
    private static readonly byte[] Content = "[]"u8.ToArray();
    private static readonly UsageRecord Call = new("a-1", "teacher", "generate", 2, 3, 1, "gpt", 10, 20, 0.5);
    private static readonly UsageRecord Fallback = Call with { Fallback = "offline" };

    /// <summary>Each name method with sample arguments, and the values of its template's variables.</summary>
    private static readonly (string Method, string Name, Dictionary<string, object> Values)[] Names =
    [
        (nameof(StoreLayout.RunLock), StoreLayout.RunLock("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.RunRecord), StoreLayout.RunRecord("a", 4), new() { ["agentId"] = "a", ["number"] = 4 }),
        (nameof(StoreLayout.RunReleased), StoreLayout.RunReleased("a", "a-1"), new() { ["agentId"] = "a", ["runId"] = "a-1" }),
        (nameof(StoreLayout.LastRun), StoreLayout.LastRun("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.Batch), StoreLayout.Batch("a", "a-1", 2), new() { ["agentId"] = "a", ["runId"] = "a-1", ["attempt"] = 2 }),
        (nameof(StoreLayout.LabellingItem), StoreLayout.LabellingItem("a", "r1"), new() { ["agentId"] = "a", ["requestId"] = "r1" }),
        (nameof(StoreLayout.LabellingAnswer), StoreLayout.LabellingAnswer("a", "r1"), new() { ["agentId"] = "a", ["requestId"] = "r1" }),
        (nameof(StoreLayout.Trial), StoreLayout.Trial("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.Deployment), StoreLayout.Deployment("a", "run-a-1"), new() { ["agentId"] = "a", ["key"] = "run-a-1" }),
        (nameof(StoreLayout.TrialOutcome), StoreLayout.TrialOutcome("a-1"), new() { ["runId"] = "a-1" }),
        (nameof(StoreLayout.TrialStop), StoreLayout.TrialStop("a-1"), new() { ["runId"] = "a-1" }),
        (nameof(StoreLayout.Feedback), StoreLayout.Feedback("a", ReceivedAt, "f00d"), new() { ["agentId"] = "a", ["receivedAt"] = ReceivedAt.UtcDateTime, ["itemId"] = "f00d" }),
        (nameof(StoreLayout.FeedbackId), StoreLayout.FeedbackId("a", "fb-1"), new() { ["agentId"] = "a", ["feedbackId"] = "fb-1" }),
        (nameof(StoreLayout.FeedbackChanged), StoreLayout.FeedbackChanged("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.FeedbackRecent), StoreLayout.FeedbackRecent("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.DeploymentsChanged), StoreLayout.DeploymentsChanged("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.DeploymentsDigest), StoreLayout.DeploymentsDigest("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.MonitoringCheck), StoreLayout.MonitoringCheck("a", ReceivedAt), new() { ["agentId"] = "a", ["at"] = ReceivedAt.UtcDateTime }),
        (nameof(StoreLayout.TrafficBatch), StoreLayout.TrafficBatch("a", ReceivedAt, ReceivedAt.AddSeconds(1), "beef0001", 7),
            new() { ["agentId"] = "a", ["day"] = ReceivedAt.UtcDateTime, ["hour"] = ReceivedAt.UtcDateTime, ["first"] = ReceivedAt.UtcDateTime,
                    ["last"] = ReceivedAt.AddSeconds(1).UtcDateTime, ["writer"] = "beef0001", ["batch"] = 7L }),
        (nameof(StoreLayout.ModelOnnx), StoreLayout.ModelOnnx("a", "v5"), new() { ["agentId"] = "a", ["versionId"] = "v5" }),
        (nameof(StoreLayout.TrainerState), StoreLayout.TrainerState("a", "v5"), new() { ["agentId"] = "a", ["versionId"] = "v5" }),
        (nameof(StoreLayout.VersionRecord), StoreLayout.VersionRecord("a", "v5"), new() { ["agentId"] = "a", ["versionId"] = "v5" }),
        (nameof(StoreLayout.VersionServed), StoreLayout.VersionServed("a", "v5"), new() { ["agentId"] = "a", ["versionId"] = "v5" }),
        (nameof(StoreLayout.VersionAbandoned), StoreLayout.VersionAbandoned("a", "v5"), new() { ["agentId"] = "a", ["versionId"] = "v5" }),
        (nameof(StoreLayout.VersionAlignment), StoreLayout.VersionAlignment("a", "v5"), new() { ["agentId"] = "a", ["versionId"] = "v5" }),
        (nameof(StoreLayout.VersionAnswerChanges), StoreLayout.VersionAnswerChanges("a", "v5"), new() { ["agentId"] = "a", ["versionId"] = "v5" }),
        (nameof(StoreLayout.Serving), StoreLayout.Serving("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.InitialVersion), StoreLayout.InitialVersion("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.RunReport), StoreLayout.RunReport("a-1"), new() { ["runId"] = "a-1" }),
        (nameof(StoreLayout.RunTerminated), StoreLayout.RunTerminated("a-1"), new() { ["runId"] = "a-1" }),
        (nameof(StoreLayout.Plan), StoreLayout.Plan("a-1", 2), new() { ["runId"] = "a-1", ["attempt"] = 2 }),
        (nameof(StoreLayout.TeacherBatch), StoreLayout.TeacherBatch("a-1", 2, 3), new() { ["runId"] = "a-1", ["attempt"] = 2, ["batch"] = 3 }),
        (nameof(StoreLayout.Demonstration), StoreLayout.Demonstration("a-1", 2, Content),
            new() { ["runId"] = "a-1", ["attempt"] = 2, ["contentHash"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Content))[..16] }),
        (nameof(StoreLayout.Candidate), StoreLayout.Candidate("a-1", 2), new() { ["runId"] = "a-1", ["attempt"] = 2 }),
        (nameof(StoreLayout.TrainingJob), StoreLayout.TrainingJob("a-1", 2), new() { ["runId"] = "a-1", ["attempt"] = 2 }),
        (nameof(StoreLayout.TrainingJobStatus), StoreLayout.TrainingJobStatus("a-1", 2), new() { ["runId"] = "a-1", ["attempt"] = 2 }),
        (nameof(StoreLayout.TrainingJobHeartbeat), StoreLayout.TrainingJobHeartbeat("a-1", 2), new() { ["runId"] = "a-1", ["attempt"] = 2 }),
        (nameof(StoreLayout.ApprovalToken), StoreLayout.ApprovalToken("a-1", "beef"), new() { ["runId"] = "a-1", ["tokenHash"] = "beef" }),
        (nameof(StoreLayout.ApprovalDecision), StoreLayout.ApprovalDecision("a-1"), new() { ["runId"] = "a-1" }),
        (nameof(StoreLayout.ApprovalDelivered), StoreLayout.ApprovalDelivered("a-1"), new() { ["runId"] = "a-1" }),
        (nameof(StoreLayout.ApprovalEscalated), StoreLayout.ApprovalEscalated("a-1"), new() { ["runId"] = "a-1" }),
        (nameof(StoreLayout.RunAdversarialProbes), StoreLayout.RunAdversarialProbes("a-1", "adversarial"), new() { ["runId"] = "a-1", ["environment"] = "adversarial" }),
        (nameof(StoreLayout.Usage), StoreLayout.Usage(Call), UsageValues(Call, "")),
        (nameof(StoreLayout.Usage), StoreLayout.Usage(Fallback), UsageValues(Fallback, ".fallback")),
    ];

    /// <summary>Each prefix method with sample arguments, and the values of the variables it fixes.</summary>
    private static readonly (string Method, string Prefix, Dictionary<string, object> Values)[] Prefixes =
    [
        (nameof(StoreLayout.RunRecordsPrefix), StoreLayout.RunRecordsPrefix("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.BatchesPrefix), StoreLayout.BatchesPrefix("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.FeedbackPrefix), StoreLayout.FeedbackPrefix("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.DeploymentsPrefix), StoreLayout.DeploymentsPrefix("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.LabellingItemsPrefix), StoreLayout.LabellingItemsPrefix("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.LabellingAnswersPrefix), StoreLayout.LabellingAnswersPrefix("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.VersionsPrefix), StoreLayout.VersionsPrefix("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.MonitoringChecksPrefix), StoreLayout.MonitoringChecksPrefix("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.TrafficPrefix), StoreLayout.TrafficPrefix("a"), new() { ["agentId"] = "a" }),
        (nameof(StoreLayout.TrafficDayPrefix), StoreLayout.TrafficDayPrefix("a", ReceivedAt), new() { ["agentId"] = "a", ["day"] = ReceivedAt.UtcDateTime }),
        (nameof(StoreLayout.TrafficHourPrefix), StoreLayout.TrafficHourPrefix("a", ReceivedAt),
            new() { ["agentId"] = "a", ["day"] = ReceivedAt.UtcDateTime, ["hour"] = ReceivedAt.UtcDateTime }),
        (nameof(StoreLayout.TeacherBatchesPrefix), StoreLayout.TeacherBatchesPrefix("a-1", 2), new() { ["runId"] = "a-1", ["attempt"] = 2 }),
        (nameof(StoreLayout.DemonstrationsPrefix), StoreLayout.DemonstrationsPrefix("a-1", 2), new() { ["runId"] = "a-1", ["attempt"] = 2 }),
        (nameof(StoreLayout.UsagePrefix), StoreLayout.UsagePrefix("a-1"), new() { ["runId"] = "a-1" }),
        (nameof(StoreLayout.ApprovalTokensPrefix), StoreLayout.ApprovalTokensPrefix("a-1"), new() { ["runId"] = "a-1" }),
    ];

    [Fact]
    public void The_docs_hold_the_table_of_every_name()
    {
        var path = Path.Combine(RepositoryPaths.Root, "docs", "store-layout.md");
        var text = File.ReadAllText(path).Replace("\r\n", "\n");
        var start = text.IndexOf(TableStart, StringComparison.Ordinal);
        var end = text.IndexOf(TableEnd, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"{path} must hold the table between '{TableStart}' and '{TableEnd}'.");
        var documented = text[(start + TableStart.Length)..end];
        var expected = "\n" + Table() + "\n";
        if (documented == expected) return;

        if (Environment.GetEnvironmentVariable(WriteDocsVariable) == "1")
        {
            File.WriteAllText(path, text[..(start + TableStart.Length)] + expected + text[end..]);
            return;
        }
        Assert.Fail($"{path} does not match StoreLayout.Entries. Regenerate it with: " +
                    $"{WriteDocsVariable}=1 dotnet test tests/SelfImprove.Storage.Tests --filter {nameof(StoreLayoutTests)}");
    }

    [Fact]
    public void Each_name_method_builds_its_documented_template()
    {
        foreach (var (method, name, values) in Names)
        {
            var matches = StoreLayout.Entries.Where(e => Render(e.Template, values) == name).Select(e => e.Template).ToArray();
            Assert.True(matches.Length == 1, $"{method} gives '{name}', which {(matches.Length == 0 ? "no template" : string.Join(" and ", matches))} of StoreLayout.Entries gives.");
        }
        foreach (var entry in StoreLayout.Entries)
            Assert.True(Names.Any(n => Render(entry.Template, n.Values) == n.Name), $"No name method builds '{entry.Template}'.");
    }

    [Fact]
    public void Each_prefix_method_lists_a_documented_family_of_names()
    {
        foreach (var (method, prefix, values) in Prefixes)
        {
            Assert.EndsWith("/", prefix);
            Assert.True(StoreLayout.Entries.Any(e => FolderOf(e.Template, values) == prefix),
                $"{method} gives '{prefix}', the folder of no template of StoreLayout.Entries with variable names under it.");
        }
    }

    [Fact]
    public void Every_public_name_method_is_checked_against_the_table()
    {
        var methods = typeof(StoreLayout).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.ReturnType == typeof(string) && !m.IsSpecialName).Select(m => m.Name).ToHashSet();
        var checkedHere = Names.Select(n => n.Method).Concat(Prefixes.Select(p => p.Method)).ToHashSet();
        Assert.Empty(methods.Except(checkedHere));
    }

    [Fact]
    public void Names_are_the_ones_stores_already_hold()
    {
        Assert.Equal("agents/a/run.lock", StoreLayout.RunLock("a"));
        Assert.Equal("agents/a/runs/", StoreLayout.RunRecordsPrefix("a"));
        Assert.Equal("agents/a/runs/4.json", StoreLayout.RunRecord("a", 4));
        Assert.Equal("agents/a/released/a-1.json", StoreLayout.RunReleased("a", "a-1"));
        Assert.Equal("agents/a/last-run.json", StoreLayout.LastRun("a"));
        Assert.Equal("agents/a/batches/", StoreLayout.BatchesPrefix("a"));
        Assert.Equal("agents/a/batches/a-1.attempt-2.json", StoreLayout.Batch("a", "a-1", 2));
        Assert.Equal("agents/a/labelling/items/r1.json", StoreLayout.LabellingItem("a", "r1"));
        Assert.Equal("agents/a/trial.json", StoreLayout.Trial("a"));
        Assert.Equal("agents/a/feedback/", StoreLayout.FeedbackPrefix("a"));
        Assert.Equal("agents/a/feedback/20240506T0508091234567-f00d.json", StoreLayout.Feedback("a", ReceivedAt, "f00d"));
        Assert.Equal("agents/a/feedback-ids/fb-1.json", StoreLayout.FeedbackId("a", "fb-1"));
        Assert.Equal("agents/a/traffic/", StoreLayout.TrafficPrefix("a"));
        Assert.Equal("agents/a/traffic/2024-05-06/", StoreLayout.TrafficDayPrefix("a", ReceivedAt));
        Assert.Equal("agents/a/traffic/2024-05-06/05/", StoreLayout.TrafficHourPrefix("a", ReceivedAt));
        Assert.Equal("agents/a/traffic/2024-05-06/05/20240506T0508091234567-20240506T0508101234567-beef0001-000007.jsonl",
            StoreLayout.TrafficBatch("a", ReceivedAt, ReceivedAt.AddSeconds(1), "beef0001", 7));
        Assert.Equal("agents/a/versions/", StoreLayout.VersionsPrefix("a"));
        Assert.Equal("agents/a/versions/v5/model.onnx", StoreLayout.ModelOnnx("a", "v5"));
        Assert.Equal("agents/a/versions/v5/trainer-state.zip", StoreLayout.TrainerState("a", "v5"));
        Assert.Equal("agents/a/versions/v5/version.json", StoreLayout.VersionRecord("a", "v5"));
        Assert.Equal("agents/a/versions/v5/served.json", StoreLayout.VersionServed("a", "v5"));
        Assert.Equal("agents/a/versions/v5/abandoned.json", StoreLayout.VersionAbandoned("a", "v5"));
        Assert.Equal("agents/a/versions/v5/alignment.json", StoreLayout.VersionAlignment("a", "v5"));
        Assert.Equal("agents/a/versions/v5/answer-changes.json", StoreLayout.VersionAnswerChanges("a", "v5"));
        Assert.Equal("agents/a/serving.json", StoreLayout.Serving("a"));
        Assert.Equal("agents/a/initial-version.json", StoreLayout.InitialVersion("a"));
        Assert.Equal("runs/a-1/report.json", StoreLayout.RunReport("a-1"));
        Assert.Equal("runs/a-1/terminated.json", StoreLayout.RunTerminated("a-1"));
        Assert.Equal("runs/a-1/attempt-2/plan.json", StoreLayout.Plan("a-1", 2));
        Assert.Equal("runs/a-1/attempt-2/teacher/", StoreLayout.TeacherBatchesPrefix("a-1", 2));
        Assert.Equal("runs/a-1/attempt-2/teacher/batch-0003.json", StoreLayout.TeacherBatch("a-1", 2, 3));
        Assert.Equal("runs/a-1/attempt-2/teacher/batch-12345.json", StoreLayout.TeacherBatch("a-1", 2, 12345));
        Assert.Equal("runs/a-1/attempt-2/demonstrations/", StoreLayout.DemonstrationsPrefix("a-1", 2));
        Assert.Equal("runs/a-1/attempt-2/demonstrations/4f53cda18c2baa0c.json", StoreLayout.Demonstration("a-1", 2, Content));
        Assert.Equal("runs/a-1/attempt-2/candidate.json", StoreLayout.Candidate("a-1", 2));
        Assert.Equal("runs/a-1/approval/tokens/beef.json", StoreLayout.ApprovalToken("a-1", "beef"));
        Assert.Equal("runs/a-1/approval/decision.json", StoreLayout.ApprovalDecision("a-1"));
        Assert.Equal("runs/a-1/approval/delivered.json", StoreLayout.ApprovalDelivered("a-1"));
        Assert.Equal("runs/a-1/usage/", StoreLayout.UsagePrefix("a-1"));
        Assert.Equal("runs/a-1/usage/generate.attempt-2.batch-3.teacher.call-1.json", StoreLayout.Usage(Call));
        Assert.Equal("runs/a-1/usage/generate.attempt-2.batch-3.teacher.call-1.fallback.json", StoreLayout.Usage(Fallback));
    }

    [Fact]
    public void Names_read_back_as_what_they_were_built_from()
    {
        Assert.Equal(2, StoreLayout.BatchAttempt("a", "a-1", StoreLayout.Batch("a", "a-1", 2)));
        Assert.Equal(12, StoreLayout.BatchAttempt("a", "a-1", StoreLayout.Batch("a", "a-1", 12)));
        Assert.Null(StoreLayout.BatchAttempt("a", "a-1", StoreLayout.Batch("a", "a-10", 2)));
        Assert.Null(StoreLayout.BatchAttempt("a", "a-1", StoreLayout.Batch("b", "a-1", 2)));

        Assert.Equal(5, StoreLayout.VersionNumber(StoreLayout.ModelOnnx("a", "v5")));
        Assert.Equal(17, StoreLayout.VersionNumber(StoreLayout.VersionRecord("a", "v17")));
        Assert.Equal(0, StoreLayout.VersionNumber(StoreLayout.Serving("a")));
        Assert.True(StoreLayout.IsVersionRecord(StoreLayout.VersionRecord("a", "v5")));
        Assert.False(StoreLayout.IsVersionRecord(StoreLayout.ModelOnnx("a", "v5")));
        Assert.False(StoreLayout.IsVersionRecord(StoreLayout.TrainerState("a", "v5")));
    }

    [Fact]
    public void Every_name_is_one_the_stores_accept()
    {
        foreach (var (_, name, _) in Names) ArtifactNames.Check(name);
        foreach (var (_, prefix, _) in Prefixes) ArtifactNames.Check(prefix.TrimEnd('/'));
    }

    /// <summary>The markdown table of <see cref="StoreLayout.Entries"/>, as <c>docs/store-layout.md</c> holds it.</summary>
    private static string Table()
    {
        var table = new StringBuilder();
        table.Append("| Name | Holds | Written by | Write mode | Replay key |\n");
        table.Append("|---|---|---|---|---|\n");
        foreach (var e in StoreLayout.Entries)
            table.Append($"| `{e.Template}` | {Cell(e.Holds)} | {Cell(e.WrittenBy)} | {e.Mode} | {Cell(e.ReplayKey)} |\n");
        return table.ToString().TrimEnd('\n');
    }

    private static string Cell(string text) => text.Replace("|", "\\|");

    /// <summary>The template with its variables filled in; null when a variable has no value.</summary>
    private static string? Render(string template, IReadOnlyDictionary<string, object> values)
    {
        var missing = false;
        var rendered = Variable().Replace(template, m =>
        {
            if (!values.TryGetValue(m.Groups["name"].Value, out var value))
            {
                missing = true;
                return "";
            }
            return m.Groups["format"].Success ? string.Format(CultureInfo.InvariantCulture, "{0:" + m.Groups["format"].Value + "}", value) : Convert.ToString(value, CultureInfo.InvariantCulture)!;
        });
        return missing ? null : rendered;
    }

    /// <summary>
    /// The folder of the template's names once <paramref name="values"/> are filled in: the text up to the first variable
    /// without a value, cut after its last '/'; null when every variable has a value (one name, not a family).
    /// </summary>
    private static string? FolderOf(string template, IReadOnlyDictionary<string, object> values)
    {
        var open = Variable().Matches(template).FirstOrDefault(m => !values.ContainsKey(m.Groups["name"].Value));
        if (open is null) return null;
        var known = Render(template[..open.Index], values)!;
        return known[..(known.LastIndexOf('/') + 1)];
    }

    private static Dictionary<string, object> UsageValues(UsageRecord record, string fallback) => new()
    {
        ["runId"] = record.RunId, ["phase"] = record.Phase, ["attempt"] = record.Attempt, ["batch"] = record.Batch,
        ["agent"] = record.Agent, ["call"] = record.Call, ["fallback"] = fallback,
    };

    [GeneratedRegex(@"\{(?<name>\w+)(?::(?<format>[^}]+))?\}")]
    private static partial Regex Variable();
}
